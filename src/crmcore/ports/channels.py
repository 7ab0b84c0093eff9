"""The channels notifications reach employees through."""

from __future__ import annotations

from typing import Protocol

from crmcore.domain.notifications import Delivery

__all__ = ["Channel"]


class Channel(Protocol):
    """A way to reach an employee: e-mail, SMS, a messenger, a PBX screen.

    Registered through the ``crmcore_channels`` hook.  The dispatcher calls
    :meth:`deliver` outside any unit of work, after the message was stored.
    """

    @property
    def name(self) -> str:
        """The channel's name, as employees' preferences and reminders name it."""
        ...

    def deliver(self, delivery: Delivery) -> str | None:
        """Send one message; return the provider's message id, if it gives one.

        Raise :class:`crmcore.errors.DeliveryError` (``permanent=True`` when a
        retry cannot help) or any other exception to fail this attempt; the
        dispatcher records it and retries with backoff.  Returning means
        delivered: the message is never given to the channel again.
        """
        ...
