"""crmcore inside a host ERP's own database.

The ERP owns its engine and tables; crmcore adds its tables beside them with
a prefix and keeps its clients linked to the ERP's counterparties through
``external_id``.

Run: python examples/host_erp.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy

import crmcore


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = sqlalchemy.create_engine(f"sqlite:///{Path(folder) / 'erp.sqlite'}")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TABLE counterparties (id INTEGER PRIMARY KEY, code TEXT, name TEXT)"
            )
            connection.exec_driver_sql(
                "INSERT INTO counterparties VALUES (17, '22827226', 'ОЛЕНКА ТОВ'),"
                " (18, '90000014', 'ДИЛЕР ТОВ')"
            )
            erp_rows = connection.exec_driver_sql("SELECT id, code, name FROM counterparties").all()

        with crmcore.open(engine=engine, table_prefix="crm_") as crm:
            with crm.transaction():
                for erp_id, code, name in erp_rows:
                    crm.clients.create(
                        code=code, name=name, kind="customer", external_id=str(erp_id)
                    )
            print([c.name for c in crm.clients.search("тов")])

        tables = sorted(sqlalchemy.inspect(engine).get_table_names())
        print("tables in the ERP database:", ", ".join(tables))
        assert "counterparties" in tables
        assert "crm_clients" in tables
        engine.dispose()


if __name__ == "__main__":
    main()
