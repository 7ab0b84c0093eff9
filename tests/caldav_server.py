"""A throwaway Radicale CalDAV server for the test suite.

The server runs as a subprocess (``python -m radicale``) from a fresh
temporary directory holding its configuration, its password file and its
collections.  It listens only on 127.0.0.1 on a free port, knows one user,
:data:`USERNAME` with the non-ASCII password :data:`PASSWORD`, and lets each
user reach only their own collections (``[rights] type = owner_only``).  The
server is stopped and its directory removed when the context manager exits.

Use it as a context manager::

    from caldav_server import radicale_server

    with radicale_server() as server:
        ...  # server.url == "http://127.0.0.1:PORT/", server.home == server.url + "iryna/"

Outside a test run it also works as a script that keeps a server running
until Ctrl-C::

    python tests/caldav_server.py

When Radicale is not installed, :func:`radicale_server` skips the calling test.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import attrs
import pytest

__all__ = ["PASSWORD", "USERNAME", "RadicaleServer", "ServerError", "radicale_server"]

#: The one user the server knows.
USERNAME = "iryna"
#: Her password: non-ASCII on purpose, so clients must send it as UTF-8.
PASSWORD = "секрет-42"
#: Seconds to wait for the server to answer HTTP.
START_TIMEOUT = 30.0


class ServerError(RuntimeError):
    """The throwaway server could not be started."""


@attrs.frozen(kw_only=True)
class RadicaleServer:
    """Where the running server is and how to log in to it."""

    url: str
    """Base URL with a trailing slash, e.g. ``http://127.0.0.1:5232/``."""
    username: str
    password: str
    storage: Path
    """The folder Radicale keeps its collections in."""

    @property
    def home(self) -> str:
        """The user's principal URL, which is also her calendar home."""
        return f"{self.url}{self.username}/"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config(base: Path, port: int) -> str:
    return "\n".join(
        [
            "[server]",
            f"hosts = 127.0.0.1:{port}",
            "",
            "[auth]",
            "type = htpasswd",
            f"htpasswd_filename = {base / 'users'}",
            "htpasswd_encryption = plain",
            # Radicale waits this long after a wrong password; the suite tries one on purpose.
            "delay = 0.01",
            "",
            "[rights]",
            "type = owner_only",
            "",
            "[storage]",
            f"filesystem_folder = {base / 'collections'}",
            "",
            "[web]",
            "type = none",
            "",
            "[logging]",
            "level = warning",
            "",
        ]
    )


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("OPTIONS", "/")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


def _wait_until_answering(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(port):
        if process.poll() is not None:
            raise ServerError(
                f"Radicale exited with code {process.returncode} before answering:\n"
                f"{log.read_text(errors='replace')}"
            )
        if time.monotonic() >= deadline:
            raise ServerError(
                f"Radicale did not answer on 127.0.0.1:{port} within {START_TIMEOUT:.0f} s:\n"
                f"{log.read_text(errors='replace')}"
            )
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def radicale_server() -> Iterator[RadicaleServer]:
    """Run a fresh Radicale server for the duration of the ``with`` block.

    Skips the calling test when Radicale is not installed; raises
    :class:`ServerError` if it is installed but does not start.
    """
    if importlib.util.find_spec("radicale") is None:
        pytest.skip("Radicale is not installed (pip install radicale) to serve CalDAV tests")

    base = Path(tempfile.mkdtemp(prefix="crmcore-radicale-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        port = _free_port()
        (base / "collections").mkdir()
        (base / "users").write_text(f"{USERNAME}:{PASSWORD}\n", encoding="utf-8")
        config = base / "config"
        config.write_text(_config(base, port), encoding="utf-8")
        log = base / "server.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "radicale", "--config", str(config)],
                cwd=base,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        _wait_until_answering(process, port, log)
        yield RadicaleServer(
            url=f"http://127.0.0.1:{port}/",
            username=USERNAME,
            password=PASSWORD,
            storage=base / "collections",
        )
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(base, ignore_errors=True)


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Start a server, print where it is and keep it running until interrupted."""
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        with radicale_server() as server:
            print(f"{server.home} user {server.username!r} password {server.password!r}")
            print("Radicale is running; press Ctrl-C to stop it.", file=sys.stderr, flush=True)
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
