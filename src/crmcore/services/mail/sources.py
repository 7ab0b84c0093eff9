"""Where messages are read from, in batches: bytes, files, an mbox, an IMAP mailbox."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from crmcore.adapters.mail import (
    ImapMailbox,
    MailLimits,
    RawMail,
    looks_like_mbox,
    read_eml,
    read_mbox,
)
from crmcore.domain.mail import MailboxState
from crmcore.ports import UnitOfWork
from crmcore.services.mail.ingest import Ingest
from crmcore.services.mail.report import MailImportReport, Progress

__all__ = ["import_imap", "import_raw", "raw_from_path"]


def raw_from_path(path: str | os.PathLike[str], limits: MailLimits) -> Iterator[RawMail]:
    """The messages of a file (one ``.eml`` or an mbox) or of every such file in a folder."""
    where = Path(path)
    files = sorted(p for p in where.rglob("*") if p.is_file()) if where.is_dir() else [where]
    for file in files:
        if looks_like_mbox(file):
            with file.open("rb") as stream:
                yield from read_mbox(stream, str(file), limits)
        else:
            yield read_eml(file, limits)


def import_raw(
    ingest: Ingest,
    raws: Iterable[RawMail],
    batch_size: int,
    progress: Progress | None,
    total: int | None = None,
) -> MailImportReport:
    """Import messages in batches of ``batch_size``, telling ``progress`` after each."""
    report = MailImportReport()
    source = iter(raws)
    while batch := list(islice(source, batch_size)):
        report = report + ingest.run(batch)
        if progress is not None:
            progress(report.read, total)
    return report


def import_imap(
    ingest: Ingest,
    mailbox: ImapMailbox,
    stored: MailboxState | None,
    batch_size: int,
    progress: Progress | None,
) -> MailImportReport:
    """Import what is new in an IMAP mailbox, storing its progress with each batch.

    ``stored`` is the progress stored before, if any.
    """
    report = MailImportReport()
    with mailbox.open() as session:
        start = 0
        if stored is not None and stored.uid_validity == session.uid_validity:
            start = stored.last_uid
        uids = session.uids_after(start)
        fetched = session.fetch(uids, ingest.limits, batch_size)
        while batch := list(islice(fetched, batch_size)):
            last = batch[-1][0]

            def advance(uow: UnitOfWork, last: int = last) -> None:
                save_progress(ingest, uow, mailbox.source, session.uid_validity, last)

            report = report + ingest.run([raw for _, raw in batch], after=advance)
            if progress is not None:
                progress(report.read, len(uids))
    return report


def save_progress(ingest: Ingest, uow: UnitOfWork, source: str, validity: int, last: int) -> None:
    """Remember that ``source`` was read up to UID ``last`` under ``validity``."""
    state = uow.mailbox_states.get_by_source(source)
    at = ingest.now()
    if state is None:
        uow.mailbox_states.add(
            MailboxState(
                source=source,
                uid_validity=validity,
                last_uid=last,
                version=1,
                created_at=at,
                updated_at=at,
            )
        )
        return
    uow.mailbox_states.update(
        MailboxState(
            id=state.id,
            source=source,
            uid_validity=validity,
            last_uid=last,
            version=state.version + 1,
            created_at=state.created_at,
            updated_at=at,
        ),
        state.version,
    )
