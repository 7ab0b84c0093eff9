"""The one exception hierarchy of crmcore.

Every error crmcore raises on purpose derives from :class:`CRMError`, so a host
can catch them all in one place.  Bad input raises :class:`ValidationError`
naming the field, and the operation that raised it has written nothing.

Example:
    >>> from crmcore.errors import ValidationError
    >>> err = ValidationError("phones[0]", "is not a valid phone number")
    >>> str(err)
    'phones[0]: is not a valid phone number'
    >>> err.field
    'phones[0]'
"""

from __future__ import annotations

__all__ = [
    "CRMError",
    "Conflict",
    "DeliveryError",
    "DuplicateError",
    "GatewayError",
    "IllegalTransition",
    "InvalidCalendar",
    "MailboxError",
    "NotFound",
    "PermissionDenied",
    "PluginError",
    "StaleObject",
    "StorageError",
    "ValidationError",
]


class CRMError(Exception):
    """Base of every error crmcore raises on purpose."""


class ValidationError(CRMError, ValueError):
    """Input that crmcore refuses; nothing was written.

    Attributes:
        field: the path of the offending field, e.g. ``"name"`` or ``"phones[1]"``.
        problem: what is wrong with it, in words a person understands.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

    def at(self, prefix: str) -> ValidationError:
        """The same error with its field path nested under ``prefix``."""
        return ValidationError(f"{prefix}.{self.field}" if prefix else self.field, self.problem)


class NotFound(CRMError, LookupError):
    """The entity asked for does not exist."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")


class Conflict(CRMError):
    """The change conflicts with the stored state."""


class DuplicateError(Conflict, ValidationError):
    """A value that must be unique is taken already (e.g. a client code)."""

    def __init__(self, field: str, value: object, problem: str | None = None) -> None:
        ValidationError.__init__(self, field, problem or f"{value!r} is already taken")
        self.value = value


class StaleObject(Conflict):
    """An update was based on an out-of-date version of the entity."""

    def __init__(self, kind: str, key: object, expected: int, actual: int | None) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{kind} {key} was changed by someone else: "
            f"your copy is version {expected}, the stored one is version {actual}; "
            "reload it and apply the change again"
        )


class IllegalTransition(Conflict):
    """A status change the workflow does not allow from the current status.

    Attributes:
        kind: ``"task"`` or ``"executor"``.
        action: what was asked, e.g. ``"complete"``.
        status: the current status.
        allowed: the statuses ``action`` may start from.
    """

    def __init__(self, kind: str, action: str, status: str, allowed: frozenset[str]) -> None:
        self.kind = kind
        self.action = action
        self.status = status
        self.allowed = allowed
        super().__init__(
            f"cannot {action} {'an' if kind[0] in 'aeiou' else 'a'} {kind} that is {status}; "
            f"{action} is allowed from: {', '.join(sorted(allowed)) or 'nothing'}"
        )


class PermissionDenied(CRMError):
    """The actor may not make this call."""


class PluginError(CRMError):
    """A plugin is missing, misbehaves or returned something unusable."""


class StorageError(CRMError):
    """The storage backend cannot serve the request (schema out of date, bad URL, ...)."""


class InvalidCalendar(ValidationError):
    """An iCalendar file crmcore cannot read at all; nothing of it was imported.

    ``field`` is ``"ics"`` or the line or component at fault.  Files that can
    be read but hold parts crmcore cannot use are imported with a report of
    what was skipped instead (see ``crm.calendar.import_ics``).
    """


class DeliveryError(CRMError):
    """A channel could not deliver a notification.

    A channel raises it (or any other exception) from ``deliver``; the
    dispatcher records the failure and retries later.  ``permanent=True``
    says retrying cannot help (the address is refused, the message is
    malformed), so the message goes to the dead-letter state at once.
    """

    def __init__(self, problem: str, *, permanent: bool = False) -> None:
        self.problem = problem
        self.permanent = permanent
        super().__init__(problem)


class GatewayError(CRMError):
    """A PBX gateway could not place or change a call.

    A gateway raises it from ``dial``, ``hang_up`` or ``transfer`` when the
    PBX refuses or cannot be reached; ``crm.telephony.call`` records the
    call as failed, then raises it on.
    """

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


class MailboxError(CRMError):
    """A mailbox could not be read to the end: the server refused the login, or
    the connection broke off.  What was imported before it stays imported, and
    importing again goes on where it stopped."""
