"""Hooks: installed plugins through the entry point, host plugins, and bad plugins."""

from __future__ import annotations

import importlib.metadata
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import crmcore
from crmcore import hookimpl, hookspecs
from crmcore.adapters.blobs import MemoryBlobStore
from crmcore.adapters.memory import MemoryStorage
from crmcore.errors import PermissionDenied, PluginError, StorageError
from crmcore.plugins import _load_entry_point, installed_plugins, plugin_manager

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("crmcore_"))


def _example_installed() -> None:
    try:
        importlib.metadata.distribution("crmcore-example-plugin")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(
            "the example plugin is not installed: "
            "pip install ./examples/crmcore-example-plugin (nox -s tests does it)"
        )


def test_installed_example_plugin_loads_through_its_entry_point(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _example_installed()
    monkeypatch.setenv("CRMCORE_LOAD_PLUGINS", "example")
    assert [name for name, _ in installed_plugins()] == ["example"]
    crm = crmcore.open()
    assert crm.event_types.get("Выезд").category.value == "meeting"
    with crmcore.open(f"crm-folder://{tmp_path / 'acme'}") as folder_crm:
        folder_crm.clients.create(code="1", name="ПДВ")
        assert "sqlite" in folder_crm.storage.url
    assert (tmp_path / "acme" / "crm.sqlite").is_file()


def test_load_plugins_setting_keeps_installed_plugins_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCORE_LOAD_PLUGINS", "")
    assert installed_plugins() == []
    assert "Выезд" not in {t.code for t in crmcore.open().event_types.list()}
    with pytest.raises(StorageError):
        crmcore.open("crm-folder:///tmp/never")


def test_plugins_passed_to_open_stay_with_that_crm() -> None:
    class Visits:
        @hookimpl
        def crmcore_event_types(self, register: Callable[[Any], None]) -> None:
            register(crmcore.EventType(code="Выезд", name="Выезд", category="meeting"))

    with_plugin = crmcore.open(plugins=[Visits()])
    without = crmcore.open()
    assert "Выезд" in {t.code for t in with_plugin.event_types.list()}
    assert "Выезд" not in {t.code for t in without.event_types.list()}


def test_host_storage_wins_over_the_default_for_the_same_url() -> None:
    chosen = MemoryStorage("host")

    class HostStorage:
        @hookimpl
        def crmcore_storage(self, url: str, options: Any) -> MemoryStorage | None:
            return chosen if url.startswith("sqlite") else None

    crm = crmcore.open("sqlite:///never-created.sqlite", plugins=[HostStorage()])
    assert crm.storage is chosen
    assert not Path("never-created.sqlite").exists()


def test_blob_store_hook_asks_a_plugin_for_its_own_url_scheme() -> None:
    # crmcore.open does not ask for a blob store yet, so the hook is called
    # through the plugin manager the way the CRM will call it.
    chosen = MemoryBlobStore("host")

    class HostBlobs:
        @hookimpl
        def crmcore_blob_store(self, url: str) -> MemoryBlobStore | None:
            return chosen if url.startswith("x-test://") else None

    assert plugin_manager([HostBlobs()]).hook.crmcore_blob_store(url="x-test://") is chosen
    assert plugin_manager().hook.crmcore_blob_store(url="x-test://") is None
    builtin = plugin_manager([HostBlobs()]).hook.crmcore_blob_store(url="memory://")
    assert isinstance(builtin, MemoryBlobStore)
    assert builtin is not chosen


def test_channels_hook_registers_channels_and_refuses_a_name_taken_twice() -> None:
    class Fax:
        name = "fax"

        def deliver(self, delivery: object) -> str:
            return "sent"

        @crmcore.hookimpl
        def crmcore_channels(self, register: Callable[[object], None]) -> None:
            register(self)

    with crmcore.open(plugins=[Fax()]) as crm:
        assert list(crm.notifications.channels) == ["fax"]
    with pytest.raises(PluginError, match="'fax' is registered twice"):
        crmcore.open(plugins=[Fax()], channels=[Fax()])

    class InApp(Fax):
        name = "in_app"

    with pytest.raises(PluginError, match="'in_app' is registered twice"):
        crmcore.open(plugins=[InApp()])

    class Nameless:
        @crmcore.hookimpl
        def crmcore_channels(self, register: Callable[[object], None]) -> None:
            register(object())

    with pytest.raises(PluginError, match="needs a name and deliver"):
        crmcore.open(plugins=[Nameless()])


def test_unknown_url_scheme_is_refused_clearly() -> None:
    with pytest.raises(StorageError, match="no storage backend serves 'ftp://x'"):
        crmcore.open("ftp://x")


def test_event_type_registration_of_a_wrong_object_is_a_plugin_error() -> None:
    class Broken:
        @hookimpl
        def crmcore_event_types(self, register: Callable[[Any], None]) -> None:
            register({"code": "X"})

    with pytest.raises(PluginError, match="must register EventType"):
        crmcore.open(plugins=[Broken()])


def test_entry_point_that_fails_to_import_is_a_plugin_error() -> None:
    broken = importlib.metadata.EntryPoint(
        name="broken", value="crmcore_no_such_module_here", group="crmcore"
    )
    with pytest.raises(PluginError, match="'broken'"):
        _load_entry_point(broken)


def test_authorize_hook_sees_actor_action_and_entity() -> None:
    seen: list[tuple[str, str, str]] = []

    class Audit:
        @hookimpl
        def crmcore_authorize(self, actor: Any, action: str, entity_kind: str, entity: Any) -> None:
            seen.append((actor.name, action, entity_kind))

    class ReadOnlyForIryna:
        @hookimpl
        def crmcore_authorize(self, actor: Any, action: str, entity_kind: str, entity: Any) -> bool:
            return actor.name != "Петрова Ірина" or action == "read"

    crm = crmcore.open(plugins=[Audit(), ReadOnlyForIryna()])
    crm.employees.create(code="2", name="Петрова Ірина")
    client = crm.clients.create(code="1", name="ПДВ")
    iryna = crm.acting_as("2")
    assert iryna.clients.get("1") == client
    with pytest.raises(PermissionDenied):
        iryna.clients.update(client, name="Інше")
    with pytest.raises(PermissionDenied):
        iryna.events.log(client, type="ВхЗ")
    assert ("Петрова Ірина", "read", "client") in seen
    assert ("system", "create", "client") in seen
    assert crm.clients.get("1").name == "ПДВ"


def test_every_hook_is_specified_with_documented_call_semantics() -> None:
    manager = plugin_manager()
    for name in HOOKS:
        spec = getattr(manager.hook, name).spec
        assert spec is not None, name
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        firstresult = spec.opts.get("firstresult", False)
        assert ("Stops at first non-None result" in doc) == firstresult, name
        assert "Every implementation is called" in doc or firstresult, name


def test_every_hook_has_a_test() -> None:
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    suite = ROOT / "src" / "crmcore" / "testing" / "conformance"
    tests += "\n".join(p.read_text(encoding="utf-8") for p in sorted(suite.glob("*.py")))
    untested = [name for name in HOOKS if not re.search(rf"def {name}\(", tests)]
    assert untested == []


def test_every_hook_signature_appears_in_the_plugin_docs() -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for name in HOOKS:
        parameters = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"{name}({parameters})" in docs, f"{name}({parameters}) is not in docs/plugins.md"


def test_a_plugin_cannot_take_over_a_system_event_type_code() -> None:
    class Usurper:
        @hookimpl
        def crmcore_event_types(self, register: Callable[[Any], None]) -> None:
            register(crmcore.EventType(code="ВхЗ", name="Щось інше"))

    with pytest.raises(PluginError, match="'ВхЗ' is registered twice"):
        crmcore.open(plugins=[Usurper()])


def test_phone_gateway_hook_stops_at_the_first_gateway_a_plugin_offers() -> None:
    from crmcore.testing.conformance.click_to_call import RecordingGateway

    first, second = RecordingGateway(), RecordingGateway()

    class Silent:
        @hookimpl
        def crmcore_phone_gateway(self) -> None:
            return None

    crm = crmcore.open(plugins=[Silent(), first, second])
    # pluggy calls the last registered first: a host's plugin passed last wins.
    assert crm.telephony.gateway is second
    assert crmcore.open(plugins=[Silent()]).telephony.gateway is None


def test_screen_pop_hook_is_told_of_each_ringing_phone_once() -> None:
    from datetime import UTC, datetime

    from crmcore.domain.calls import CallEvent

    shown: list[dict[str, Any]] = []

    class Desktop:
        @hookimpl
        def crmcore_screen_pop(self, screen_pop: Any) -> None:
            shown.append(screen_pop.as_dict())

    crm = crmcore.open(plugins=[Desktop()])
    crm.employees.create(code="2", name="Петрова Ірина", extension="202")
    crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
    at = datetime(2014, 11, 5, 9, 30, tzinfo=UTC)

    def ring(extension: str, kind: str = "ringing") -> CallEvent:
        return CallEvent(
            source="asterisk",
            call_id="1415179800.1",
            kind=kind,
            at=at,
            direction="incoming",
            caller="0442067222",
            extension=extension,
        )

    crm.telephony.handle(ring("202"))
    crm.telephony.handle(ring("202"))  # replayed: already shown
    crm.telephony.handle(ring("203"))  # a second phone of the hunt group
    crm.telephony.handle(ring("202", "answered"))
    assert [(pop["client"]["name"], pop["number"]) for pop in shown] == [
        ("ПДВ", "0442067222"),
        ("ПДВ", "0442067222"),
    ]
    assert [pop["employee"] and pop["employee"]["code"] for pop in shown] == ["2", None]
