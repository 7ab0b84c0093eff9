"""A throwaway PostgreSQL server for the test suite and the benchmarks.

The server lives in a fresh temporary directory, listens only on 127.0.0.1 on
a free port, trusts every local connection and trades durability for speed
(``fsync``, ``synchronous_commit`` and ``full_page_writes`` are off).  It is
stopped and its directory removed when the context manager exits.

PostgreSQL refuses to run as root; when this module runs as root, the server
runs as the ``postgres`` system user (which Debian's ``postgresql`` package
creates).

Use it as a context manager::

    from postgresql_server import throwaway_server

    with throwaway_server() as url:
        ...  # url == "postgresql+psycopg://postgres@127.0.0.1:PORT/crmcore_test"

or as a script, which starts a server, prints its URL and keeps it running
until Ctrl-C (or, with ``--find``, only prints where the server binaries are)::

    python tests/postgresql_server.py

Only the standard library is used, so the noxfile can load this module before
any virtual environment exists.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType

__all__ = [
    "DATABASE",
    "SERVER_USER",
    "ServerError",
    "find_server_binaries",
    "throwaway_server",
]

#: Name of the database created in the throwaway server.
DATABASE = "crmcore_test"
#: Database superuser, and the OS user the server runs as when we are root.
SERVER_USER = "postgres"
#: Seconds to wait for the server to accept connections.
START_TIMEOUT = 30.0

_REQUIRED_PROGRAMS = ("initdb", "pg_ctl", "postgres", "pg_isready", "createdb")
_DEBIAN_ROOT = Path("/usr/lib/postgresql")


class ServerError(RuntimeError):
    """The throwaway server could not be found, started or prepared."""


# ---------------------------------------------------------------- discovery


def find_server_binaries() -> Path | None:
    """Return the directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None.

    Looked up in order: ``pg_config --bindir``, the highest version under
    ``/usr/lib/postgresql/*/bin`` (Debian's layout), then the directory of an
    ``initdb`` found on ``PATH``.  A candidate counts only if every program
    this module runs is there; Debian's client-only packages ship a
    ``pg_config`` whose bindir has no server in it.
    """
    for candidate in _candidate_bindirs():
        if _is_server_bindir(candidate):
            return candidate
    return None


def _candidate_bindirs() -> Iterator[Path]:
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        try:
            result = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            )
        except (OSError, subprocess.SubprocessError):
            pass
        else:
            bindir = result.stdout.strip()
            if result.returncode == 0 and bindir:
                yield Path(bindir)

    if _DEBIAN_ROOT.is_dir():
        versions = [p for p in _DEBIAN_ROOT.iterdir() if (p / "bin").is_dir()]
        for version in sorted(versions, key=_version_key, reverse=True):
            yield version / "bin"

    initdb = shutil.which("initdb")
    if initdb is not None:
        yield Path(initdb).resolve().parent


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.name))


def _is_server_bindir(path: Path) -> bool:
    return all(
        (path / name).is_file() and os.access(path / name, os.X_OK) for name in _REQUIRED_PROGRAMS
    )


# ---------------------------------------------------------------- internals


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _as_server_user(command: Sequence[str]) -> list[str]:
    """Wrap *command* so that it runs as :data:`SERVER_USER` when we are root."""
    if not _running_as_root():
        return list(command)
    if shutil.which("runuser") is not None:
        return ["runuser", "-u", SERVER_USER, "--", *command]
    return ["su", SERVER_USER, "-s", "/bin/sh", "-c", shlex.join(command)]


def _clean_env() -> dict[str, str]:
    """The environment for PostgreSQL programs: no stray PG* settings, plain C messages."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


def _run(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    what: str,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            list(command),
            cwd=cwd,
            env=dict(env),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ServerError(f"{what} failed: {shlex.join(command)}: {exc}") from exc
    if result.returncode != 0:
        raise ServerError(
            f"{what} failed (exit {result.returncode}): {shlex.join(command)}\n"
            f"{result.stdout}{result.stderr}"
        )
    return result


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:])


def _everyone_can_traverse(path: Path) -> bool:
    """True if every directory from / down to *path* is searchable by other users."""
    for directory in [path, *path.parents]:
        try:
            mode = directory.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True


def _make_base_dir() -> Path:
    parent: str | None = None
    if _running_as_root() and not _everyone_can_traverse(Path(tempfile.gettempdir()).resolve()):
        # The server user must reach its data directory; /tmp always lets it.
        parent = "/tmp"
    base = Path(tempfile.mkdtemp(prefix="crmcore-pg-", dir=parent))
    base.chmod(0o755)
    if _running_as_root():
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            raise ServerError(
                f"running as root, but there is no {SERVER_USER!r} user to run PostgreSQL as"
            ) from None
        os.chown(base, account.pw_uid, account.pw_gid)
    return base


# ---------------------------------------------------------------- the server


def _initdb(bindir: Path, data: Path, base: Path, env: Mapping[str, str]) -> None:
    last_error: ServerError | None = None
    # C.UTF-8 is missing on some systems; plain C always exists.
    for locale in ("C.UTF-8", "C"):
        command = [
            str(bindir / "initdb"),
            "--auth=trust",
            f"--username={SERVER_USER}",
            "--encoding=UTF8",
            f"--locale={locale}",
            "--no-sync",
            f"--pgdata={data}",
        ]
        try:
            _run(_as_server_user(command), cwd=base, env=env, what="initdb")
        except ServerError as exc:
            last_error = exc
            shutil.rmtree(data, ignore_errors=True)
            continue
        return
    assert last_error is not None
    raise last_error


def _wait_until_ready(bindir: Path, port: int, base: Path, env: Mapping[str, str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    command = [
        str(bindir / "pg_isready"),
        "--host=127.0.0.1",
        f"--port={port}",
        f"--username={SERVER_USER}",
        "--dbname=postgres",
        "--timeout=1",
        "--quiet",
    ]
    while True:
        result = subprocess.run(
            command, cwd=base, env=dict(env), check=False, stdin=subprocess.DEVNULL
        )
        if result.returncode == 0:
            return
        if time.monotonic() >= deadline:
            raise ServerError(
                f"PostgreSQL did not accept connections on 127.0.0.1:{port} "
                f"within {START_TIMEOUT:.0f} s"
            )
        time.sleep(0.2)


def _stop(bindir: Path, data: Path, base: Path, env: Mapping[str, str]) -> None:
    for mode in ("fast", "immediate"):
        command = [str(bindir / "pg_ctl"), "stop", f"--pgdata={data}", f"--mode={mode}", "--wait"]
        try:
            _run(_as_server_user(command), cwd=base, env=env, what="pg_ctl stop", timeout=60)
        except ServerError:
            continue
        return


@contextlib.contextmanager
def throwaway_server(bindir: Path | None = None, database: str = DATABASE) -> Iterator[str]:
    """Run a fresh PostgreSQL server for the duration of the ``with`` block.

    Yields a SQLAlchemy URL such as
    ``postgresql+psycopg://postgres@127.0.0.1:54321/crmcore_test``.  Raises
    :class:`ServerError` if no server binaries are found (see
    :func:`find_server_binaries`) or the server cannot be started.
    """
    if bindir is None:
        bindir = find_server_binaries()
    if bindir is None:
        raise ServerError(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found; "
            "install them, e.g. `apt-get install postgresql` on Debian"
        )

    env = _clean_env()
    base = _make_base_dir()
    data = base / "data"
    log = base / "server.log"
    started = False
    try:
        _initdb(bindir, data, base, env)

        port = _free_port()
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c port={port}",
                f"-c unix_socket_directories={shlex.quote(str(base))}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        start = [
            str(bindir / "pg_ctl"),
            "start",
            f"--pgdata={data}",
            f"--log={log}",
            f"--options={options}",
            "--wait",
            f"--timeout={int(START_TIMEOUT)}",
        ]
        started = True  # from here on a (partly) started server must be stopped
        try:
            _run(_as_server_user(start), cwd=base, env=env, what="pg_ctl start")
            _wait_until_ready(bindir, port, base, env)
        except ServerError as exc:
            raise ServerError(f"{exc}\nserver log:\n{_tail(log)}") from exc

        _run(
            [
                str(bindir / "createdb"),
                "--host=127.0.0.1",
                f"--port={port}",
                f"--username={SERVER_USER}",
                database,
            ],
            cwd=base,
            env=env,
            what="createdb",
        )
        yield f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{port}/{database}"
    finally:
        if started:
            _stop(bindir, data, base, env)
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------- script


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Start a server, print its URL and keep it running until interrupted."""
    parser = argparse.ArgumentParser(
        description="Run a throwaway PostgreSQL server until Ctrl-C and print its URL."
    )
    parser.add_argument("--database", default=DATABASE, help="database to create")
    parser.add_argument(
        "--find",
        action="store_true",
        help="only print the directory of the server binaries; exit 1 if there is none",
    )
    args = parser.parse_args(argv)

    if args.find:
        bindir = find_server_binaries()
        if bindir is None:
            print("PostgreSQL server binaries not found", file=sys.stderr)
            return 1
        print(bindir)
        return 0

    # Explicitly, because a shell's background job starts with SIGINT ignored.
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        with throwaway_server(database=args.database) as url:
            print(url, flush=True)
            print("PostgreSQL is running; press Ctrl-C to stop it.", file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)
    except ServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
