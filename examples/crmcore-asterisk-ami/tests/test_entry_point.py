"""The plugin as crmcore finds it installed: the entry point and its environment."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from crmcore_asterisk_ami import URL_VARIABLE, AsteriskAmi, gateway_from_environment

import crmcore
from crmcore.errors import PluginError, ValidationError


def test_the_package_declares_its_crmcore_entry_point() -> None:
    (found,) = [e for e in entry_points(group="crmcore") if e.name == "asterisk-ami"]
    assert found.value == "crmcore_asterisk_ami"


def test_installed_it_offers_the_gateway_the_environment_configures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRMCORE_LOAD_PLUGINS", "asterisk-ami")
    monkeypatch.setenv(URL_VARIABLE, "ami://crm:pw@127.0.0.1:5039")
    gateway = crmcore.open().telephony.gateway
    assert isinstance(gateway, AsteriskAmi)
    assert gateway.port == 5039
    monkeypatch.delenv(URL_VARIABLE)
    assert crmcore.open().telephony.gateway is None


@pytest.mark.parametrize("url", ["http://pbx", "ami://", "ami://pbx:5038", "ami://u:p@pbx:0"])
def test_an_unusable_url_is_a_plugin_error(url: str) -> None:
    with pytest.raises(PluginError, match=URL_VARIABLE):
        gateway_from_environment({URL_VARIABLE: url})


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        AsteriskAmi("pbx", 5038, "u", "p", channel="PJSIP/202")
    assert raised.value.field == "channel"
