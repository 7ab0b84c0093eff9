"""Sphinx configuration for the crmcore documentation.

Build with ``nox -s docs`` (or ``sphinx-build -W --keep-going -b html docs
docs/_build/html`` with crmcore and the ``docs`` dependency group installed).
Nothing here reaches the network.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _version() -> str:
    try:
        return importlib.metadata.version("crmcore")
    except importlib.metadata.PackageNotFoundError:
        with (_ROOT / "pyproject.toml").open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])


project = "crmcore"
author = "crmcore contributors"
copyright = "2026, crmcore contributors"
release = _version()
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "myst_parser",
]

root_doc = "index"
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
nitpicky = False

# -- autodoc / napoleon (Google-style docstrings)
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# -- MyST
myst_enable_extensions = ["colon_fence", "deflist"]
# Let pages link to each other's sections: [text](clients.md#merging).
myst_heading_anchors = 3

# -- HTML
html_theme = "alabaster"
html_title = f"crmcore {release}"
