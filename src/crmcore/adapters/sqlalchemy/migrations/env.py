"""Alembic environment: crmcore runs migrations itself on a connection it passes in.

``config.attributes`` carries ``connection``, ``table_prefix`` and ``schema``;
the migration scripts read the latter two so the same scripts serve every
prefix and schema a host chooses.
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes["connection"]
prefix = config.attributes["table_prefix"]
schema = config.attributes["schema"]

context.configure(
    connection=connection,
    version_table=f"{prefix}alembic_version",
    version_table_schema=schema,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
