"""The in-memory backend: the executable specification every other backend must match.

It keeps committed state in dictionaries.  A unit of work copies a table on
its first write to it (copy-on-write), so a rollback simply drops the copies
and a commit swaps them in.  Units of work are serialised by a lock.

The repositories of each storage capability live in a module named as in
:mod:`crmcore.ports` (``clients``, ``tasks``, ...).  ``crmcore_storage`` is
the plugin hook that opens ``memory://`` URLs: crmcore registers this
package as a plugin.
"""

from __future__ import annotations

from crmcore.adapters.memory.storage import MemoryStorage, crmcore_storage

__all__ = ["MemoryStorage", "crmcore_storage"]
