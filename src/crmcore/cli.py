"""The ``crmcore`` command: the demo, database maintenance, the worker and the mail import."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import attrs

import crmcore
from crmcore import demo
from crmcore.adapters.mail import IMAP_SCHEMES
from crmcore.adapters.smtp import SmtpChannel
from crmcore.errors import CRMError, StorageError
from crmcore.plugins import installed_plugins, plugin_manager
from crmcore.ports import StorageOptions

__all__ = ["main"]

_IMAP_PREFIXES = tuple(f"{scheme}://" for scheme in IMAP_SCHEMES)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crmcore", description="crmcore: an embeddable CRM core.")
    parser.add_argument("--version", action="version", version=f"crmcore {crmcore.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run_demo = commands.add_parser("demo", help="build a demo CRM and play an incoming call")
    run_demo.add_argument(
        "--db", type=Path, help="keep the demo in this SQLite file (default: a temporary one)"
    )

    db = commands.add_parser("db", help="database schema maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    for name, text in (
        ("upgrade", "create the schema or migrate it to the current revision"),
        ("current", "show the schema revision of the database"),
    ):
        sub = db_commands.add_parser(name, help=text)
        sub.add_argument(
            "url",
            nargs="?",
            default=os.environ.get("CRMCORE_URL"),
            help="database URL (default: $CRMCORE_URL)",
        )
        sub.add_argument("--table-prefix", default="crm_", help="table name prefix (default crm_)")
        sub.add_argument("--schema", default=None, help="database schema (PostgreSQL)")

    commands.add_parser("plugins", help="list the installed crmcore plugins")

    worker = commands.add_parser(
        "worker",
        help="deliver notifications: reminders, repeating tasks, deadlines, the outbox",
    )
    worker.add_argument(
        "url",
        nargs="?",
        default=os.environ.get("CRMCORE_URL"),
        help="database URL (default: $CRMCORE_URL)",
    )
    worker.add_argument("--table-prefix", default="crm_", help="table name prefix (default crm_)")
    worker.add_argument("--schema", default=None, help="database schema (PostgreSQL)")
    worker.add_argument(
        "--smtp",
        default=os.environ.get("CRMCORE_SMTP_URL"),
        help="deliver e-mail through this server: "
        "smtp://user:password@host:587?sender=crm@example.com (STARTTLS), "
        "smtps://... (TLS) or smtp+plain://host:25 (default: $CRMCORE_SMTP_URL)",
    )
    worker.add_argument(
        "--interval", type=float, default=30.0, help="seconds between passes (default 30)"
    )
    worker.add_argument("--limit", type=int, default=100, help="messages per pass (default 100)")
    worker.add_argument("--once", action="store_true", help="make one pass and exit")

    mail = commands.add_parser("mail", help="e-mail history on the client timeline")
    mail_commands = mail.add_subparsers(dest="mail_command", required=True)
    mail_import = mail_commands.add_parser(
        "import", help="import an .eml file, an mbox, a folder of them, or an IMAP mailbox"
    )
    mail_import.add_argument(
        "source", help="a file or folder, or imaps://user@host/INBOX (imap:// is STARTTLS)"
    )
    mail_import.add_argument(
        "--url",
        default=os.environ.get("CRMCORE_URL"),
        help="database URL (default: $CRMCORE_URL)",
    )
    mail_import.add_argument("--table-prefix", default="crm_", help="table name prefix")
    mail_import.add_argument("--schema", default=None, help="database schema (PostgreSQL)")
    mail_import.add_argument(
        "--own-domain",
        action="append",
        default=[],
        help="a domain of ours: mail from it is outgoing (repeat for more)",
    )
    mail_import.add_argument(
        "--own-address", action="append", default=[], help="an address of ours (repeatable)"
    )
    mail_import.add_argument(
        "--password",
        default=os.environ.get("CRMCORE_IMAP_PASSWORD"),
        help="the IMAP password (default: $CRMCORE_IMAP_PASSWORD)",
    )
    mail_import.add_argument(
        "--batch-size", type=int, default=200, help="messages per transaction (default 200)"
    )
    mail_import.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="draw a progress bar on stderr (auto: when it is a terminal)",
    )
    return parser


class _ProgressBar:
    """A one-line progress bar on stderr, redrawn at most every 0.2 s."""

    def __init__(self) -> None:
        self._drawn = 0.0
        self._shown = False

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._drawn < 0.2 and done != total:
            return
        self._drawn, self._shown = now, True
        if total:
            filled = 30 * done // total
            line = f"[{'#' * filled}{' ' * (30 - filled)}] {done}/{total} messages"
        else:
            line = f"{done} messages read"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()

    def close(self) -> None:
        if self._shown:
            sys.stderr.write("\n")


def _mail(args: argparse.Namespace) -> int:
    if not args.url:
        print("crmcore mail: give a database URL with --url or set CRMCORE_URL", file=sys.stderr)
        return 2
    bar = (
        _ProgressBar()
        if args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
        else None
    )
    options = {
        "own_domains": args.own_domain,
        "own_addresses": args.own_address,
        "progress": bar,
        "batch_size": args.batch_size,
    }
    with crmcore.open(args.url, table_prefix=args.table_prefix, schema=args.schema) as crm:
        try:
            if args.source.lower().startswith(_IMAP_PREFIXES):
                report = crm.mail.import_imap(args.source, password=args.password, **options)
            else:
                report = crm.mail.import_file(args.source, **options)
        finally:
            if bar is not None:
                bar.close()
    counts = ("read", "created", "duplicates", "unmatched", "bounces", "auto_replies", "notices")
    print(", ".join(f"{name.replace('_', ' ')} {getattr(report, name)}" for name in counts))
    for skipped in report.skipped:
        print(f"skipped {skipped.source}: {skipped.reason}")
    if report.skipped_count > len(report.skipped):
        print(f"... {report.skipped_count - len(report.skipped)} more skipped")
    return 0


def _db(args: argparse.Namespace) -> int:
    if not args.url:
        print("crmcore db: give a database URL or set CRMCORE_URL", file=sys.stderr)
        return 2
    options = StorageOptions(table_prefix=args.table_prefix, schema=args.schema, upgrade=False)
    storage = plugin_manager().hook.crmcore_storage(url=args.url, options=options)
    if storage is None:
        raise StorageError(f"no storage backend serves {args.url!r}")
    try:
        if args.db_command == "upgrade":
            storage.upgrade()
        current, head = storage.revisions()
        state = "current" if current == head else f"behind, newest is {head}"
        print(f"{storage.url}: revision {current or 'none'} ({state})")
    finally:
        storage.close()
    return 0


def _worker(args: argparse.Namespace) -> int:
    if not args.url:
        print("crmcore worker: give a database URL or set CRMCORE_URL", file=sys.stderr)
        return 2
    plugins: list[object] = []
    if args.smtp:
        plugins.append(SmtpChannel.from_url(args.smtp))
    stop = threading.Event()

    def finish(signum: int, frame: object) -> None:
        stop.set()  # end after the pass under way: nothing is left half-delivered

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    with crmcore.open(
        args.url, table_prefix=args.table_prefix, schema=args.schema, plugins=plugins
    ) as crm:
        channels = ", ".join(sorted({"in_app", *crm.notifications.channels}))
        print(f"crmcore worker: {crm.storage.url}, channels: {channels}", flush=True)
        while True:
            report = crm.notifications.dispatch(limit=args.limit)
            if args.once or any(attrs.astuple(report)):
                print(
                    f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} "
                    + ", ".join(f"{k} {v}" for k, v in attrs.asdict(report).items()),
                    flush=True,
                )
            if args.once or stop.wait(args.interval):
                return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            if args.db is not None:
                demo.run(f"sqlite:///{args.db.resolve()}")
            else:
                with tempfile.TemporaryDirectory(prefix="crmcore-demo-") as folder:
                    demo.run(f"sqlite:///{Path(folder) / 'demo.sqlite'}")
            return 0
        if args.command == "db":
            return _db(args)
        if args.command == "worker":
            return _worker(args)
        if args.command == "mail":
            return _mail(args)
        for name, plugin in installed_plugins():
            print(f"{name}: {getattr(plugin, '__name__', plugin)!s}")
        return 0
    except CRMError as error:
        print(f"crmcore: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`crmcore demo | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
