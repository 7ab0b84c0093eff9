"""The seed's counterparty table, rebuilt from documents.

A contract with two planned stages, invoices, acts, payments applied oldest
due first, an advance and a credit note; then the counterparty balance
statement for October ("Код контрагента, Наименование контрагента, Входящее
сальдо, Приход, Расход"), the ageing as of the month's end, plan against
fact, and the reconciliation act with the counterparty's own figures.

Run: python examples/contracts_and_balances.py
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import crmcore


def line(description: str, price: str, quantity: str = "1") -> dict[str, str]:
    return {"description": description, "quantity": quantity, "price": price}


def main() -> None:
    crm = crmcore.open(time_zone="Europe/Kyiv")
    delicatessen = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
    neptune = crm.clients.create(code="06951937", name='Кооператив "Нептун"')
    oleg = crm.clients.create(code="22827226", name="ОЛЕНКА ТОВ")
    crm.products.create(code="К-1", name="Кава в зернах, 1 кг", unit="кг", price="450.00")

    contract = crm.contracts.create(
        number="Д-14/1",
        signed_on=date(2014, 8, 25),
        client=delicatessen,
        subject="Поставка кави і обладнання",
        valid_from=date(2014, 8, 25),
        valid_until=date(2014, 12, 31),
        stages=[
            {"name": "Обладнання", "planned_amount": "12000", "planned_on": date(2014, 9, 30)},
            {"name": "Кава", "planned_amount": "10800", "planned_on": date(2014, 10, 31)},
        ],
    )
    on_contract = {"client": delicatessen, "contract": contract}
    machine = crm.documents.create(
        "invoice",
        issued_on=date(2014, 9, 1),
        due_on=date(2014, 9, 15),
        stage="Обладнання",
        lines=[line("Кавомашина", "10000")],
        **on_contract,
    )
    crm.documents.create(
        "act",
        issued_on=date(2014, 9, 5),
        stage="Обладнання",
        lines=[line("Кавомашина", "10000")],
        **on_contract,
    )
    coffee = crm.documents.create(
        "invoice",
        issued_on=date(2014, 10, 6),
        due_on=date(2014, 10, 20),
        stage="Кава",
        lines=[{"product": "К-1", "quantity": "20"}],
        **on_contract,
    )
    paid = crm.documents.create(
        "payment_in", client=delicatessen, issued_on=date(2014, 9, 12), amount="12000"
    )
    crm.allocations.allocate(paid, machine, "12000")
    october = crm.documents.create(
        "payment_in", client=delicatessen, issued_on=date(2014, 10, 15), amount="5000"
    )
    crm.allocations.allocate_automatically(october)
    crm.documents.create(
        "credit_note",
        issued_on=date(2014, 10, 25),
        stage="Кава",
        based_on=coffee,
        lines=[line("Знижка за обсяг", "450")],
        **on_contract,
    )

    crm.documents.create(
        "invoice",
        client=neptune,
        issued_on=date(2014, 7, 1),
        due_on=date(2014, 7, 15),
        lines=[line("Кава мелена", "300", "4")],
    )
    crm.documents.create("payment_in", client=oleg, issued_on=date(2014, 10, 30), amount="2500")

    print("Баланс контрагентів за 01.10.2014 - 31.10.2014")
    print(f"{'Код':<10} {'Контрагент':<22} {'Вх. сальдо':>11} {'Приход':>11} {'Расход':>11}")
    rows = list(crm.balances.statement(date(2014, 10, 1), date(2014, 10, 31)))
    for row in rows:
        print(
            f"{row.code:<10} {row.name:<22} {row.opening:>11} {row.debit:>11} {row.credit:>11}"
            f"   → {row.closing}"
        )
    for total in crmcore.statement_totals(rows):
        print(
            f"{'Разом':<33} {total.opening:>11} {total.debit:>11} {total.credit:>11}"
            f"   → {total.closing} {total.currency}"
        )

    ageing = crm.balances.ageing(as_of=date(2014, 10, 31))
    print("\nБоргові строки на 31.10.2014:", " | ".join(ageing.labels))
    for row in ageing.rows:
        code = crm.clients.get(row.client_id).code
        buckets = " | ".join(str(amount) for amount in row.buckets)
        print(f"{code:<10} {buckets}   аванси: {row.advances}")

    plan = crm.contracts.plan_against_fact(contract, as_of=date(2014, 10, 31))
    print("\nПлан і факт за договором", contract.number)
    for stage in (*plan.stages, plan.total):
        print(
            f"  {stage.name:<12} план {stage.planned:>9} відвантажено {stage.shipped:>9}"
            f" рахунки {stage.invoiced:>9} оплачено {stage.paid:>9}"
            f" виконано {stage.percent_complete}%"
        )

    act = crm.balances.act(
        delicatessen,
        date(2014, 10, 1),
        date(2014, 10, 31),
        theirs_opening="0.00",
        theirs_debit="10800.00",
        theirs_credit="5000.00",
    )
    print("\nАкт звірки з", delicatessen.name, "— сальдо на початок", act.opening)
    for entry in act.lines:
        print(f"  {entry.issued_on:%d.%m.%Y} {entry.number:<14} {entry.debit:>9} {entry.credit:>9}")
    print("  сальдо на кінець", act.closing, "; розбіжності:", act.differences)
    assert act.closing == Decimal("5260.00")


if __name__ == "__main__":
    main()
