"""Installed, the package is a crmcore plugin configured by environment variables."""

from __future__ import annotations

import importlib.metadata

import crmcore_sms_gateway
import pytest
from crmcore_sms_gateway import (
    SENDER_VARIABLE,
    TOKEN_VARIABLE,
    URL_VARIABLE,
    SmsGatewayChannel,
)
from crmcore_sms_gateway.testing import FakeGateway

from crmcore.domain.notifications import Delivery
from crmcore.errors import PluginError
from crmcore.plugins import installed_plugins, plugin_manager
from crmcore.ports import Channel

ENTRY_POINT = "sms-gateway"


def _registered_channels(extra: tuple[object, ...] = ()) -> list[Channel]:
    channels: list[Channel] = []
    plugin_manager(extra).hook.crmcore_channels(register=channels.append)
    return channels


@pytest.fixture
def only_this_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        importlib.metadata.distribution("crmcore-sms-gateway")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("install the plugin first: pip install -e ./examples/crmcore-sms-gateway")
    monkeypatch.setenv("CRMCORE_LOAD_PLUGINS", ENTRY_POINT)


def test_entry_point_is_declared_in_the_crmcore_group(only_this_plugin: None) -> None:
    [entry_point] = [
        ep for ep in importlib.metadata.entry_points(group="crmcore") if ep.name == ENTRY_POINT
    ]
    assert entry_point.value == "crmcore_sms_gateway"
    assert entry_point.load() is crmcore_sms_gateway
    assert installed_plugins() == [(ENTRY_POINT, crmcore_sms_gateway)]


def test_configured_gateway_is_registered_as_the_sms_channel_and_delivers(
    only_this_plugin: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGateway(token="env-token-31") as gateway:
        monkeypatch.setenv(URL_VARIABLE, gateway.url)
        monkeypatch.setenv(TOKEN_VARIABLE, "env-token-31")
        monkeypatch.setenv(SENDER_VARIABLE, "ACME")
        [channel] = _registered_channels()
        assert isinstance(channel, SmsGatewayChannel)
        assert channel.name == "sms"
        message_id = channel.deliver(
            Delivery(
                key="reminder-1",
                kind="reminder",
                channel="sms",
                address="+380671112233",
                subject="Нагадування",
            )
        )
        [message] = gateway.messages
    assert (message.id, message.to, message.sender, message.text) == (
        message_id,
        "+380671112233",
        "ACME",
        "Нагадування",
    )


def test_without_a_gateway_url_nothing_is_registered(
    only_this_plugin: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, "orphan-token")
    assert _registered_channels() == []
    monkeypatch.setenv(URL_VARIABLE, "  ")
    assert _registered_channels() == []


def test_unusable_url_in_the_environment_names_the_variable(
    only_this_plugin: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_VARIABLE, "sms.example.com")
    with pytest.raises(PluginError, match=URL_VARIABLE):
        _registered_channels()


def test_channel_passed_as_a_plugin_object_registers_itself() -> None:
    channel = SmsGatewayChannel("https://sms.example.com/api", "t", name="sms-backup")
    assert installed_plugins() == []
    assert _registered_channels((channel,)) == [channel]
