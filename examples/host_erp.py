"""crmcore inside a host ERP's own database.

The ERP owns its engine and tables; crmcore adds its tables beside them with
a prefix and keeps its clients linked to the ERP's counterparties through
``external_id``.  The ERP's own invoices and payments (its table
``erp_documents``) reach crmcore's money reports through the
``crmcore_documents`` hook, beside the documents crmcore issued itself.

Run: python examples/host_erp.py
"""

from __future__ import annotations

import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy

import crmcore


class ErpDocuments:
    """The ERP's invoices and payments as crmcore documents, read from its own table."""

    def __init__(self, engine: sqlalchemy.Engine) -> None:
        self.engine = engine
        self.clients: dict[str, Any] = {}  # the ERP's counterparty id -> crmcore client id

    @crmcore.hookimpl
    def crmcore_documents(self, client_ids: Any, start: Any, end: date) -> Any:
        from crmcore.domain.documents import Document, HostDocuments

        with self.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT number, counterparty_id, kind, issued_on, due_on, total_kop"
                " FROM erp_documents WHERE issued_on <= ?",
                (end.isoformat(),),
            ).all()
        documents = []
        for number, counterparty, kind, issued_on, due_on, kopecks in rows:
            client_id = self.clients.get(str(counterparty))
            if client_id is None or (client_ids is not None and client_id not in client_ids):
                continue
            amount = Decimal(kopecks).scaleb(-2)
            documents.append(
                Document(
                    kind=kind,
                    number=number,
                    client_id=client_id,
                    issued_on=date.fromisoformat(issued_on),
                    due_on=None if due_on is None else date.fromisoformat(due_on),
                    net=amount,
                    gross=amount,
                    source="erp",
                    external_id=number,
                )
            )
        return HostDocuments(documents=documents)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = sqlalchemy.create_engine(f"sqlite:///{Path(folder) / 'erp.sqlite'}")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TABLE counterparties (id INTEGER PRIMARY KEY, code TEXT, name TEXT)"
            )
            connection.exec_driver_sql(
                "INSERT INTO counterparties VALUES (17, '22827226', 'ОЛЕНКА ТОВ'),"
                " (18, '90000014', 'ДИЛЕР ТОВ')"
            )
            erp_rows = connection.exec_driver_sql("SELECT id, code, name FROM counterparties").all()
            connection.exec_driver_sql(
                "CREATE TABLE erp_documents (number TEXT PRIMARY KEY, counterparty_id INTEGER,"
                " kind TEXT, issued_on TEXT, due_on TEXT, total_kop INTEGER)"
            )
            connection.exec_driver_sql(
                "INSERT INTO erp_documents VALUES"
                " ('ERP-101', 17, 'invoice', '2014-09-02', '2014-09-16', 360000),"
                " ('ERP-P-7', 17, 'payment_in', '2014-09-20', NULL, 200000),"
                " ('ERP-102', 18, 'invoice', '2014-10-01', '2014-10-15', 120000)"
            )

        erp = ErpDocuments(engine)
        with crmcore.open(engine=engine, table_prefix="crm_", plugins=[erp]) as crm:
            with crm.transaction():
                for erp_id, code, name in erp_rows:
                    client = crm.clients.create(
                        code=code, name=name, kind="customer", external_id=str(erp_id)
                    )
                    erp.clients[str(erp_id)] = client.id
            print([c.name for c in crm.clients.search("тов")])
            # An invoice crmcore issues itself, beside the ERP's own.
            crm.documents.create(
                "invoice",
                client="22827226",
                issued_on=date(2014, 10, 6),
                lines=[{"description": "Сервісне обслуговування", "quantity": "1", "price": "500"}],
            )
            print("Код       Контрагент      Вх. сальдо    Приход    Расход")
            rows = list(crm.balances.statement(date(2014, 10, 1), date(2014, 10, 31)))
            for row in rows:
                print(
                    f"{row.code}  {row.name:<14} {row.opening:>10} {row.debit:>9} {row.credit:>9}"
                )
            assert [(r.code, r.opening, r.debit) for r in rows] == [
                ("22827226", Decimal("1600.00"), Decimal("600.00")),
                ("90000014", Decimal("0.00"), Decimal("1200.00")),
            ]
            overdue = crm.balances.overdue(as_of=date(2014, 10, 31))
            print("overdue:", [(item.number, str(item.open)) for item in overdue])

        tables = sorted(sqlalchemy.inspect(engine).get_table_names())
        print("tables in the ERP database:", ", ".join(tables))
        assert "counterparties" in tables
        assert "crm_clients" in tables
        engine.dispose()


if __name__ == "__main__":
    main()
