"""A process killed in the middle of a call leaves no half-written data behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import crmcore
from crmcore.testing import ManualClock

IMPORT = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta

    import crmcore

    crm = crmcore.open(sys.argv[1])
    start = datetime(2014, 11, 5, 9, 0, tzinfo=UTC)
    rows = (
        {"client": "1", "type": "ВхЗ", "occurred_at": start + timedelta(seconds=i),
         "external_ref": f"pbx:{i}"}
        for i in range(int(sys.argv[2]))
    )
    print("importing", flush=True)
    crm.events.import_many(rows, batch_size=500)
    print("done", flush=True)
    """
)


def test_import_killed_midway_stores_nothing_and_can_be_run_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    with crmcore.open(url) as crm:
        crm.clients.create(code="1", name="ПДВ")
    script = tmp_path / "import.py"
    script.write_text(IMPORT, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), url, "200000"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "importing"
    wal = tmp_path / "crm.sqlite-wal"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if wal.exists() and wal.stat().st_size > 1_000_000:  # rows are being written
            break
        time.sleep(0.01)
    finished = process.poll() is not None
    if not finished:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    with crmcore.open(url) as crm:
        stored = len(crm.timeline("1", limit=1000).items)
        if finished:
            assert stored == 1000  # the import won the race: all of it is there
        else:
            assert stored == 0
            report = crm.events.import_many(
                {
                    "client": "1",
                    "type": "ВхЗ",
                    "occurred_at": ManualClock()(),
                    "external_ref": f"pbx:{i}",
                }
                for i in range(10)
            )
            assert (report.created, report.skipped) == (10, 0)


MAIL_IMPORT = textwrap.dedent(
    """
    import sys

    import crmcore

    crm = crmcore.open(sys.argv[1])

    def progress(done, total):
        print("stored", done, flush=True)

    crm.mail.import_file(sys.argv[2], own_domains=["intelserv.com"], batch_size=50,
                         progress=progress)
    print("done", flush=True)
    """
)


def test_mail_import_killed_midway_keeps_whole_batches_and_finishes_without_duplicates(
    tmp_path: Path,
) -> None:
    from crmcore.testing.conformance.mail import raw_mail

    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    with crmcore.open(url) as crm:
        crm.clients.create(code="1", name="Нептун", emails=["petrov@neptun.ua"])
    count = 2000
    mbox = tmp_path / "mail.mbox"
    with mbox.open("wb") as out:
        for number in range(count):
            out.write(b"From petrov@neptun.ua Wed Nov  5 10:00:00 2014\n")
            out.write(raw_mail(message_id=f"<k-{number}@neptun.ua>").replace(b"\r\n", b"\n"))
    script = tmp_path / "import.py"
    script.write_text(MAIL_IMPORT, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), url, str(mbox)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("stored 50")  # a batch is committed
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    with crmcore.open(url) as crm:
        [neptune] = crm.clients.search(code="1")
        mails = crm.mail.of_client(neptune, limit=1000).items
        lines = crm.timeline(neptune, limit=1000).items
        assert len(mails) == len(lines)  # no message without its event, nor the reverse
        assert len(mails) % 50 == 0 or len(mails) == count
        assert {m.event_id for m in mails} == {line.source_id for line in lines}
        report = crm.mail.import_file(mbox, own_domains=["intelserv.com"])
        assert report.read == count
        assert report.created + report.duplicates == count
        assert report.duplicates >= 50
        stored = crm.mail.of_client(neptune, limit=1000)
        assert stored.next_cursor is not None  # more than a page: all 2,000 are there
        assert crm.mail.import_file(mbox, own_domains=["intelserv.com"]).created == 0
