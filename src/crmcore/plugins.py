"""The plugin manager: crmcore's default plugins plus installed and host plugins.

Installed plugins are found through the ``crmcore`` entry-point group.  The
environment variable ``CRMCORE_LOAD_PLUGINS`` limits which of them load: unset
loads all, an empty value loads none, ``"a,b"`` loads the entry points (or
distributions) named ``a`` and ``b``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Iterable
from functools import cache

import pluggy

from crmcore import hookspecs
from crmcore.errors import PluginError

__all__ = ["DEFAULT_PLUGINS", "ENTRY_POINT_GROUP", "installed_plugins", "plugin_manager"]

ENTRY_POINT_GROUP = "crmcore"

#: Modules with crmcore's own hook implementations, all ``trylast``.
DEFAULT_PLUGINS = (
    "crmcore.builtins",
    "crmcore.adapters.memory",
    "crmcore.adapters.sqlalchemy",
    "crmcore.adapters.blobs",
)


def _wanted(entry_point: importlib.metadata.EntryPoint) -> bool:
    setting = os.environ.get("CRMCORE_LOAD_PLUGINS")
    if setting is None:
        return True
    names = {name.strip() for name in setting.split(",") if name.strip()}
    distribution = entry_point.dist.name if entry_point.dist is not None else None
    return entry_point.name in names or distribution in names


@cache
def _load_entry_point(entry_point: importlib.metadata.EntryPoint) -> object:
    try:
        return entry_point.load()
    except Exception as error:
        raise PluginError(
            f"the crmcore plugin {entry_point.name!r} ({entry_point.value}) failed to load: {error}"
        ) from error


def installed_plugins() -> list[tuple[str, object]]:
    """The ``(name, plugin)`` pairs of installed plugins that ``CRMCORE_LOAD_PLUGINS`` admits."""
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return [
        (ep.name, _load_entry_point(ep))
        for ep in sorted(found, key=lambda e: e.name)
        if _wanted(ep)
    ]


def plugin_manager(extra: Iterable[object] = ()) -> pluggy.PluginManager:
    """A new plugin manager with the default, the installed and the ``extra`` plugins.

    Each ``crmcore.open`` gets its own manager, so plugins passed to one CRM
    never leak into another.
    """
    manager = pluggy.PluginManager("crmcore")
    manager.add_hookspecs(hookspecs)
    for module_name in DEFAULT_PLUGINS:
        manager.register(importlib.import_module(module_name), name=module_name)
    for name, plugin in installed_plugins():
        if manager.is_registered(plugin):
            continue
        manager.register(plugin, name=f"entrypoint:{name}")
    for plugin in extra:
        if not manager.is_registered(plugin):
            manager.register(plugin)
    return manager
