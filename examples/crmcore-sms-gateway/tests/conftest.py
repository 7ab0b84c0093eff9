"""Fixtures: a running fake gateway, and an environment free of stray settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from crmcore_sms_gateway import (
    SENDER_VARIABLE,
    TOKEN_VARIABLE,
    URL_VARIABLE,
    SmsGatewayChannel,
)
from crmcore_sms_gateway.testing import FakeGateway

TOKEN = "gw-token-5b1f0c"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests that want installed plugins or a configured gateway say so; the
    # rest must not see whatever the machine running them has set.
    monkeypatch.setenv("CRMCORE_LOAD_PLUGINS", "")
    for variable in (URL_VARIABLE, TOKEN_VARIABLE, SENDER_VARIABLE):
        monkeypatch.delenv(variable, raising=False)
    # The fake gateway listens on 127.0.0.1; a proxy setting must not reroute it.
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway(token=TOKEN) as running:
        yield running


@pytest.fixture
def channel(gateway: FakeGateway) -> SmsGatewayChannel:
    """A channel with the right token for ``gateway``, quick to give up."""
    return SmsGatewayChannel(gateway.url, TOKEN, sender="ACME", timeout=2.0)
