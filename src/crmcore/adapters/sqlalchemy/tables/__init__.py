"""crmcore's tables as SQLAlchemy Core: one module per storage capability.

Each capability module defines its tables for a :class:`~.columns.Schema`
(a prefix and a schema); :func:`build_tables` puts them together.
"""

from crmcore.adapters.sqlalchemy.tables.catalogue import Tables, build_tables
from crmcore.adapters.sqlalchemy.tables.columns import UTCDateTime

__all__ = ["Tables", "UTCDateTime", "build_tables"]
