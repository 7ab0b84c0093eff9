"""Import the contact history of another system from a CSV file, twice.

``crm.events.import_many`` streams the rows in batches inside one
transaction: a bad row names itself and nothing is stored; rows whose
``external_ref`` was imported before are skipped, so an interrupted import
can simply be run again.

Run: python examples/import_events.py
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import crmcore

KYIV = ZoneInfo("Europe/Kyiv")


def write_export(path: Path) -> None:
    """A CSV as an old system would export it: local times, client codes, call ids."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "client", "type", "when", "subject", "manager"])
        for i in range(1, 2001):
            client = ["22910019", "06951937", "1"][i % 3]
            when = f"2014-{1 + i % 12:02d}-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d}"
            writer.writerow(
                [f"old-{i}", client, ["ВхЗ", "ИсхЗ", "Встр"][i % 3], when, f"Контакт {i}", "2"]
            )


def rows(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as file:
        for record in csv.DictReader(file):
            yield {
                "client": record["client"],
                "type": record["type"],
                "occurred_at": datetime.fromisoformat(record["when"]).replace(tzinfo=KYIV),
                "subject": record["subject"],
                "employee": record["manager"],
                "external_ref": f"legacy:{record['id']}",
            }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "history.csv"
        write_export(export)
        with crmcore.open(f"sqlite:///{Path(folder) / 'crm.sqlite'}") as crm:
            crm.employees.create(code="2", name="Петрова Ірина")
            crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
            crm.clients.create(code="06951937", name='Кооператив "Нептун"')
            crm.clients.create(code="1", name="ПДВ")

            first = crm.events.import_many(rows(export), batch_size=500)
            print(f"first run: {first.created} imported, {first.skipped} skipped")
            second = crm.events.import_many(rows(export), batch_size=500)
            print(f"second run: {second.created} imported, {second.skipped} skipped")
            assert (first.created, second.skipped) == (2000, 2000)

            newest = crm.timeline("1", limit=3)
            print("ПДВ, newest:", [entry.title for entry in newest])


if __name__ == "__main__":
    main()
