"""Identifiers: time-ordered UUIDs (version 7 layout), so new rows append to indexes."""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

__all__ = ["new_id"]

_lock = threading.Lock()
_last = 0


def new_id() -> UUID:
    """Return a new UUID whose order follows creation order within this process.

    The layout is RFC 9562 version 7: 48 bits of Unix milliseconds, then random
    bits.  Within one millisecond the value is bumped by one so ids created in a
    row still sort in creation order.
    """
    global _last
    milliseconds = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (milliseconds << 80) | random_bits
    # version 7 and the RFC 4122 variant
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    with _lock:
        if value <= _last:
            value = _last + 1
        _last = value
    return UUID(int=value)
