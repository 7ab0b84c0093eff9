"""Money: products, contracts and stages, documents and lines, the allocation log; outbox files.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _target() -> tuple[str, str | None, str]:
    """(table prefix, schema, "schema." or ""), as crmcore passed them to alembic."""
    attributes = context.config.attributes
    schema = attributes["schema"]
    return attributes["table_prefix"], schema, f"{schema}." if schema else ""


def upgrade() -> None:
    prefix, schema, qualified = _target()
    op.create_table(
        f"{prefix}products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column(
            "name_sort",
            sa.String(length=500).with_variant(sa.String(length=500, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("vat_rate", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("is_service", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}products"),
        sa.UniqueConstraint("code", name=f"uq_{prefix}products_code"),
        schema=schema,
    )
    op.create_table(
        f"{prefix}contracts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("vat_mode", sa.String(length=16), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            [f"{qualified}{prefix}clients.id"],
            name=f"fk_{prefix}contracts_client_id",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            [f"{qualified}{prefix}projects.id"],
            name=f"fk_{prefix}contracts_project_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}contracts"),
        sa.UniqueConstraint("number", name=f"uq_{prefix}contracts_number"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}contracts_client_id",
        f"{prefix}contracts",
        ["client_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}contracts_project_id",
        f"{prefix}contracts",
        ["project_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}contract_stages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("planned_amount", sa.BigInteger(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            [f"{qualified}{prefix}contracts.id"],
            name=f"fk_{prefix}contract_stages_contract_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}contract_stages"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}contract_stages_contract_id",
        f"{prefix}contract_stages",
        ["contract_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "number",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("contract_id", sa.Uuid(), nullable=True),
        sa.Column("stage_id", sa.Uuid(), nullable=True),
        sa.Column("based_on_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("vat_mode", sa.String(length=16), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("vat", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["based_on_id"],
            [f"{qualified}{prefix}documents.id"],
            name=f"fk_{prefix}documents_based_on_id",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            [f"{qualified}{prefix}clients.id"],
            name=f"fk_{prefix}documents_client_id",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            [f"{qualified}{prefix}contacts.id"],
            name=f"fk_{prefix}documents_contact_id",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            [f"{qualified}{prefix}contracts.id"],
            name=f"fk_{prefix}documents_contract_id",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            [f"{qualified}{prefix}projects.id"],
            name=f"fk_{prefix}documents_project_id",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            [f"{qualified}{prefix}contract_stages.id"],
            name=f"fk_{prefix}documents_stage_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}documents"),
        sa.UniqueConstraint("kind", "number", name=f"uq_{prefix}documents_kind"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}documents_based_on_id",
        f"{prefix}documents",
        ["based_on_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}documents_client_dated",
        f"{prefix}documents",
        ["client_id", "issued_on"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}documents_contract_id",
        f"{prefix}documents",
        ["contract_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}documents_project_id",
        f"{prefix}documents",
        ["project_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}allocations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            [f"{qualified}{prefix}clients.id"],
            name=f"fk_{prefix}allocations_client_id",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            [f"{qualified}{prefix}documents.id"],
            name=f"fk_{prefix}allocations_source_id",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            [f"{qualified}{prefix}documents.id"],
            name=f"fk_{prefix}allocations_target_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}allocations"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}allocations_client_id",
        f"{prefix}allocations",
        ["client_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}allocations_source_id",
        f"{prefix}allocations",
        ["source_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}allocations_target_id",
        f"{prefix}allocations",
        ["target_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        f"{prefix}document_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.Integer(), nullable=False),
        sa.Column("vat_rate", sa.Integer(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("vat", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            [f"{qualified}{prefix}documents.id"],
            name=f"fk_{prefix}document_lines_document_id",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            [f"{qualified}{prefix}products.id"],
            name=f"fk_{prefix}document_lines_product_id",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{prefix}document_lines"),
        schema=schema,
    )
    op.create_index(
        f"ix_{prefix}document_lines_document_id",
        f"{prefix}document_lines",
        ["document_id"],
        unique=False,
        schema=schema,
    )

    # Outbox messages carry attachments now (a document sent to a client).
    op.add_column(
        f"{prefix}outbox",
        sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]"),
        schema=schema,
    )


def downgrade() -> None:
    prefix, schema, _ = _target()
    op.drop_column(f"{prefix}outbox", "attachments", schema=schema)
    op.drop_table(f"{prefix}document_lines", schema=schema)
    op.drop_table(f"{prefix}allocations", schema=schema)
    op.drop_table(f"{prefix}documents", schema=schema)
    op.drop_table(f"{prefix}contract_stages", schema=schema)
    op.drop_table(f"{prefix}contracts", schema=schema)
    op.drop_table(f"{prefix}products", schema=schema)
