"""E-mail benchmark: ingesting an mbox, and the client timeline with e-mails mixed in.

An mbox of 100,000 messages (``--quick``: 2,000) is written first: threads of
two to six messages between the contact persons of 2,000 clients (40) and
five employees, with Cc lists (some with a trailing comma), quoted history,
signatures, HTML-only mail, small PDF attachments, automatic replies and
bounces.  Then, on the same database, in the same run:

- **crmcore**: ``crm.mail.import_file(mbox, batch_size=500)``: parse, match,
  thread, classify, store the message, its e-mail event, timeline line,
  history and attachments, idempotently.  It runs in a fresh process whose
  peak RSS is sampled after a tenth of the mailbox and at its end: the
  growth between the two must stay under 40 MB, whatever the mailbox size.
- **raw driver**: the leanest hand-written importer doing the same kind of
  work with the bare driver: the same streamed mbox reader, the standard
  library's ``email`` parser (``compat32``), the sender's client looked up in
  an in-memory dict, the first text part decoded, and one mail row and one
  timeline row per message inserted with ``executemany`` in batches of 500,
  duplicates ignored by a unique key.  It does no threading, quoting,
  classification, attachments or history, so the ratio is what those cost.
- **physical limit**: the mbox split into messages and each stored whole,
  keyed by its SHA-256: what storing the mailbox costs at all.

The figures are messages/s and the cost per message (p50 and p95 of each
batch's time divided by its messages).  Then 200 client timelines (50
entries, e-mails and events mixed) are read through ``crm.timeline`` and with
one SQL query on the driver, alternating; target: p50 at most 3x the driver.

python benchmarks/mail.py [--quick] [--backends sqlite,postgresql]
(PostgreSQL when ``CRMCORE_BENCH_POSTGRESQL`` holds a SQLAlchemy URL.)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import compat32
from email.utils import format_datetime, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if importlib.util.find_spec("crmcore") is None and (ROOT / "src" / "crmcore").is_dir():
    sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from rawdb import RawDB, Target, drop_schema  # noqa: E402 - after the path set-up above

__all__ = ["measure", "metrics", "sizes"]

BATCH = 500
RSS_GROWTH_TARGET_MB = 40.0
INGEST_RATIO_TARGET = 0.1  # crmcore's messages/s against the raw importer's
TIMELINE_RATIO_TARGET = 3.0
OURS = "intelserv.com"
EMPLOYEES = ("petrova", "kononov", "ivanov", "melnyk", "bondarchuk")
PDF = base64.encodebytes(b"%PDF-1.4\n" + bytes(range(256)) * 8).decode()
START = datetime(2014, 1, 6, 7, 0, tzinfo=UTC)


def sizes(quick: bool) -> dict[str, int]:
    return {
        "messages": 2_000 if quick else 100_000,
        "clients": 40 if quick else 2_000,  # 50 messages each: full timeline pages
        "timeline_queries": 200,
        "batch": BATCH,
    }


# ------------------------------------------------------------------ the mailbox


def _message(rng: random.Random, number: int, thread: list[str], clients: int) -> bytes:
    client = rng.randrange(clients)
    person = f"contact{client}@client{client}.example.ua"
    employee = f"{rng.choice(EMPLOYEES)}@{OURS}"
    incoming = rng.random() < 0.6
    sender, to = (person, employee) if incoming else (employee, person)
    at = START + timedelta(minutes=7 * number)
    message_id = f"<m{number}.{rng.getrandbits(32):08x}@{sender.split('@')[1]}>"
    root = thread[0].split(".")[0][2:] if thread else str(number)
    subject = f"Замовлення №{root}"
    headers = [
        f"From: =?utf-8?b?{base64.b64encode('Петро Іваненко'.encode()).decode()}?= <{sender}>",
        f"To: {to}",
        f"Subject: {'Re: ' if thread else ''}{subject}",
        f"Date: {format_datetime(at)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    if rng.random() < 0.3:
        headers.append(f"Cc: office@client{client}.example.ua, buh@client{client}.example.ua,")
    if thread:
        headers += [f"In-Reply-To: {thread[-1]}", f"References: {' '.join(thread[-10:])}"]
    text = "Добрий день!\n\nПідтверджуємо замовлення, рахунок надішлемо сьогодні.\n\n-- \nПетро"
    if thread:
        text += "\n\nOn Mon, 6 Jan 2014, Ірина wrote:\n> Чи підтверджуєте замовлення?\n> Дякую"
    roll = rng.random()
    if roll < 0.01:
        headers.append("Auto-Submitted: auto-replied")
    if roll < 0.05:
        headers.append('Content-Type: text/html; charset="utf-8"')
        body = "<html><body><p>" + text.replace("\n", "<br>") + "</p></body></html>"
    elif roll < 0.07:
        headers.append('Content-Type: multipart/mixed; boundary="b"')
        body = (
            "--b\nContent-Type: text/plain; charset=utf-8\n\n"
            + text
            + "\n--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
            + f'Content-Disposition: attachment; filename="rahunok-{number}.pdf"\n\n'
            + PDF
            + "--b--"
        )
    else:
        headers.append("Content-Type: text/plain; charset=utf-8")
        body = text
    thread.append(message_id)
    return ("\n".join(headers) + "\n\n" + body + "\n").encode()


def write_mbox(path: Path, count: int, clients: int, seed: int = 15) -> None:
    rng = random.Random(seed)
    threads: list[list[str]] = []
    with path.open("wb") as out:
        for number in range(count):
            if not threads or rng.random() < 0.3:
                threads.append([])
                if len(threads) > 50:
                    threads.pop(0)
            thread = rng.choice(threads[-20:])
            if len(thread) >= 6:
                thread = []
                threads.append(thread)
            out.write(b"From sender Mon Jan  6 07:00:00 2014\n")
            out.write(_message(rng, number, thread, clients))
            out.write(b"\n")


def _split(path: Path) -> Iterator[bytes]:
    """The messages of an mbox, streamed: the reader both hand-written sides use."""
    lines: list[bytes] = []
    with path.open("rb") as stream:
        for line in stream:
            if line.startswith(b"From "):
                if lines:
                    yield b"".join(lines)
                lines = []
            else:
                lines.append(line)
    if lines:
        yield b"".join(lines)


# ------------------------------------------------------------------ the three importers


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def crmcore_ingest(target: Target, mbox: str, count: int) -> dict[str, Any]:
    """In a fresh process: import the mbox through crmcore."""
    import crmcore

    crm = crmcore.open(target.url, **target.open_kwargs())
    marks: list[tuple[float, int]] = []
    rss: dict[str, float] = {}

    def progress(done: int, total: int | None) -> None:
        marks.append((time.perf_counter(), done))
        if "tenth" not in rss and done >= count // 10:
            rss["tenth"] = _rss_mb()

    started = time.perf_counter()
    report = crm.mail.import_file(mbox, own_domains=[OURS], batch_size=BATCH, progress=progress)
    seconds = time.perf_counter() - started
    rss["end"] = _rss_mb()
    crm.close()
    return {
        "seconds": seconds,
        "per_message_us": _per_message(started, marks),
        "rss_tenth_mb": rss.get("tenth", rss["end"]),
        "rss_end_mb": rss["end"],
        "created": report.created,
        "skipped": report.skipped_count,
    }


def _per_message(started: float, marks: list[tuple[float, int]]) -> list[float]:
    costs, before_at, before_done = [], started, 0
    for at, done in marks:
        if done > before_done:
            costs.append((at - before_at) * 1e6 / (done - before_done))
        before_at, before_done = at, done
    return costs


def _table(db: RawDB, name: str) -> str:
    schema = db.target.schema
    return f'"{schema}".{name}' if schema and not db.sqlite else name


def raw_ingest(target: Target, mbox: Path, owners: dict[str, Any]) -> dict[str, Any]:
    """The lean hand-written importer on the bare driver (see the module docstring)."""
    db = RawDB(target, autocommit=False)  # batches are transactions of their own
    mail, line = _table(db, "bench_raw_mail"), _table(db, "bench_raw_timeline")
    text_type = "TEXT"
    db.execute(
        f"CREATE TABLE {mail} (message_id {text_type} PRIMARY KEY, client_id {text_type},"
        f" sent_at {text_type}, sender {text_type}, subject {text_type}, body {text_type})"
    )
    db.execute(
        f"CREATE TABLE {line} (id {text_type} PRIMARY KEY, client_id {text_type},"
        f" occurred_at {text_type}, title {text_type})"
    )
    conflict = "ON CONFLICT DO NOTHING"
    insert_mail = db.sql(f"INSERT INTO {mail} VALUES (?, ?, ?, ?, ?, ?) {conflict}")
    insert_line = db.sql(f"INSERT INTO {line} VALUES (?, ?, ?, ?) {conflict}")
    _commit(db)
    costs: list[float] = []
    started = time.perf_counter()
    batch: list[bytes] = []

    def flush() -> None:
        at = time.perf_counter()
        mails, lines = [], []
        for raw in batch:
            message = message_from_bytes(raw, policy=compat32)
            sender = parseaddr(str(message.get("From", "")))[1].lower()
            sent = parsedate_to_datetime(str(message["Date"])).astimezone(UTC).isoformat()
            body = ""
            for part in message.walk():
                if part.get_content_type() in ("text/plain", "text/html"):
                    data = part.get_payload(decode=True)
                    if isinstance(data, bytes):
                        body = data.decode(part.get_content_charset() or "utf-8", "replace")
                        break
            key = str(message.get("Message-ID", "")).strip() or hashlib.sha256(raw).hexdigest()
            client = owners.get(sender)
            subject = str(message.get("Subject", ""))
            mails.append((key, client, sent, sender, subject, body))
            lines.append((key, client, sent, subject))
        cursor = db.connection.cursor()
        if db.sqlite:
            cursor.execute("BEGIN")
        cursor.executemany(insert_mail, mails)
        cursor.executemany(insert_line, lines)
        db.connection.commit()
        costs.append((time.perf_counter() - at) * 1e6 / len(batch))
        batch.clear()

    for raw in _split(mbox):
        batch.append(raw)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    seconds = time.perf_counter() - started
    db.close()
    return {"seconds": seconds, "per_message_us": costs}


def _commit(db: RawDB) -> None:
    if not db.sqlite:
        db.connection.commit()


def limit_ingest(target: Target, mbox: Path) -> dict[str, Any]:
    """The physical limit: each message stored whole under its hash, nothing parsed."""
    db = RawDB(target, autocommit=False)
    table = _table(db, "bench_raw_messages")
    blob = "BLOB" if db.sqlite else "BYTEA"
    db.execute(f"CREATE TABLE {table} (sha256 TEXT PRIMARY KEY, data {blob})")
    _commit(db)
    insert = db.sql(f"INSERT INTO {table} VALUES (?, ?) ON CONFLICT DO NOTHING")
    costs: list[float] = []
    batch: list[tuple[str, bytes]] = []

    def flush(since: float) -> float:
        cursor = db.connection.cursor()
        if db.sqlite:
            cursor.execute("BEGIN")
        cursor.executemany(insert, batch)
        db.connection.commit()
        costs.append((time.perf_counter() - since) * 1e6 / len(batch))
        batch.clear()
        return time.perf_counter()

    started = at = time.perf_counter()
    for raw in _split(mbox):
        batch.append((hashlib.sha256(raw).hexdigest(), raw))
        if len(batch) >= BATCH:
            at = flush(at)
    if batch:
        flush(at)
    seconds = time.perf_counter() - started
    db.close()
    return {"seconds": seconds, "per_message_us": costs}


# ------------------------------------------------------------------ one backend


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def measure(target: Target, quick: bool, launcher: ProcessPoolExecutor) -> dict[str, Any]:
    """All three importers and the timeline reads on one database."""
    import crmcore

    size = sizes(quick)
    folder = Path(tempfile.mkdtemp(prefix="crmcore-mail-bench-"))
    mbox = folder / "mailbox.mbox"
    write_mbox(mbox, size["messages"], size["clients"])
    crm = crmcore.open(target.url, **target.open_kwargs())
    for code, name in enumerate(EMPLOYEES, start=1):
        crm.employees.create(code=str(code), name=name.title(), email=f"{name}@{OURS}")
    owners: dict[str, Any] = {}
    ids = []
    with crm.transaction():
        for number in range(size["clients"]):
            domain = f"client{number}.example.ua"
            client = crm.clients.create(
                code=f"C{number:05d}", name=f"Клієнт {number}", emails=[f"office@{domain}"]
            )
            crm.contacts.create(client, name=f"Контакт {number}", email=f"contact{number}@{domain}")
            owners[f"contact{number}@{domain}"] = client.id.hex
            ids.append(client.id)
    mine = launcher.submit(crmcore_ingest, target, str(mbox), size["messages"]).result()
    raw = raw_ingest(target, mbox, owners)
    limit = limit_ingest(target, mbox)
    db = RawDB(target)
    db.analyze()
    rng = random.Random(7)
    picks = [rng.choice(ids) for _ in range(size["timeline_queries"])]
    crm_ns, raw_ns, mismatches = [], [], 0
    for index, client_id in enumerate(picks):
        order = ("crmcore", "raw") if index % 2 == 0 else ("raw", "crmcore")
        for side in order:
            at = time.perf_counter_ns()
            if side == "crmcore":
                page = crm.timeline(client_id, limit=50)
                crm_ns.append(time.perf_counter_ns() - at)
            else:
                rows = db.timeline_page(db.uid(client_id.int), 50)
                raw_ns.append(time.perf_counter_ns() - at)
        wanted = [r[0] if isinstance(r[0], str) else r[0].hex for r in rows[:50]]
        mismatches += [e.id.hex for e in page.items] != wanted
    db.close()
    crm.close()
    mbox.unlink()
    folder.rmdir()
    return {
        "size": size,
        "crmcore": mine,
        "raw": raw,
        "limit": limit,
        "timeline_ms": {
            "crmcore_p50": statistics.median(crm_ns) / 1e6,
            "crmcore_p95": _percentile(crm_ns, 0.95) / 1e6,
            "raw_p50": statistics.median(raw_ns) / 1e6,
            "raw_p95": _percentile(raw_ns, 0.95) / 1e6,
            "mismatches": mismatches,
        },
    }


def metrics(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of run.py's table and results.json."""
    count = result["size"]["messages"]
    mine, raw, limit = result["crmcore"], result["raw"], result["limit"]
    timeline = result["timeline_ms"]
    growth = mine["rss_end_mb"] - mine["rss_tenth_mb"]
    mine_rate, raw_rate = count / mine["seconds"], count / raw["seconds"]
    rows = [
        {
            "name": "mail_ingest",
            "unit": "messages/s",
            "crmcore": mine_rate,
            "raw": raw_rate,
            "target": f"ratio >= {INGEST_RATIO_TARGET:g}; limit {count / limit['seconds']:,.0f}/s",
            "ok": mine_rate >= INGEST_RATIO_TARGET * raw_rate,
            "samples": count,
        }
    ]
    for share, label in ((0.5, "p50"), (0.95, "p95")):
        rows.append(
            {
                "name": f"mail_cost_per_message_{label}",
                "unit": "us",
                "crmcore": _percentile(mine["per_message_us"], share),
                "raw": _percentile(raw["per_message_us"], share),
                "target": f"limit {_percentile(limit['per_message_us'], share):.1f} us",
                "ok": True,
                "samples": len(mine["per_message_us"]),
            }
        )
    rows.append(
        {
            "name": "mail_ingest_rss_growth",
            "unit": "MB",
            "crmcore": growth,
            "raw": RSS_GROWTH_TARGET_MB,
            "target": f"<= {RSS_GROWTH_TARGET_MB:g} MB from 1/10 to all "
            f"(peak {mine['rss_end_mb']:.0f} MB)",
            "ok": growth <= RSS_GROWTH_TARGET_MB,
        }
    )
    for label in ("p50", "p95"):
        rows.append(
            {
                "name": f"timeline_with_mail_{label}",
                "unit": "ms",
                "crmcore": timeline[f"crmcore_{label}"],
                "raw": timeline[f"raw_{label}"],
                "target": f"ratio <= {TIMELINE_RATIO_TARGET:g}" if label == "p50" else "-",
                "ok": label != "p50"
                or timeline["crmcore_p50"] <= TIMELINE_RATIO_TARGET * timeline["raw_p50"],
                "samples": result["size"]["timeline_queries"],
            }
        )
    return rows


def targets(backends: Sequence[str]) -> Iterator[tuple[str, Any]]:
    """A fresh database per backend (PostgreSQL when its URL is set)."""
    for backend in backends:
        if backend == "sqlite":
            folder = tempfile.mkdtemp(prefix="crmcore-mail-db-")
            path = os.path.join(folder, "bench.sqlite")
            yield backend, Target(backend="sqlite", url=f"sqlite:///{path}", path=path)
            shutil.rmtree(folder, ignore_errors=True)
        elif url := os.environ.get("CRMCORE_BENCH_POSTGRESQL"):
            target = Target(backend="postgresql", url=url, schema=f"bench_{os.urandom(4).hex()}")
            yield backend, target
            drop_schema(target)
        else:
            print("note: PostgreSQL skipped: set CRMCORE_BENCH_POSTGRESQL to a SQLAlchemy URL")


def new_launcher() -> ProcessPoolExecutor:
    """The process crmcore's import runs in, started while this one is small."""
    launcher = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    launcher.submit(os.getpid).result()
    return launcher


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 messages, not 100,000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    launcher = new_launcher()
    try:
        for backend, target in targets(args.backends.split(",")):
            result = measure(target, args.quick, launcher)
            print(f"\n{backend}: {result['size']['messages']:,} messages")
            for row in metrics(result):
                ratio = row["crmcore"] / row["raw"] if row["raw"] else float("inf")
                print(
                    f"{row['name']:<32} crmcore {row['crmcore']:>10,.2f} {row['unit']:<10}"
                    f" raw {row['raw']:>10,.2f}  ratio {ratio:5.2f}  {row['target']}"
                    f"  {'ok' if row['ok'] else 'MISSED'}"
                )
            if result["timeline_ms"]["mismatches"]:
                print(f"warning: {result['timeline_ms']['mismatches']} timeline pages differed")
    finally:
        launcher.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
