"""An incoming call, as a PBX integration would handle it.

The PBX reports a call (caller number, the extension that answered, a call
id).  The integration finds the client by the caller's number, logs the call
as an event of type "ВхЗ" with the call id as ``external_ref`` — so a
notification the PBX delivers twice is logged once — and shows the client's
card to the employee on that extension.

Run: python examples/incoming_call.py
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import crmcore


def setup(crm: crmcore.CRM) -> None:
    crm.employees.create(code="2", name="Петрова Ірина", extension="202")
    pdv = crm.clients.create(code="1", name="ПДВ", kind="partner", phones=["0442067222"])
    crm.contacts.create(pdv, name="Петров Иван Иванович", phones=["0442067222 доб. 2007"])
    crm.contacts.create(pdv, name="Алена", phones=["0442067222 доб. 2008"])


def on_call(
    crm: crmcore.CRM,
    *,
    call_id: str,
    caller: str,
    answered_by: str,
    started: datetime,
    seconds: int,
) -> crmcore.Event:
    """What the PBX webhook handler does with one finished call."""
    employee = next(e for e in crm.employees.list() if e.extension == answered_by)
    match = crm.telephony.identify(caller)
    return crm.acting_as(employee).events.log(
        None if match is None else match.client,
        contact=None if match is None else match.contact,
        type="ВхЗ",
        subject=f"Дзвінок з {caller}",
        occurred_at=started,
        duration=timedelta(seconds=seconds),
        external_ref=f"pbx:{call_id}",
    )


def main() -> None:
    crm = crmcore.open()
    setup(crm)
    started = datetime(2014, 11, 5, 9, 30, tzinfo=UTC)
    call = {
        "call_id": "1700000001.42",
        "caller": "+38 (044) 206-72-22 ext 2007",
        "answered_by": "202",
    }
    first = on_call(crm, **call, started=started, seconds=252)
    again = on_call(crm, **call, started=started, seconds=252)  # the PBX retried its notification
    assert first == again
    assert first.client_id is not None
    assert first.contact_id is not None

    card = crm.card(first.client_id)
    print(f"{card.client.name}: {len(card.timeline)} подія(ї) в історії")
    for entry in card.timeline:
        print(f"  {entry.occurred_at:%d.%m.%Y %H:%M} {entry.type_code} {entry.title}")
    contact = crm.contacts.get(first.contact_id)
    print(f"Розмовляли з: {contact.name}")


if __name__ == "__main__":
    main()
