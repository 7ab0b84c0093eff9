"""The SQLAlchemy storage backend (SQLite, PostgreSQL, or a host's own engine)."""

from __future__ import annotations

from crmcore.adapters.sqlalchemy.storage import SQLAlchemyStorage
from crmcore.hookspecs import hookimpl
from crmcore.ports import StorageOptions

__all__ = ["SQLAlchemyStorage"]

_SCHEMES = ("sqlite", "postgresql")


@hookimpl(trylast=True)
def crmcore_storage(url: str, options: StorageOptions) -> SQLAlchemyStorage | None:
    if options.engine is not None:
        return SQLAlchemyStorage(options.engine, options, owns_engine=False)
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme in _SCHEMES:
        return SQLAlchemyStorage.from_url(url, options)
    return None
