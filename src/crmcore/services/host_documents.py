"""What host ERPs supply through ``crmcore_documents``: their own documents, for reports.

Each implementation of the hook returns a host's documents (and the
allocations between them) as objects, or the tables or views of the host's
database that hold them.  Objects are counted here with the same functions
the memory backend runs; tables are read by the SQL backend inside its own
queries, so totals stay in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import attrs

from crmcore.domain import Client
from crmcore.domain.allocations import Allocation
from crmcore.domain.documents import Document
from crmcore.errors import PluginError
from crmcore.ports import HostDocumentTables
from crmcore.services.context import Context

__all__ = ["HostDocuments", "HostMoney", "host_money"]


@attrs.frozen(kw_only=True)
class HostDocuments:
    """A host's documents for the clients and period asked, as crmcore's own objects.

    Each document has ``source`` set to the host's name and ``client_id`` to
    the crmcore client it belongs to; ``allocations`` apply the host's
    payments to the host's invoices.
    """

    documents: tuple[Document, ...] = attrs.field(default=(), converter=tuple)
    allocations: tuple[Allocation, ...] = attrs.field(default=(), converter=tuple)


@attrs.frozen(kw_only=True)
class HostMoney:
    """Everything the hosts supplied for one question."""

    tables: tuple[HostDocumentTables, ...] = ()
    documents: tuple[Document, ...] = ()
    allocations: tuple[Allocation, ...] = ()


def host_money(
    context: Context, clients: Sequence[Client] | None, start: date | None, end: date
) -> HostMoney:
    """Ask every ``crmcore_documents`` implementation for the clients (None: all) and period."""
    hook = context.runtime.plugins.hook.crmcore_documents
    if not hook.get_hookimpls():
        return HostMoney()
    tables: list[HostDocumentTables] = []
    documents: list[Document] = []
    allocations: list[Allocation] = []
    asked = None if clients is None else tuple(clients)
    for answer in hook(clients=asked, start=start, end=end):
        if answer is None:
            continue
        if isinstance(answer, HostDocumentTables):
            tables.append(answer)
        elif isinstance(answer, HostDocuments):
            for document in answer.documents:
                if not isinstance(document, Document) or document.source == "crmcore":
                    raise PluginError(
                        "crmcore_documents returned a document that is not a Document with "
                        f"a source of the host's own: {document!r}"
                    )
            documents.extend(answer.documents)
            allocations.extend(answer.allocations)
        else:
            raise PluginError(
                "crmcore_documents must return HostDocuments, HostDocumentTables or None, "
                f"not {type(answer).__name__}"
            )
    return HostMoney(tables=tuple(tables), documents=tuple(documents), allocations=tuple(allocations))
