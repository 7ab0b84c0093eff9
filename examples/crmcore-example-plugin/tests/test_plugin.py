"""The example plugin works passed in directly and, once installed, through its entry point."""

from __future__ import annotations

import importlib.metadata
from datetime import UTC, datetime
from pathlib import Path

import crmcore_example_plugin
import pytest

import crmcore
from crmcore.errors import StorageError


def test_plugin_adds_its_event_types(tmp_path: Path) -> None:
    crm = crmcore.open(plugins=[crmcore_example_plugin])
    visit = crm.event_types.get("Выезд")
    assert (visit.name, visit.category.value, visit.system) == ("Выезд к клиенту", "meeting", False)
    client = crm.clients.create(code="06951937", name='Кооператив "Нептун"')
    crm.events.log(client, type="Выезд", occurred_at=datetime(2014, 11, 5, 9, tzinfo=UTC))
    assert [e.type_code for e in crm.timeline(client)] == ["Выезд"]


def test_folder_scheme_keeps_the_crm_in_the_folder(tmp_path: Path) -> None:
    url = f"crm-folder://{tmp_path / 'acme'}"
    with crmcore.open(url, plugins=[crmcore_example_plugin]) as crm:
        crm.clients.create(code="1", name="ПДВ")
    assert (tmp_path / "acme" / "crm.sqlite").is_file()
    with crmcore.open(url, plugins=[crmcore_example_plugin]) as crm:
        assert crm.clients.get("1").name == "ПДВ"


def test_folder_scheme_refuses_a_relative_folder() -> None:
    with pytest.raises(StorageError):
        crmcore.open("crm-folder://relative/path", plugins=[crmcore_example_plugin])


def test_installed_plugin_is_declared_in_the_crmcore_entry_point_group() -> None:
    try:
        distribution = importlib.metadata.distribution("crmcore-example-plugin")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("install the plugin first: pip install ./examples/crmcore-example-plugin")
    [entry_point] = [ep for ep in distribution.entry_points if ep.group == "crmcore"]
    assert entry_point.load() is crmcore_example_plugin
