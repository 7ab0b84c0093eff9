"""A throwaway Dovecot IMAP server on loopback, when Debian's Dovecot is installed.

Dovecot runs in the foreground from a temporary directory with a
configuration of its own: one user ``crm`` (password ``secret``) whose
Maildir the tests fill with :meth:`DovecotServer.deliver`, STARTTLS with a
certificate of the ``smtp_server`` test authority.  Its login and mail
processes run as Dovecot's own unprivileged users, so the master runs as
root; where Dovecot or root is missing, :func:`dovecot_server` skips the test
saying why.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from smtp_server import certificate_authority, client_ssl_context

__all__ = ["DovecotServer", "dovecot_server"]

DOVECOT = Path("/usr/sbin/dovecot")

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@attrs.define
class DovecotServer:
    host: str
    port: int
    maildir: Path
    ssl_context: ssl.SSLContext
    delivered: int = 0

    def deliver(self, data: bytes) -> None:
        """Put a message in the user's INBOX, as a delivery agent does."""
        self.delivered += 1
        name = f"{time.time_ns()}.{self.delivered}.crmcore-test"
        path = self.maildir / "new" / name
        path.write_bytes(data)
        user = pwd.getpwnam("dovecot")
        os.chown(path, user.pw_uid, user.pw_gid)


@contextlib.contextmanager
def dovecot_server() -> Iterator[DovecotServer]:
    """A running Dovecot with an empty INBOX; stopped and removed at the end."""
    if not DOVECOT.exists():
        pytest.skip(f"Dovecot is not installed ({DOVECOT}; Debian: apt-get install dovecot-imapd)")
    if os.geteuid() != 0:
        pytest.skip("Dovecot's master process must run as root to start its unprivileged users")
    user = pwd.getpwnam("dovecot")
    root = Path(tempfile.mkdtemp(prefix="crmcore-dovecot-"))
    root.chmod(0o755)  # the mail processes run as "dovecot" and must reach the Maildir
    port = _free_port()
    maildir = root / "home" / "crm" / "Maildir"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    for folder in (root / "home", root / "home" / "crm", maildir, *maildir.iterdir()):
        os.chown(folder, user.pw_uid, user.pw_gid)
    for folder in ("run", "state"):
        (root / folder).mkdir()
    leaf = certificate_authority().issue_cert("127.0.0.1", "localhost")
    leaf.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    leaf.private_key_pem.write_to_path(str(root / "key.pem"))
    (root / "users").write_text("crm:{PLAIN}secret\n", encoding="utf-8")
    config = root / "dovecot.conf"
    config.write_text(_CONFIG.format(root=root, port=port), encoding="utf-8")
    process = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Dovecot did not start: {log}")
            time.sleep(0.05)
        yield DovecotServer("127.0.0.1", port, maildir, client_ssl_context())
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
