"""Notifications end to end: the outbox through a real SMTP server, crashes, the worker command.

The SMTP server is aiosmtpd on loopback (tests/smtp_server.py).  The crash
tests kill a real process (SIGKILL) at the worst moments of delivery and
then check that a new process delivers what was left, once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import crmcore
from crmcore.adapters.smtp import SmtpChannel
from crmcore.domain.notifications import Delivery, MessageStatus
from crmcore.errors import DeliveryError
from smtp_server import refusing_port, smtp_server

KYIV = ZoneInfo("Europe/Kyiv")
NOW = datetime(2026, 3, 27, 8, 0, tzinfo=KYIV)
SRC = str(Path(__file__).resolve().parents[2] / "src")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _people(crm: crmcore.CRM) -> tuple[crmcore.Employee, crmcore.Employee]:
    boss = crm.employees.create(code="1", name="Коваль Олена", email="olena@example.com")
    ivan = crm.employees.create(
        code="7", name="Мельник Іван Іванович", email="ivan@example.com", time_zone="Europe/Kyiv"
    )
    return boss, ivan


def test_a_task_assignment_arrives_by_email_in_cyrillic_once() -> None:
    clock = Clock(NOW)
    with smtp_server() as server:
        channel = SmtpChannel(
            server.host, server.port, sender="CRM <crm@example.com>", security="none"
        )
        crm = crmcore.open(clock=clock, plugins=[channel])
        boss, ivan = _people(crm)
        crm.acting_as(boss).tasks.create(
            "задача Укрытие",
            start=datetime(2026, 3, 30, 9, tzinfo=KYIV),
            end=datetime(2026, 3, 30, 18, tzinfo=KYIV),
            executors=[ivan],
            description="Перевірте кошторис «Укрытие».",
        )
        first = crm.notifications.dispatch()
        second = crm.notifications.dispatch()
        assert (first.sent, second.sent) == (2, 0)  # e-mail and in-app, then nothing
        (mail,) = server.messages
        assert mail["Subject"] == "Назначена задача: задача Укрытие"
        assert mail["To"].addresses[0].display_name == "Мельник Іван Іванович"
        body = mail.get_content()
        assert "Начало: 30/03/2026 09:00" in body
        assert "«Укрытие»" in body
        assert crm.notifications.unread(ivan) == 1


def test_an_unreachable_server_is_a_failure_kept_for_retry_then_delivered(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    clock = Clock(NOW)
    with refusing_port() as port:
        down = SmtpChannel("127.0.0.1", port, sender="crm@example.com", security="none", timeout=2)
        crm = crmcore.open(url, clock=clock, plugins=[down])
        boss, ivan = _people(crm)
        crm.acting_as(boss).tasks.create(
            "Звіт", start=NOW, end=NOW + timedelta(hours=2), executors=[ivan]
        )
        report = crm.notifications.dispatch()
        crm.close()
    assert (report.sent, report.failed) == (1, 1)  # in-app went, e-mail failed
    with smtp_server() as server:
        up = SmtpChannel(server.host, server.port, sender="crm@example.com", security="none")
        crm = crmcore.open(url, clock=clock, plugins=[up])
        (failed,) = crm.notifications.outbox(status="failed")
        assert failed.attempts == 1
        assert "refused" in failed.last_error.lower()
        assert failed.next_attempt_at == NOW + timedelta(minutes=1)
        assert crm.notifications.dispatch().sent == 0  # not before its time
        clock.now = NOW + timedelta(minutes=1)
        assert crm.notifications.dispatch().sent == 1
        assert len(server.messages) == 1
        (sent,) = [m for m in crm.notifications.outbox(recipient=ivan) if m.channel == "email"]
        assert (sent.status, sent.attempts) == (MessageStatus.SENT, 2)
        crm.close()


def test_a_permanent_refusal_goes_to_the_dead_letters_and_can_be_retried() -> None:
    clock = Clock(NOW)
    with smtp_server(refuse=["ivan@example.com"]) as server:
        channel = SmtpChannel(server.host, server.port, sender="crm@example.com", security="none")
        crm = crmcore.open(clock=clock, plugins=[channel])
        boss, ivan = _people(crm)
        crm.acting_as(boss).tasks.create("Звіт", start=NOW, end=NOW, executors=[ivan])
        assert crm.notifications.dispatch().dead == 1
        (dead,) = crm.notifications.outbox(status="dead")
        assert dead.channel == "email"
        assert dead.attempts == 1
        revived = crm.notifications.retry(dead)
        assert revived.status is MessageStatus.PENDING
        assert crm.notifications.dispatch().dead == 1


def test_header_injection_in_a_subject_is_refused_and_nothing_is_sent() -> None:
    with smtp_server() as server:
        channel = SmtpChannel(server.host, server.port, sender="crm@example.com", security="none")
        delivery = Delivery(
            key="k1",
            kind="mention",
            channel="email",
            address="ivan@example.com",
            subject="Hi\r\nBcc: everyone@example.com",
            body="x",
        )
        with pytest.raises(DeliveryError) as refused:
            channel.deliver(delivery)
        assert refused.value.permanent
        assert server.messages == []


# --- crashes ---------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import json, os, signal, sys
    from datetime import datetime
    sys.path.insert(0, {src!r})
    import crmcore

    class Dying:
        name = "email"

        def deliver(self, delivery):
            with open({log!r}, "a", encoding="utf-8") as log:
                log.write(json.dumps({{"key": delivery.key, "attempt": delivery.attempt}}) + "\\n")
            if {kill_after_send!r}:
                os.kill(os.getpid(), signal.SIGKILL)  # sent, but the outcome is never stored
            os.kill(os.getpid(), signal.SIGKILL)

    now = datetime.fromisoformat({now!r})
    crm = crmcore.open({url!r}, clock=lambda: now, channels=[Dying()])
    crm.notifications.dispatch()
    """
)


def _dispatch_and_die(url: str, log: Path, now: datetime, *, kill_after_send: bool) -> None:
    script = _CHILD.format(
        src=SRC, log=str(log), url=url, now=now.isoformat(), kill_after_send=kill_after_send
    )
    child = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CRMCORE_LOAD_PLUGINS": ""},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr


class Recording:
    name = "email"

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []

    def deliver(self, delivery: Delivery) -> str:
        self.deliveries.append(delivery)
        return f"id-{len(self.deliveries)}"


@pytest.mark.parametrize("kill_after_send", [False, True], ids=["before-send", "after-send"])
def test_a_crash_between_commit_and_delivery_loses_nothing(
    tmp_path: Path, kill_after_send: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    clock = Clock(NOW)
    crm = crmcore.open(url, clock=clock)
    boss, ivan = _people(crm)
    crm.acting_as(boss).tasks.create("Звіт", start=NOW, end=NOW, executors=[ivan])
    crm.close()
    log = tmp_path / "attempts.jsonl"
    _dispatch_and_die(url, log, NOW, kill_after_send=kill_after_send)
    attempts = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(attempts) == 1

    channel = Recording()
    crm = crmcore.open(url, clock=clock, channels=[channel])
    # The dead process's claim holds what it had not settled until the lease ends.
    assert crm.notifications.dispatch().sent == 0
    assert channel.deliveries == []
    clock.now = NOW + timedelta(minutes=5)
    crm.notifications.dispatch()
    assert [d.key for d in channel.deliveries] == [attempts[0]["key"]]
    assert channel.deliveries[0].attempt == 2
    statuses = {m.channel: m.status for m in crm.notifications.outbox(recipient=ivan)}
    assert statuses == {"email": MessageStatus.SENT, "in_app": MessageStatus.SENT}
    assert crm.notifications.unread(ivan) == 1
    clock.now = NOW + timedelta(hours=1)
    crm.notifications.dispatch()
    assert len(channel.deliveries) == 1
    crm.close()


# --- the worker command ------------------------------------------------------------


def test_the_worker_command_delivers_through_smtp(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    crm = crmcore.open(url)
    boss, ivan = _people(crm)
    start = datetime.now(UTC) + timedelta(hours=1)
    crm.acting_as(boss).tasks.create("Подзвонити", start=start, end=start, executors=[ivan])
    crm.close()
    with smtp_server() as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "crmcore",
                "worker",
                url,
                "--once",
                "--smtp",
                f"smtp+plain://{server.host}:{server.port}?sender=crm@example.com",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "CRMCORE_LOAD_PLUGINS": "", "PYTHONPATH": SRC},
        )
        assert done.returncode == 0, done.stderr
        assert "channels: email, in_app" in done.stdout
        assert "sent 2" in done.stdout
        (mail,) = server.messages
        assert mail["Subject"] == "Назначена задача: Подзвонити"


def test_the_worker_needs_a_database(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crmcore", "worker"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "CRMCORE_URL"} | {"PYTHONPATH": SRC},
    )
    assert done.returncode == 2
    assert "give a database URL" in done.stderr


# --- two dispatchers ----------------------------------------------------------------


def test_two_dispatchers_on_one_database_deliver_each_message_once(
    crm_factory: Callable[..., crmcore.CRM],
) -> None:
    clock = Clock(NOW)
    crm = crm_factory(clock=clock)
    boss, ivan = _people(crm)
    start = NOW + timedelta(hours=3)
    for number in range(15):
        task = crm.acting_as(boss).tasks.create(
            f"Задача {number}", start=start, end=start + timedelta(hours=1), executors=[ivan]
        )
        crm.reminders.add(task, "2 hours")
    channel = Recording()
    workers = [crm_factory(clock=clock, channels=[channel]) for _ in range(2)]
    clock.now = NOW + timedelta(hours=1, minutes=30)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(20):
            passes = list(pool.map(lambda worker: worker.notifications.dispatch(limit=7), workers))
            if all(report.delivered_nothing for report in passes):
                break
    keys = [delivery.key for delivery in channel.deliveries]
    # 15 assignments to Іван, and 15 reminders each to him and to the controller.
    assert len(keys) == len(set(keys)) == 45
    assert workers[0].notifications.unread(ivan) == 30
    assert workers[1].notifications.outbox(status="pending") == []
