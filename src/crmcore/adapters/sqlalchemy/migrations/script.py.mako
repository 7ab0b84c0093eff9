"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}



def _target() -> tuple[str, str | None, str]:
    """(table prefix, schema, "schema." or ""), as crmcore passed them to alembic."""
    attributes = context.config.attributes
    schema = attributes["schema"]
    return attributes["table_prefix"], schema, f"{schema}." if schema else ""


def upgrade() -> None:
    prefix, schema, qualified = _target()
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    prefix, schema, qualified = _target()
    ${downgrades if downgrades else "pass"}
