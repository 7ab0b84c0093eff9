"""Identifiers: time-ordered UUIDs (version 7 layout), so new rows append to indexes."""

from __future__ import annotations

import os
import random
import threading
import time
from uuid import UUID

__all__ = ["new_id"]

_lock = threading.Lock()
_last = 0
# Seeded from the OS once per process (and again in a forked child, so parent
# and child never draw the same bits): ids must be unique, not unguessable, and
# a system call per id would dominate a bulk import.
_random = random.Random(os.urandom(32))


def _reseed_after_fork() -> None:
    _random.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed_after_fork)

_VERSION_AND_VARIANT = (0x7 << 76) | (0x2 << 62)
_RANDOM_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 80) - 1)


def new_id() -> UUID:
    """Return a new UUID whose order follows creation order within this process.

    The layout is RFC 9562 version 7: 48 bits of Unix milliseconds, then random
    bits.  Within one millisecond the value is bumped by one so ids created in a
    row still sort in creation order.
    """
    global _last
    with _lock:
        value = (
            (time.time_ns() // 1_000_000) << 80
            | (_random.getrandbits(80) & _RANDOM_MASK)
            | _VERSION_AND_VARIANT
        )
        if value <= _last:
            value = _last + 1
        _last = value
    return UUID(int=value)
