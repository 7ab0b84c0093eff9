"""Every hook crmcore calls, grouped and documented.

A plugin is any object or module with functions marked ``@crmcore.hookimpl``
whose names match the specs below.  Installed plugins are found through the
``crmcore`` entry-point group; a host can also pass plugins to
``crmcore.open(plugins=[...])``.  crmcore's own implementations are
registered ``trylast``, so a host's implementation wins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

    from crmcore.domain import Actor, EventType
    from crmcore.domain.documents import HostDocuments
    from crmcore.ports import BlobStore, Channel, PhoneGateway, Storage, StorageOptions

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("crmcore")
hookimpl = pluggy.HookimplMarker("crmcore")


# --- storage -----------------------------------------------------------------


@hookspec(firstresult=True)
def crmcore_storage(url: str, options: StorageOptions) -> Storage | None:
    """Open the storage for ``url``, or return None if the URL is not yours.

    Called once by ``crmcore.open``.  Return an object implementing
    :class:`crmcore.ports.Storage`.  crmcore answers ``memory://``,
    ``sqlite://`` and ``postgresql://`` URLs (and ``options.engine``).

    Stops at first non-None result.
    """


# --- attachments -------------------------------------------------------------


@hookspec(firstresult=True)
def crmcore_blob_store(url: str) -> BlobStore | None:
    """Open the attachment store for ``url``, or return None if the URL is not yours.

    Return an object implementing :class:`crmcore.ports.BlobStore`, which keeps
    attachment contents by their sha256.  crmcore answers
    ``file:///absolute/dir`` (files under that directory, created on the
    first put) and ``memory://`` (a new private store; ``memory://NAME`` is
    shared by name within the process).  A ``file:`` URL that is relative or
    names another host raises :class:`crmcore.errors.StorageError`.

    Stops at first non-None result.
    """


# --- extensions --------------------------------------------------------------


@hookspec
def crmcore_event_types(register: Callable[[EventType], None]) -> None:
    """Register event types by calling ``register(EventType(...))`` for each.

    Called by ``crmcore.open``.  Types that are not yet in the database are
    added to it; a type already stored keeps its stored state.

    Every implementation is called.
    """


# --- notifications -----------------------------------------------------------


@hookspec
def crmcore_channels(register: Callable[[Channel], None]) -> None:
    """Register notification channels by calling ``register(channel)`` for each.

    Called by ``crmcore.open``.  A channel implements
    :class:`crmcore.ports.Channel`; its ``name`` (``"email"``, ``"sms"``, ...)
    is what employees' preferences and reminder rules choose.  crmcore
    delivers ``in_app`` itself, into the employee's inbox.  Registering two
    channels with one name raises :class:`crmcore.errors.PluginError`.

    Every implementation is called.
    """


# --- telephony ---------------------------------------------------------------


@hookspec(firstresult=True)
def crmcore_phone_gateway() -> PhoneGateway | None:
    """Return the PBX gateway crmcore dials through, or None if you offer none.

    Asked each time ``crm.telephony`` needs the gateway (``call``,
    ``hang_up``, ``transfer``, ``can``).  Return an object implementing
    :class:`crmcore.ports.PhoneGateway`: its ``name`` is the ``source`` of the
    call events its PBX reports, its ``capabilities`` say what it can do.

    Stops at first non-None result.
    """


@hookspec
def crmcore_screen_pop(screen_pop: Any) -> None:
    """Show a ringing call's screen pop to the employee whose phone rings.

    Called by ``crm.telephony.handle`` after a ``ringing`` event of a call
    in progress was stored (not for a replayed event), outside any unit of
    work: a desktop notifier or a PBX client's push can do I/O here.
    ``screen_pop`` is a :class:`crmcore.services.telephony.ScreenPop`
    (``as_dict()`` gives it as JSON-ready data).  An exception raised here
    reaches the caller of ``handle``; the event stays stored.

    Every implementation is called.
    """


# --- documents ---------------------------------------------------------------


@hookspec
def crmcore_documents(
    client_ids: tuple[UUID, ...] | None, start: date | None, end: date
) -> HostDocuments | None:
    """Supply a host ERP's own invoices, payments, shipments and credit notes.

    Called whenever crmcore counts money: open items and overdue invoices,
    overdue shipments, ageing, the balance statement, the reconciliation act
    and a client's money summary.  ``client_ids`` are the crmcore clients
    asked about (None: all of them); ``start`` and ``end`` bound the dates
    wanted (``start`` None: from the beginning).  Return
    :class:`crmcore.domain.documents.HostDocuments` — the documents as
    :class:`~crmcore.domain.documents.Document` objects with ``source`` set
    to the host's name and ``client_id`` to the crmcore client, and the
    allocations between them — or None when you have nothing.  They count
    exactly like crmcore's own documents, as of the report's date.

    Every implementation is called.
    """


# --- access ------------------------------------------------------------------


@hookspec
def crmcore_authorize(actor: Actor, action: str, entity_kind: str, entity: Any) -> bool | None:
    """Allow or deny one call made by ``actor``.

    ``action`` is one of ``"read"``, ``"create"``, ``"update"``, ``"archive"``,
    ``"restore"``, ``"merge"``, ``"import"``; ``entity_kind`` names the
    capability (``"client"``, ``"contact"``, ``"employee"``, ``"event_type"``,
    ``"event"``, ``"timeline"``, ``"history"``, ``"task"``, ``"executor"``,
    ``"work_log"``, ``"dependency"``, ``"project"``, ``"user_field"``,
    ``"comment"``, ``"link"``, ``"attachment"``, ``"reminder"``, ``"series"``,
    ``"notification_preference"``, ``"inbox"``, ``"outbox"``,
    ``"calendar"``, ``"calendar_subscription"``, ``"call"``); ``entity`` is the object
    acted on, or None for searches and lists.

    Every implementation is called.  If any returns False, the call raises
    :class:`crmcore.errors.PermissionDenied` and writes nothing.  Return None
    to have no opinion.
    """
