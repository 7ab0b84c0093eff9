"""The money baseline: the balance statement, the ageing and a client's money, in plain SQL.

What a careful developer would write with ``sqlite3`` or ``psycopg`` alone on
crmcore's tables: one GROUP BY statement per report, amounts summed as the
whole hundredths the tables keep, rows as the driver returns them.  Like
``rawdb.py``, this module never imports crmcore.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from rawdb import RawDB

__all__ = ["RawMoney"]

_DEBIT = "('invoice', 'payment_out')"
_CREDIT = "('payment_in', 'credit_note')"
_MONEY = "('invoice', 'payment_out', 'payment_in', 'credit_note')"


class RawMoney:
    """The three money reports on one bare driver connection."""

    def __init__(self, raw: RawDB) -> None:
        self.raw = raw
        sql = raw.sql
        code = "c.code" if raw.sqlite else 'c.code COLLATE "C"'
        self._statement = sql(
            "SELECT c.id, c.code, c.name, s.currency, s.opening, s.debit, s.credit FROM ("
            " SELECT client_id, currency,"
            f"  SUM(CASE WHEN issued_on < ? THEN CASE WHEN kind IN {_DEBIT} THEN gross"
            "   ELSE -gross END ELSE 0 END) AS opening,"
            f"  SUM(CASE WHEN issued_on >= ? AND kind IN {_DEBIT} THEN gross ELSE 0 END) AS debit,"
            f"  SUM(CASE WHEN issued_on >= ? AND kind IN {_CREDIT} THEN gross ELSE 0 END) AS credit"
            " FROM {documents}"
            f" WHERE status = 'issued' AND issued_on <= ? AND kind IN {_MONEY}"
            " GROUP BY client_id, currency) s"
            " JOIN {clients} c ON c.id = s.client_id"
            f" ORDER BY {code}, s.currency"
        )
        # What is left of each invoice and payment on a day: its gross less the
        # allocations effective by then.
        self._open = (
            "SELECT d.id, d.client_id, d.kind, d.number, d.currency, d.issued_on, d.due_on,"
            " d.gross, d.gross - COALESCE(CASE WHEN d.kind = 'invoice' THEN t.applied"
            " ELSE f.applied END, 0) AS open"
            " FROM {documents} d"
            " LEFT JOIN (SELECT target_id, SUM(amount) AS applied FROM {allocations}"
            "  WHERE effective_on <= ?{client} GROUP BY target_id) t ON t.target_id = d.id"
            " LEFT JOIN (SELECT source_id, SUM(amount) AS applied FROM {allocations}"
            "  WHERE effective_on <= ?{client} GROUP BY source_id) f ON f.source_id = d.id"
            " WHERE d.status = 'issued' AND d.issued_on <= ?"
            " AND d.kind IN ('invoice', 'payment_in', 'credit_note'){document_client}"
        )
        self._client_open = sql(
            self._open.format(
                client=" AND client_id = ?",
                document_client=" AND d.client_id = ?",
                documents="{documents}",
                allocations="{allocations}",
            )
            + " ORDER BY d.issued_on, d.number, d.id"
        )
        self._payments = sql(
            "SELECT id, number, issued_on, gross FROM {documents}"
            " WHERE client_id = ? AND kind = 'payment_in' AND status = 'issued'"
            " AND issued_on <= ? ORDER BY issued_on DESC, number DESC, id DESC LIMIT 5"
        )
        self._ageing: dict[int, str] = {}

    def _day(self, value: date) -> Any:
        return value.isoformat() if self.raw.sqlite else value

    def statement(self, start: date, end: date) -> Iterator[tuple[Any, ...]]:
        """The statement's rows streamed from the cursor: (id, code, name, currency,
        opening, debit, credit), amounts in hundredths."""
        cursor = self.raw.connection.cursor()
        day = self._day
        cursor.execute(self._statement, (day(start), day(start), day(start), day(end)))
        while rows := cursor.fetchmany(2000):
            yield from rows

    def _ageing_sql(self, buckets: int) -> str:
        found = self._ageing.get(buckets)
        if found is None:
            inner = self._open.format(
                client="", document_client="", documents="{documents}", allocations="{allocations}"
            )
            cases = [
                "SUM(CASE WHEN kind = 'invoice' AND (due_on IS NULL OR due_on >= ?)"
                " THEN open ELSE 0 END)"
            ]
            cases += [
                "SUM(CASE WHEN kind = 'invoice' AND due_on < ? AND due_on >= ?"
                " THEN open ELSE 0 END)"
            ] * (buckets - 2)
            cases.append("SUM(CASE WHEN kind = 'invoice' AND due_on < ? THEN open ELSE 0 END)")
            found = self._ageing[buckets] = self.raw.sql(
                "SELECT client_id, currency,"
                " SUM(CASE WHEN kind = 'invoice' THEN 0 ELSE open END), "
                + ", ".join(cases)
                + f" FROM ({inner}) o WHERE open <> 0 GROUP BY client_id, currency"
                " ORDER BY client_id, currency"
            )
        return found

    def ageing(self, on: date, edges: Sequence[int]) -> list[tuple[Any, ...]]:
        """Per client and currency: advances, then each bucket, in hundredths."""
        starts = [on - timedelta(days=edge) for edge in (0, *edges)]
        day = self._day
        params: list[Any] = [day(starts[0])]
        for i in range(len(edges)):
            params += [day(starts[i]), day(starts[i + 1])]
        params.append(day(starts[-1]))
        params += [day(on), day(on), day(on)]
        cursor = self.raw.connection.cursor()
        cursor.execute(self._ageing_sql(len(edges) + 2), params)
        return list(cursor.fetchall())

    def client_money(self, client_id: Any, on: date) -> tuple[list[Any], list[Any]]:
        """(the client's open items, its last five payments) as of ``on``."""
        day = self._day(on)
        cursor = self.raw.connection.cursor()
        cursor.execute(self._client_open, (day, client_id, day, client_id, day, client_id))
        items = cursor.fetchall()
        cursor.execute(self._payments, (client_id, day))
        return [row for row in items if row[8] != 0], cursor.fetchall()
