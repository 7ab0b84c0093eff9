"""The SQLAlchemy storage backend (SQLite, PostgreSQL, or a host's own engine).

Repositories are explicit SQLAlchemy Core code: domain objects stay free of
ORM state.  Read models (timeline pages, searches, phone lookups) are single
indexed queries; a client's phones, e-mails and tags are columns of its row,
kept also in lookup tables for search and caller-ID.

The repositories of each storage capability live in a module named as in
:mod:`crmcore.ports` (``clients``, ``tasks``, ...), over the shared base in
``repository``; ``storage`` sets up the engine and the schema and holds the
``crmcore_storage`` hook, ``unit_of_work`` the transaction.
"""

from __future__ import annotations

from crmcore.adapters.sqlalchemy.storage import SQLAlchemyStorage, crmcore_storage

__all__ = ["SQLAlchemyStorage", "crmcore_storage"]
