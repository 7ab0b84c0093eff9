"""A host ERP's own documents, asked through ``crmcore_documents`` and merged into the reports.

Each implementation of the hook returns the host's documents (and the
allocations between them) for the clients and period asked.  They are
counted here with the same rules the memory backend runs
(:mod:`crmcore.domain.balances`), as of the report's date, and merged into
what the storage answered, in the report's own order.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from uuid import UUID

from crmcore.domain.allocations import Allocation, AsOf, OpenItem
from crmcore.domain.balances import ZERO, AgeingRow, StatementRow, open_items, select_open
from crmcore.domain.documents import Document, HostDocuments
from crmcore.errors import PluginError
from crmcore.ports import UnitOfWork
from crmcore.services.context import Context

__all__ = [
    "ask_hosts",
    "merge_ageing",
    "merge_open_items",
    "merge_statement",
    "open_items_with_hosts",
]


def ask_hosts(
    context: Context, client_ids: Sequence[UUID] | None, start: date | None, end: date
) -> HostDocuments:
    """Everything every ``crmcore_documents`` implementation supplies for the question."""
    hook = context.runtime.plugins.hook.crmcore_documents
    if not hook.get_hookimpls():
        return HostDocuments()
    asked = None if client_ids is None else tuple(client_ids)
    documents: list[Document] = []
    allocations: list[Allocation] = []
    for answer in hook(client_ids=asked, start=start, end=end):
        if answer is None:
            continue
        if not isinstance(answer, HostDocuments):
            raise PluginError(
                f"crmcore_documents must return HostDocuments or None, not {type(answer).__name__}"
            )
        for document in answer.documents:
            if not isinstance(document, Document) or document.source == "crmcore":
                raise PluginError(
                    "crmcore_documents returned a document that is not a Document with a "
                    f"source of the host's own: {document!r}"
                )
        for allocation in answer.allocations:
            if not isinstance(allocation, Allocation):
                raise PluginError(f"crmcore_documents returned {allocation!r} as an allocation")
        documents.extend(d for d in answer.documents if asked is None or d.client_id in asked)
        allocations.extend(answer.allocations)
    return HostDocuments(documents=tuple(documents), allocations=tuple(allocations))


def open_items_with_hosts(
    context: Context,
    uow: UnitOfWork,
    point: AsOf,
    client_id: UUID | None,
    *,
    currency: str | None = None,
    overdue_only: bool = False,
) -> list[OpenItem]:
    """The storage's open items as of ``point`` and the hosts' (``crmcore_documents``),
    merged: what every report and the telephony screen pop count as owed."""
    stored = uow.balances.open_items(
        point, client_id=client_id, currency=currency, overdue_only=overdue_only
    )
    host = ask_hosts(context, None if client_id is None else [client_id], None, point.on)
    if not host.documents:
        return stored
    theirs = open_items(host.documents, host.allocations, point)
    return merge_open_items(stored, select_open(theirs, point.on, currency, overdue_only))


def merge_open_items(stored: Iterable[OpenItem], hosts: Iterable[OpenItem]) -> list[OpenItem]:
    """Both lists of open items, by date, number and id."""
    return sorted([*stored, *hosts], key=lambda i: (i.issued_on, i.number, i.document_id.int))


def merge_ageing(stored: Iterable[AgeingRow], hosts: Iterable[AgeingRow]) -> list[AgeingRow]:
    """The rows of both, a counterparty's and currency's added up, by client id and currency."""
    found: dict[tuple[UUID, str], AgeingRow] = {}
    for row in itertools.chain(stored, hosts):
        key = (row.client_id, row.currency)
        found[key] = found[key] + row if key in found else row
    return [found[key] for key in sorted(found, key=lambda k: (k[0].int, k[1]))]


def merge_statement(
    stored: Iterator[StatementRow], hosts: Sequence[StatementRow]
) -> Iterator[StatementRow]:
    """Both streams of statement rows, in code and currency order, rows of one
    counterparty and currency added up; the stored rows keep streaming."""
    merged = heapq.merge(stored, hosts, key=lambda r: (r.code, r.currency))
    for _, group in itertools.groupby(merged, key=lambda r: (r.client_id, r.currency)):
        rows = list(group)
        first = rows[0]
        yield StatementRow(
            client_id=first.client_id,
            code=first.code,
            name=first.name,
            currency=first.currency,
            opening=sum((r.opening for r in rows), ZERO),
            debit=sum((r.debit for r in rows), ZERO),
            credit=sum((r.credit for r in rows), ZERO),
        )
