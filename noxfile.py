"""Build, test and check crmcore: ``python3 -m pip install nox && python3 -m nox``.

Every session uses the Python interpreter that runs nox.  ``nox -l`` lists the
sessions; ``nox -s NAME -- ARGS`` passes ARGS on to the session's main tool.

Environment variables read here:

``CRMCORE_TEST_POSTGRESQL``
    SQLAlchemy URL of a PostgreSQL database to test against.  When unset,
    ``tests_postgresql`` and ``bench`` start a throwaway server of their own
    (see ``tests/postgresql_server.py``).
``CRMCORE_REQUIRE_POSTGRESQL``
    When ``1``, ``tests_postgresql`` fails instead of skipping if no server
    can be had.
``CRMCORE_BENCH_POSTGRESQL``
    SQLAlchemy URL of the database ``bench`` measures; defaults to the one
    above.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import cast

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = [
    "lint",
    "typecheck",
    "layers",
    "tests",
    "tests_postgresql",
    "docs",
    "examples",
]

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
EXAMPLES = ROOT / "examples"
EXAMPLE_PLUGIN = EXAMPLES / "crmcore-example-plugin"
#: Plugin packages under examples/, each with its own pyproject.toml and tests.
EXAMPLE_PACKAGES = (
    EXAMPLE_PLUGIN,
    EXAMPLES / "crmcore-sms-gateway",
    EXAMPLES / "crmcore-asterisk-ami",
    EXAMPLES / "crmcore-pbx-webhook",
)
SERVER_MODULE = ROOT / "tests" / "postgresql_server.py"

# Doctests import the installed package.  These modules must not be imported
# outside their own context: Alembic's environment script runs migrations at
# import time, and __main__ runs the command line.  The patterns are absolute
# because pytest anchors relative ones at the working directory ("*" matches
# "/" too).
DOCTEST_IGNORES = ("/*/env.py", "/*/__main__.py")


def _groups(*names: str) -> tuple[str, ...]:
    """The requirements of the named [dependency-groups] in pyproject.toml."""
    return nox.project.dependency_groups(PYPROJECT, *names)


def _example_plugin() -> list[str]:
    """The example plugin packages as install arguments."""
    return [str(package) for package in EXAMPLE_PACKAGES if package.is_dir()]


def _flag(name: str) -> bool:
    """True if the environment variable *name* is set to a yes-like value."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _install_for_tests(session: nox.Session) -> None:
    """Install the built project, the test group and the example plugin in one go."""
    session.install(".[analysis,plot,testing,caldav]", *_groups("test"), *_example_plugin())


# ---------------------------------------------------------------- PostgreSQL


def _server_module() -> ModuleType:
    """tests/postgresql_server.py; it is stdlib only, so nox's own Python can load it."""
    name = "crmcore_tests_postgresql_server"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, SERVER_MODULE)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


def _find_server_binaries() -> Path | None:
    find = cast("Callable[[], Path | None]", _server_module().find_server_binaries)
    return find()


@contextlib.contextmanager
def _throwaway_server(session: nox.Session, bindir: Path) -> Iterator[str]:
    """Run a throwaway PostgreSQL server from *bindir*; yield its URL."""
    module = _server_module()
    server_error = cast("type[Exception]", module.ServerError)
    start = cast(
        "Callable[[Path], contextlib.AbstractContextManager[str]]", module.throwaway_server
    )
    session.log(f"Starting a throwaway PostgreSQL server from {bindir}")
    try:
        with start(bindir) as url:
            session.log(f"PostgreSQL is up: {url}")
            yield url
    except server_error as exc:
        session.error(f"PostgreSQL: {exc}")
    session.log("PostgreSQL stopped")


# ---------------------------------------------------------------- sessions


@nox.session(python=None)
def lint(session: nox.Session) -> None:
    """Check code style and formatting with ruff."""
    session.install(*_groups("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=None)
def typecheck(session: nox.Session) -> None:
    """Type-check the package (strict mypy) and the build scripts."""
    session.install(".[analysis,plot,postgresql,caldav]", *_groups("typecheck"))
    session.run("mypy", "src/crmcore")
    session.run("mypy", "noxfile.py", "tests/postgresql_server.py")


@nox.session(python=None)
def layers(session: nox.Session) -> None:
    """Check the import contracts between the package's layers."""
    session.install(".", *_groups("layers"))
    session.run("lint-imports")


@nox.session(python=None)
def tests(session: nox.Session) -> None:
    """Run the tests on the memory and SQLite backends, then the doctests."""
    _install_for_tests(session)
    session.run(
        "pytest",
        "-m",
        "not postgresql",
        *session.posargs,
        env={"CRMCORE_TEST_BACKENDS": "memory,sqlite"},
    )
    ignores = [f"--ignore-glob={pattern}" for pattern in DOCTEST_IGNORES]
    session.run("pytest", "--doctest-modules", *ignores, "--pyargs", "crmcore")


@nox.session(python=None)
def tests_postgresql(session: nox.Session) -> None:
    """Run the PostgreSQL tests against a real server (a throwaway one unless given)."""
    url = os.environ.get("CRMCORE_TEST_POSTGRESQL", "")
    bindir = None if url else _find_server_binaries()
    if not url and bindir is None:
        message = (
            "No PostgreSQL: CRMCORE_TEST_POSTGRESQL is unset and no server binaries "
            "(initdb, pg_ctl, postgres) were found; install them "
            "(Debian: apt-get install postgresql) or point CRMCORE_TEST_POSTGRESQL "
            "at a database"
        )
        if _flag("CRMCORE_REQUIRE_POSTGRESQL"):
            session.error(message)
        session.skip(message)

    _install_for_tests(session)
    with contextlib.ExitStack() as stack:
        if bindir is not None:
            url = stack.enter_context(_throwaway_server(session, bindir))
        session.run(
            "pytest",
            "-m",
            "postgresql",
            *session.posargs,
            env={"CRMCORE_TEST_BACKENDS": "postgresql", "CRMCORE_TEST_POSTGRESQL": url},
        )


@nox.session(python=None)
def docs(session: nox.Session) -> None:
    """Build the HTML documentation, treating every warning as an error."""
    session.install(".", *_groups("docs"))
    session.run(
        "sphinx-build", "-W", "--keep-going", "-E", "-b", "html", "docs", "docs/_build/html"
    )


@nox.session(python=None)
def examples(session: nox.Session) -> None:
    """Run every examples/*.py script and the example plugin packages' own tests."""
    session.install(".[analysis,plot,testing]", *_example_plugin())
    scripts = sorted(EXAMPLES.glob("*.py"))
    env = {"MPLBACKEND": "Agg"}
    with (
        tempfile.TemporaryDirectory(prefix="crmcore-examples-") as workdir,
        session.chdir(workdir),
    ):
        for script in scripts:
            session.run("python", str(script), env=env)
    for package in EXAMPLE_PACKAGES:
        if (package / "tests").is_dir():
            with session.chdir(package):
                session.run("pytest", "tests", env=env)


@nox.session(python=None)
def bench(session: nox.Session) -> None:
    """Run the benchmarks; pass options after --, e.g. ``nox -s bench -- --quick``."""
    session.install(".[postgresql]")
    url = os.environ.get("CRMCORE_BENCH_POSTGRESQL") or os.environ.get(
        "CRMCORE_TEST_POSTGRESQL", ""
    )
    bindir = None if url else _find_server_binaries()
    if not url and bindir is None:
        session.warn("No PostgreSQL server binaries found: benchmarking without PostgreSQL")
    with contextlib.ExitStack() as stack:
        if bindir is not None:
            url = stack.enter_context(_throwaway_server(session, bindir))
        env = {"CRMCORE_BENCH_POSTGRESQL": url} if url else {}
        session.run("python", str(ROOT / "benchmarks" / "run.py"), *session.posargs, env=env)
