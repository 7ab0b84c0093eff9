"""A clock for tests and examples: it stands still until it is moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["ManualClock"]


class ManualClock:
    """A clock that stands still until you move it; pass it as ``crmcore.open(clock=...)``.

    Example:
        >>> from datetime import datetime, UTC
        >>> clock = ManualClock(datetime(2014, 11, 5, 9, 0, tzinfo=UTC))
        >>> clock.advance(minutes=30)
        >>> clock().isoformat()
        '2014-11-05T09:30:00+00:00'
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2014, 11, 5, 9, 0, tzinfo=UTC)
        if self.now.tzinfo is None:
            raise ValueError("the start of a ManualClock must be timezone-aware")

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)
