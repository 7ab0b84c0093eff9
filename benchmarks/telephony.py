"""The telephony suite: an incoming call handled, and a replay of call events.

1. ``incoming_call_p50``: one ringing event of a new incoming call through
   ``crm.telephony.handle`` (the caller matched, the call and its event
   stored, the screen pop read: responsible manager, open tasks, latest
   contacts), against the raw driver doing those queries and writes.
2. ``replay_event_p50``: call events (two phones ringing, one answering,
   the end; every event delivered twice, the order within a call shuffled)
   through ``handle``, against the raw driver storing each distinct event
   once, keeping the call row and writing the ended call's event and
   timeline row; the throughput of both is in the note.

The raw side writes into crmcore's own tables (``crm_calls``,
``crm_call_events``, ``crm_events``, ``crm_timeline``, ``crm_history``)
under a source of its own, so both sides pay for the same indexes.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import workload
from rawdb import RawDB

__all__ = ["RawTelephony", "Sizes", "incoming_events", "replay_events"]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXTENSIONS = ("201", "202", "203", "204")
OPEN_STATUSES = ("assigned", "accepted", "in_progress", "on_review", "returned", "postponed")


@dataclass(frozen=True)
class Sizes:
    """How many clients the suite makes and how many calls and events it sends."""

    clients: int
    incoming_calls: int
    replay_events: int
    warmup: int = 50

    @property
    def phones(self) -> int:
        return self.clients * 3

    @classmethod
    def full(cls) -> Sizes:
        return cls(clients=100_000, incoming_calls=2_000, replay_events=10_000)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(clients=5_000, incoming_calls=1_000, replay_events=4_000)


def give_extensions(crm: Any) -> None:
    """The employees the population made get extensions 201, 202, ..."""
    for (code, _, _), extension in zip(workload.EMPLOYEES, EXTENSIONS, strict=False):
        crm.employees.update(code, extension=extension)


def incoming_events(population: workload.Population, count: int, seed: int) -> list[Any]:
    """Ringing events of new incoming calls from numbers in mixed written forms."""
    from crmcore.domain.calls import CallEvent

    texts = workload.caller_texts(population, count, seed)
    return [
        CallEvent(
            source="bench",
            call_id=f"in-{index:07d}",
            kind="ringing",
            at=START + timedelta(seconds=index),
            direction="incoming",
            caller=text,
            extension=EXTENSIONS[index % len(EXTENSIONS)],
        )
        for index, text in enumerate(texts)
    ]


def replay_events(population: workload.Population, count: int, seed: int) -> list[Any]:
    """``count`` deliveries: answered hunt-group calls, each event twice, shuffled per call."""
    from crmcore.domain.calls import CallEvent

    rng = random.Random(seed + 7)
    calls = count // 8
    texts = workload.caller_texts(population, calls, seed + 1)
    deliveries: list[Any] = []
    for index, text in enumerate(texts):
        at = START + timedelta(hours=1, seconds=index * 3)
        common = {"source": "bench", "call_id": f"rp-{index:07d}", "direction": "incoming",
                  "caller": text}  # fmt: skip
        events = [
            CallEvent(kind="ringing", at=at, extension="202", leg=f"{index}.1", **common),
            CallEvent(kind="ringing", at=at, extension="203", leg=f"{index}.2", **common),
            CallEvent(
                kind="answered",
                at=at + timedelta(seconds=5),
                extension="203",
                leg=f"{index}.2",
                **common,
            ),
            CallEvent(kind="ended", at=at + timedelta(seconds=65), **common),
        ]
        twice = events * 2
        rng.shuffle(twice)
        deliveries.extend(twice)
    return deliveries


def same_pop(handled: Any, raw: tuple[Any, Any] | None) -> bool:
    """crmcore's pop and the raw side name the same client (or none)."""
    pop = handled.screen_pop
    mine = None if pop is None or pop.client is None else pop.client.id.hex
    theirs = None if raw is None or raw[0] is None else _hex(raw[0][0])
    return mine == theirs


def _hex(value: Any) -> Any:
    return value.hex if hasattr(value, "hex") and not isinstance(value, str) else value


class RawTelephony:
    """The bare driver doing what ``handle`` does for the two workloads, and no more."""

    def __init__(self, raw: RawDB) -> None:
        self.raw = raw
        self.sql = raw.sql
        self.connection = raw.connection
        self.responsible_at = raw.columns("clients").index("responsible_id")

    def create_lean_tables(self) -> None:
        """The physical limit's tables: a call by its PBX id, an event by (call, key)."""
        cursor = self._begin()
        cursor.execute(
            "CREATE TABLE lean_calls (pbx_id VARCHAR(200) PRIMARY KEY,"
            " caller_e164 VARCHAR(16), client_id VARCHAR(36), started_at VARCHAR(40))"
        )
        cursor.execute(
            "CREATE TABLE lean_call_events (pbx_id VARCHAR(200), key VARCHAR(200),"
            " PRIMARY KEY (pbx_id, key))"
        )
        self._commit()

    def ring_lean(self, event: Any) -> Any:
        """The leanest hand-written answer: one joined lookup, one narrow insert, commit."""
        e164 = self._e164(event.caller)
        cursor = self._begin()
        client = None
        if e164 is not None:
            client = cursor.execute(
                self.sql(
                    "SELECT c.* FROM {phones} p JOIN {clients} c ON c.id = p.client_id"
                    " WHERE p.e164 = ? LIMIT 1"
                ),
                (e164,),
            ).fetchone()
        cursor.execute(
            self.sql("INSERT INTO lean_calls VALUES (?, ?, ?, ?)"),
            (event.call_id, e164, None if client is None else str(client[0]), str(event.at)),
        )
        self._commit()
        return client

    def deliver_lean(self, event: Any) -> bool:
        """The leanest replay: keep each distinct event once, nothing else."""
        cursor = self._begin()
        conflict = "OR IGNORE " if self.raw.sqlite else ""
        tail = "" if self.raw.sqlite else " ON CONFLICT DO NOTHING"
        cursor.execute(
            f"INSERT {conflict}INTO lean_call_events VALUES ({self._mark}, {self._mark}){tail}",
            (event.call_id, event.key),
        )
        stored = bool(cursor.rowcount)
        self._commit()
        return stored

    @property
    def _mark(self) -> str:
        return "?" if self.raw.sqlite else "%s"

    def _begin(self) -> Any:
        # Both drivers run in autocommit mode: a transaction is one BEGIN ... COMMIT.
        cursor = self.connection.cursor()
        cursor.execute("BEGIN")
        return cursor

    def _commit(self) -> None:
        self.connection.execute("COMMIT")

    def _e164(self, text: str) -> str | None:
        import phonenumbers

        try:
            number = phonenumbers.parse(text, "UA")
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def _history(self, cursor: Any, entity: Any, kind: str, action: str, now: Any) -> None:
        cursor.execute(
            self.sql(
                "INSERT INTO {history} (id, at, actor_id, actor_name, entity_kind, entity_id,"
                " action, field, old, new) VALUES (?, ?, NULL, 'system', ?, ?, ?, NULL, NULL, NULL)"
            ),
            (self.raw.uid(self.raw.new_id()), now, kind, entity, action),
        )

    def ring(self, event: Any) -> tuple[Any, Any] | None:
        """A new incoming call rings: match, store the call and its event, read the pop."""
        raw, sql = self.raw, self.sql
        e164 = self._e164(event.caller)
        cursor = self._begin()
        owner = None
        if e164 is not None:
            owner = cursor.execute(
                sql("SELECT client_id, contact_id FROM {phones} WHERE e164 = ? LIMIT 1"), (e164,)
            ).fetchone()
        client = contact = None
        if owner is not None:
            client = cursor.execute(
                sql("SELECT * FROM {clients} WHERE id = ?"), (owner[0],)
            ).fetchone()
            if owner[1] is not None:
                contact = cursor.execute(
                    sql("SELECT * FROM {contacts} WHERE id = ?"), (owner[1],)
                ).fetchone()
        employee = cursor.execute(
            sql("SELECT * FROM {employees} WHERE extension = ?"), (event.extension,)
        ).fetchone()
        now = raw.moment(datetime.now(UTC))
        call_id = raw.uid(raw.new_id())
        cursor.execute(
            sql(
                "INSERT INTO {calls} (id, source, pbx_id, direction, started_at, caller_number,"
                " caller_e164, callee_number, extension, employee_id, client_id, contact_id, legs,"
                " version, created_at, updated_at) VALUES (?, 'raw', ?, 'incoming', ?, ?, ?, '', ?,"
                " ?, ?, ?, ?, 1, ?, ?)"
            ),
            (
                call_id, event.call_id, raw.moment(event.at), event.caller, e164, event.extension,
                None if employee is None else employee[0],
                None if owner is None else owner[0],
                None if owner is None else owner[1],
                json.dumps([{"leg": f"ext:{event.extension}", "extension": event.extension}]),
                now, now,
            ),
        )  # fmt: skip
        cursor.execute(
            sql(
                "INSERT INTO {call_events} (id, call_id, key, event, version, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)"
            ),
            (raw.uid(raw.new_id()), call_id, event.key, json.dumps(_event_json(event)), now, now),
        )
        self._history(cursor, call_id, "call", "create", now)
        self._commit()
        if client is not None:
            self._pop(client)
        return (client, contact) if owner is not None else None

    def _pop(self, client: Any) -> None:
        sql = self.sql
        cursor = self.connection.cursor()
        responsible = client[self.responsible_at]
        if responsible is not None:
            cursor.execute(sql("SELECT * FROM {employees} WHERE id = ?"), (responsible,))
            cursor.fetchone()
        marks = ", ".join("?" * len(OPEN_STATUSES))
        cursor.execute(
            sql(
                f"SELECT * FROM {{tasks}} WHERE client_id = ? AND status IN ({marks})"
                " AND archived = false ORDER BY planned_end, id LIMIT 10"
            ),
            (client[0], *OPEN_STATUSES),
        ).fetchall()
        cursor.execute(
            sql(
                "SELECT * FROM {timeline} WHERE client_id = ? AND kind = 'event'"
                " ORDER BY occurred_at DESC, id DESC LIMIT 5"
            ),
            (client[0],),
        ).fetchall()
        # What the client owes past due today, per currency: invoices less the
        # allocations effective by today.
        today = datetime.now(UTC).date()
        day: Any = today.isoformat() if self.raw.sqlite else today
        cursor.execute(
            sql(
                "SELECT d.currency, SUM(d.gross - COALESCE(t.applied, 0)) FROM {documents} d"
                " LEFT JOIN (SELECT target_id, SUM(amount) AS applied FROM {allocations}"
                "  WHERE effective_on <= ? AND client_id = ? GROUP BY target_id) t"
                "  ON t.target_id = d.id"
                " WHERE d.client_id = ? AND d.kind = 'invoice' AND d.status = 'issued'"
                " AND d.issued_on <= ? AND d.due_on < ? AND d.gross > COALESCE(t.applied, 0)"
                " GROUP BY d.currency"
            ),
            (day, client[0], client[0], day, day),
        ).fetchall()

    def deliver(self, event: Any) -> bool:
        """One delivery of a replayed call event; False when it was delivered before."""
        raw, sql = self.raw, self.sql
        cursor = self._begin()
        now = raw.moment(datetime.now(UTC))
        row = cursor.execute(
            sql("SELECT id, client_id, event_id FROM {calls} WHERE source = 'raw' AND pbx_id = ?"),
            (event.call_id,),
        ).fetchone()
        if row is None:
            e164 = self._e164(event.caller)
            owner = None
            if e164 is not None:
                owner = cursor.execute(
                    sql("SELECT client_id, contact_id FROM {phones} WHERE e164 = ? LIMIT 1"),
                    (e164,),
                ).fetchone()
            call_id = raw.uid(raw.new_id())
            client_id = None if owner is None else owner[0]
            cursor.execute(
                sql(
                    "INSERT INTO {calls} (id, source, pbx_id, direction, started_at, caller_number,"
                    " caller_e164, callee_number, client_id, contact_id, legs, version,"
                    " created_at, updated_at)"
                    " VALUES (?, 'raw', ?, 'incoming', ?, ?, ?, '', ?, ?, '[]', 1, ?, ?)"
                ),
                (call_id, event.call_id, raw.moment(event.at), event.caller, e164, client_id,
                 None if owner is None else owner[1], now, now),
            )  # fmt: skip
            self._history(cursor, call_id, "call", "create", now)
            event_id = None
        else:
            call_id, client_id, event_id = row
            if cursor.execute(
                sql("SELECT 1 FROM {call_events} WHERE call_id = ? AND key = ?"),
                (call_id, event.key),
            ).fetchone():
                self._commit()
                return False
        cursor.execute(
            sql(
                "INSERT INTO {call_events} (id, call_id, key, event, version, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)"
            ),
            (raw.uid(raw.new_id()), call_id, event.key, json.dumps(_event_json(event)), now, now),
        )
        kind = event.kind.value
        if kind == "answered":
            cursor.execute(
                sql("UPDATE {calls} SET answered_at = ?, extension = ?, version = version + 1,"
                    " updated_at = ? WHERE id = ?"),
                (raw.moment(event.at), event.extension, now, call_id),
            )  # fmt: skip
            self._history(cursor, call_id, "call", "update", now)
        elif kind == "ended" and event_id is None:
            logged = raw.uid(raw.new_id())
            at = raw.moment(event.at)
            cursor.execute(
                sql(
                    "INSERT INTO {events} (id, type_code, client_id, employee_id, occurred_at,"
                    " duration_us, subject, details, outcome, external_ref, archived, version,"
                    " created_at, updated_at) VALUES (?, 'ВхЗ', ?, NULL, ?, ?, ?, ?, 'отвечен', ?,"
                    " false, 1, ?, ?)"
                ),
                (logged, client_id, at, 60_000_000, f"Вхідний дзвінок: {event.caller}",
                 f"Номер: {event.caller}", f"call:{call_id}", now, now),
            )  # fmt: skip
            if client_id is not None:
                cursor.execute(
                    sql(
                        "INSERT INTO {timeline} (id, client_id, occurred_at, kind, source_id,"
                        " type_code, title, summary) VALUES (?, ?, ?, 'event', ?, 'ВхЗ', ?, ?)"
                    ),
                    (raw.uid(raw.new_id()), client_id, at, logged, "Вхідний дзвінок",
                     f"Номер: {event.caller}"),
                )  # fmt: skip
            cursor.execute(
                sql("UPDATE {calls} SET ended_at = ?, outcome = 'answered', talk_seconds = 60,"
                    " event_id = ?, version = version + 1, updated_at = ? WHERE id = ?"),
                (at, logged, now, call_id),
            )  # fmt: skip
            self._history(cursor, logged, "event", "create", now)
            self._history(cursor, call_id, "call", "update", now)
        self._commit()
        return True


def _event_json(event: Any) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "at": event.at.isoformat(),
        "caller": event.caller,
        "extension": event.extension,
        "leg": event.leg,
    }


def percentile_ms(samples: Sequence[int], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6


def timed(items: Sequence[Any], call: Callable[[Any], Any]) -> tuple[list[int], float]:
    """Nanoseconds per item and the wall seconds of the whole run."""
    clock = time.perf_counter_ns
    samples = []
    started = time.perf_counter()
    for item in items:
        begun = clock()
        call(item)
        samples.append(clock() - begun)
    return samples, time.perf_counter() - started


def median_ms(samples: Sequence[int]) -> float:
    return statistics.median(samples) / 1e6
