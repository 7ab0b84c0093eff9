"""One missed and one answered call, played by an Asterisk replay server over AMI.

No Asterisk is needed: the AMI plugin's loopback server
(``crmcore_asterisk_ami.testing.ReplayServer``) speaks the protocol and
replays two transcripts of Asterisk's events; the plugin reads them over TCP
and hands each call event to ``crm.telephony.handle``.  What crmcore made of
the calls is printed: the call, its event on the client's timeline, and the
callback task of the missed one.

Needs the plugin installed: pip install ./examples/crmcore-asterisk-ami
Run: python examples/pbx_replay.py
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from crmcore_asterisk_ami import AsteriskAmi
from crmcore_asterisk_ami.testing import ReplayServer

import crmcore

TRANSCRIPTS = Path(__file__).parent / "crmcore-asterisk-ami" / "tests" / "transcripts"


def main() -> None:
    calls = [
        (TRANSCRIPTS / f"{name}.ami").read_text(encoding="utf-8") for name in ("missed", "answered")
    ]
    with crmcore.open() as crm, ReplayServer(calls) as pbx:
        iryna = crm.employees.create(code="2", name="Петрова Ірина", extension="202")
        pdv = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"], responsible=iryna)
        gateway = AsteriskAmi("127.0.0.1", pbx.port, "crmcore", "s3cret")
        stop = threading.Event()
        listener = threading.Thread(
            target=gateway.listen, args=(crm.telephony.handle,), kwargs={"stop": stop}
        )
        listener.start()
        deadline = time.monotonic() + 10
        while len([c for c in crm.telephony.calls(pdv) if c.ended]) < 2:
            if time.monotonic() > deadline:
                raise SystemExit("the calls did not arrive")
            time.sleep(0.05)
        stop.set()
        listener.join()
        tasks = {task.event_id: task for task in crm.tasks.registry(client=pdv)}
        for call in sorted(crm.telephony.calls(pdv), key=lambda c: c.started_at):
            event = crm.events.get(call.event_id)
            employee = crm.employees.get(event.employee_id) if event.employee_id else None
            line = (
                f"{call.outcome.value:<8} {pdv.name}  ring {call.ring_seconds} s  "
                f"talk {call.talk_seconds if call.talk_seconds is not None else '-'} s  "
                f"→ {event.type_code}"
            )
            task = tasks.get(event.id)
            if task is not None:
                line += f', callback task "{task.name}" for {iryna.name}'
            elif employee is not None:
                line += f" by {employee.name}"
            print(line)
        assert len(tasks) == 1


if __name__ == "__main__":
    main()
