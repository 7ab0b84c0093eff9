"""Fixtures: a CRM with one client and one employee, a receiver in front of it."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

import crmcore

SECRET = "whsec-4f1d"
NOW = 1772443800.0  # 2026-03-02 09:30:00 UTC


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCORE_LOAD_PLUGINS", "")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
def office() -> Iterator[crmcore.CRM]:
    with crmcore.open() as crm:
        iryna = crm.employees.create(code="2", name="Петрова Ірина", extension="202")
        crm.clients.create(code="1", name="ПДВ", phones=["0442067222"], responsible=iryna)
        yield crm


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
