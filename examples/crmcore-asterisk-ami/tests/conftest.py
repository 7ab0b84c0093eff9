"""Fixtures: a CRM with the office's people and clients, transcripts, a quiet environment."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from crmcore_asterisk_ami import URL_VARIABLE, AsteriskAmi

import crmcore
from crmcore.domain.calls import CallEvent
from crmcore.services.telephony import Handled

TRANSCRIPTS = Path(__file__).parent / "transcripts"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCORE_LOAD_PLUGINS", "")
    monkeypatch.delenv(URL_VARIABLE, raising=False)


def transcript(name: str) -> str:
    return (TRANSCRIPTS / f"{name}.ami").read_text(encoding="utf-8")


@pytest.fixture
def office() -> Iterator[crmcore.CRM]:
    """Iryna on 202 (ПДВ's manager), Oleh on 203, Marta on 204; ПДВ calls from 044 206 72 22."""
    with crmcore.open() as crm:
        iryna = crm.employees.create(code="2", name="Петрова Ірина", extension="202")
        crm.employees.create(code="3", name="Коваль Олег", extension="203")
        crm.employees.create(code="4", name="Марта Лис", extension="204")
        crm.clients.create(code="1", name="ПДВ", phones=["0442067222"], responsible=iryna)
        yield crm


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        time.sleep(0.02)


class Listening:
    """A gateway's listener running in a thread until the test ends."""

    def __init__(self, gateway: AsteriskAmi, crm: crmcore.CRM) -> None:
        self.gateway, self.crm = gateway, crm
        self.stop = threading.Event()
        self.handled: list[Handled] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        def handle(event: CallEvent) -> Handled:
            result = self.crm.telephony.handle(event)
            self.handled.append(result)
            return result

        self.gateway.listen(handle, stop=self.stop)

    def __enter__(self) -> Listening:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
