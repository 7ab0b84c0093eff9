"""A loopback server that speaks AMI and replays transcripts, for tests and demos.

No Asterisk runs here: :class:`ReplayServer` greets, checks the login,
answers ``Originate`` (and queues the transcript of the call it starts),
and sends the events of the transcripts it was given, in order, to every
event session.  It can drop the connection in the middle of a message and,
on the next connection, send again the last events it sent (as a PBX
restarted behind a proxy might): what a client must survive.

A transcript is a text file of AMI messages as Asterisk writes them,
separated by blank lines; lines starting with ``#`` are comments.
``{call_ref}`` in an originate transcript stands for the ChannelId of the
Originate action that starts it.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterable
from types import TracebackType

from crmcore_asterisk_ami.protocol import FrameReader, encode

__all__ = ["ReplayServer", "read_transcript"]

BANNER = b"Asterisk Call Manager/9.0.0\r\n"


def read_transcript(text: str) -> list[str]:
    """The messages of a transcript, each as the text of one AMI block.

    Example:
        >>> read_transcript("# a call\\nEvent: Newchannel\\nUniqueid: 1\\n\\nEvent: Hangup\\n")
        ['Event: Newchannel\\r\\nUniqueid: 1\\r\\n\\r\\n', 'Event: Hangup\\r\\n\\r\\n']
    """
    blocks, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("#"):
            continue
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("\r\n".join(current) + "\r\n\r\n")
            current = []
    return blocks


class ReplayServer:
    """An AMI server on 127.0.0.1 that replays transcripts.

    Args:
        events: transcripts (their text) whose events every event session gets.
        originate: the transcript an accepted ``Originate`` starts, or None.
        refuse_originate: answer ``Originate`` with an error.
        drop_after: drop the first event session after this many events,
            in the middle of the next one.
        resend: how many events already sent a new event session gets again.
    """

    def __init__(
        self,
        events: Iterable[str] = (),
        *,
        username: str = "crmcore",
        secret: str = "s3cret",
        originate: str | None = None,
        refuse_originate: bool = False,
        drop_after: int | None = None,
        resend: int = 0,
    ) -> None:
        self.username, self.secret = username, secret
        self.originate, self.refuse_originate = originate, refuse_originate
        self.drop_after, self.resend = drop_after, resend
        self.queue: list[str] = [block for text in events for block in read_transcript(text)]
        self.sent = 0
        self.actions: list[dict[str, str]] = []
        self.sessions = 0
        self._lock = threading.Condition()
        self._stopping = False
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def exhausted(self) -> bool:
        with self._lock:
            return self.sent >= len(self.queue)

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server._serve(self.request)

        return Handler

    def _serve(self, sock: socket.socket) -> None:
        sock.sendall(BANNER)
        reader = FrameReader()
        reader.banner = "client"
        while True:
            data = sock.recv(4096)
            if not data:
                return
            for action in reader.feed(data):
                with self._lock:
                    self.actions.append(action)
                if not self._answer(sock, action):
                    return

    def _answer(self, sock: socket.socket, action: dict[str, str]) -> bool:
        name = action.get("Action", "").lower()
        reply = {"ActionID": action.get("ActionID", "")}
        if name == "login":
            if (action.get("Username"), action.get("Secret")) != (self.username, self.secret):
                sock.sendall(
                    encode({"Response": "Error", **reply, "Message": "Authentication failed"})
                )
                return False
            sock.sendall(
                encode({"Response": "Success", **reply, "Message": "Authentication accepted"})
            )
            if action.get("Events", "on").lower() != "off":
                self._push_events(sock)
                return False
            return True
        if name == "originate":
            if self.refuse_originate:
                sock.sendall(encode({"Response": "Error", **reply, "Message": "Originate failed"}))
                return True
            sock.sendall(
                encode({"Response": "Success", **reply, "Message": "Originate successfully queued"})
            )
            if self.originate is not None:
                blocks = read_transcript(self.originate.replace("{call_ref}", action["ChannelId"]))
                with self._lock:
                    self.queue.extend(blocks)
                    self._lock.notify_all()
            return True
        if name in ("hangup", "redirect"):
            sock.sendall(encode({"Response": "Success", **reply, "Message": "Channel found"}))
            return True
        if name == "logoff":
            sock.sendall(
                encode({"Response": "Goodbye", **reply, "Message": "Thanks for all the fish."})
            )
            return False
        sock.sendall(encode({"Response": "Error", **reply, "Message": "Invalid/unknown command"}))
        return True

    def _push_events(self, sock: socket.socket) -> None:
        with self._lock:
            self.sessions += 1
            first = self.sessions == 1
            position = max(0, self.sent - (0 if first else self.resend))
        sent_here = 0
        while True:
            with self._lock:
                while position >= len(self.queue) and not self._stopping:
                    self._lock.wait(0.2)
                if self._stopping:
                    return
                block = self.queue[position]
            if first and self.drop_after is not None and sent_here == self.drop_after:
                sock.sendall(block.encode()[: len(block) // 2])
                sock.close()
                return
            try:
                sock.sendall(block.encode())
            except OSError:
                return
            position += 1
            sent_here += 1
            with self._lock:
                self.sent = max(self.sent, position)
