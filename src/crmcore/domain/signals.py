"""Signals: what a change did, told to the capabilities that follow it.

A service publishes a signal inside the unit of work of the change it
describes; the subscribers that :mod:`crmcore.services.wiring` connects to it
(the client timeline, notifications, reminders) act in that same unit of
work, so what they write commits or rolls back with the change.  Signals are
frozen values: a subscriber reads what happened and cannot alter it.

A capability that wants to react to another's change subscribes to its
signal; it never calls into the other capability's service.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from crmcore.domain.collaboration import Comment
from crmcore.domain.documents import Document
from crmcore.domain.employees import Employee
from crmcore.domain.events import Event
from crmcore.domain.notifications import Message
from crmcore.domain.tasks import Executor, Task
from crmcore.domain.telephony import Callback

__all__ = [
    "CallMissed",
    "CommentWritten",
    "DocumentIssued",
    "DocumentSent",
    "EventChanged",
    "EventsLogged",
    "ExecutorsAssigned",
    "MessageSent",
    "MissedCallAnswered",
    "TaskCreated",
    "TaskRescheduled",
    "TaskStatusChanged",
]


@attrs.frozen
class TaskCreated:
    """A task was stored: set by a person, made for an occurrence of a series, or imported."""

    task: Task


@attrs.frozen
class ExecutorsAssigned:
    """Executor rows were added to ``task`` (when it was created, or later)."""

    task: Task
    executors: tuple[Executor, ...]


@attrs.frozen
class TaskStatusChanged:
    """A task moved from ``before.status`` to ``after.status``; ``note`` says why, if anyone did."""

    before: Task
    after: Task
    note: str = ""


@attrs.frozen
class TaskRescheduled:
    """A task's planned start or end moved; ``task`` has its new times."""

    task: Task


@attrs.frozen
class CommentWritten:
    """A comment was posted, edited or hidden on ``entity`` (a card of ``entity_kind``).

    ``newly_mentioned`` are the employees the comment mentions for the first
    time: all of its mentions when it is posted, the added ones after an edit.
    """

    comment: Comment
    entity_kind: str
    entity: object
    newly_mentioned: tuple[UUID, ...] = ()


@attrs.frozen
class EventsLogged:
    """New events were stored: one logged contact, or a batch of an import."""

    events: tuple[Event, ...]


@attrs.frozen
class EventChanged:
    """A stored event was corrected, archived or restored; ``event`` is how it is now."""

    event: Event


@attrs.frozen
class CallMissed:
    """Nobody answered a call; ``event`` records it and ``employee`` should call back.

    ``caller`` is the client's name (or the number when nobody knows it) and
    ``number`` the number as people read it.  ``callback``, when given, asks
    for a callback task for ``employee`` (calls handled through the call
    model give one; ``crm.telephony.missed_call`` does not).
    """

    event: Event
    employee: Employee
    caller: str
    number: str
    callback: Callback | None = None


@attrs.frozen
class MissedCallAnswered:
    """A call logged as missed was answered after all (its events came out of order).

    ``event`` is the call's event, now an answered one; the callback the
    missed call asked for is no longer needed.
    """

    event: Event


@attrs.frozen
class MessageSent:
    """A channel accepted an outbox message; ``message`` is how it is stored now
    (``provider_id`` is what the channel answered, an e-mail's ``Message-ID``)."""

    message: Message


@attrs.frozen
class DocumentIssued:
    """A sales document was issued (made as issued, or a draft issued later)."""

    document: Document


@attrs.frozen
class DocumentSent:
    """A document was queued to be e-mailed to ``address``, with ``files`` attached."""

    document: Document
    address: str
    files: tuple[str, ...]
