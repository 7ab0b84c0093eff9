"""Attachment stores: content-addressed blobs on the filesystem or in memory.

Both implement :class:`crmcore.ports.BlobStore`.  A blob's name is the sha256
of its content, so storing the same bytes twice keeps them once, and a name
is checked to be exactly 64 lowercase hex digits before it ever becomes a
path: nothing a caller passes can reach outside the store.

The builtin ``crmcore_blob_store`` hook answers ``file:///absolute/dir`` and
``memory://`` URLs.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit
from urllib.request import url2pathname

from crmcore.errors import NotFound, StorageError, ValidationError
from crmcore.hookspecs import hookimpl
from crmcore.ports import BlobInfo

__all__ = ["CHUNK_SIZE", "FilesystemBlobStore", "MemoryBlobStore", "Readable"]

#: How much ``put`` asks a stream for at once: bounds the memory a put needs,
#: however large the content.
CHUNK_SIZE = 1024 * 1024

# fullmatch, not match with "$": "$" also matches before a trailing newline.
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Readable(Protocol):
    """What ``put`` reads from: anything with ``read(size)`` returning bytes.

    A file opened in binary mode, ``io.BytesIO``, an upload object of a web
    framework; ``read`` may return fewer bytes than asked and ``b""`` at the end.
    """

    def read(self, size: int, /) -> bytes: ...


def _check_sha256(sha256: object) -> str:
    """``sha256`` unchanged if it is 64 lowercase hex digits, else ``ValidationError``."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValidationError("sha256", "must be 64 lowercase hex digits")
    return sha256


def _chunks(stream: Readable) -> Iterator[bytes]:
    """The content of ``stream`` in chunks of at most ``CHUNK_SIZE`` bytes.

    Raises:
        ValidationError: ``"content"`` if the stream yields anything but bytes.
    """
    while True:
        # Typed as object: a text stream (or a non-blocking raw one answering
        # None) breaks the protocol at run time, and that must be a clear error
        # rather than a TypeError from deep inside hashlib.
        chunk: object = stream.read(CHUNK_SIZE)
        if isinstance(chunk, bytearray):
            chunk = bytes(chunk)
        if not isinstance(chunk, bytes):
            raise ValidationError(
                "content",
                "must be read as bytes (open the file in binary mode), "
                f"but the stream returned {type(chunk).__name__}",
            )
        if not chunk:
            return
        yield chunk


def _fsync_directory(directory: Path) -> None:
    """Make a rename inside ``directory`` survive a crash.

    ``os.replace`` is atomic but not durable until the directory entry is on
    disk; a record committed after ``put`` returns must never point at a blob
    the crash took away.  Windows cannot open a directory, and does not need to.
    """
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FilesystemBlobStore:
    """Blobs as files under ``root``, at ``root/ab/cd/abcd...`` by their sha256.

    Content is written to ``root/tmp/`` first and renamed into place only when
    complete and on disk, so a blob file is always whole.  The two levels of
    two hex digits keep directories small (65,536 of them at most).  Nothing
    is created until the first ``put``.

    Args:
        root: the directory of the store; a relative path is taken relative to
            the current directory, once, here.
    """

    def __init__(self, root: Path) -> None:
        self._root = Path(root).resolve()

    @property
    def root(self) -> Path:
        """The store's directory, absolute."""
        return self._root

    @property
    def url(self) -> str:
        return f"file://{self._root}"

    def put(self, stream: Readable) -> BlobInfo:
        """Store what ``stream`` yields, reading ``CHUNK_SIZE`` bytes at a time.

        Args:
            stream: where to read the content from, up to its end.

        Returns:
            The content's sha256 and size.

        Raises:
            ValidationError: ``"content"`` if the stream yields text, not bytes.
            OSError: the filesystem failed; no temporary file is left behind.
        """
        tmp_dir = self._root / "tmp"
        # 0o700: a half-written attachment is nobody else's business.
        tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="put-", suffix=".part")
        tmp_path = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as tmp_file:
                for chunk in _chunks(stream):
                    digest.update(chunk)
                    tmp_file.write(chunk)
                    size += len(chunk)
                tmp_file.flush()
                os.fsync(tmp_file.fileno())
            sha256 = digest.hexdigest()
            final = self._path(sha256)
            if final.exists():
                # The same content is there already: keep one copy.
                tmp_path.unlink()
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                # Atomic: a concurrent put of the same content just replaces
                # the file with identical bytes, and readers never see a part.
                os.replace(tmp_path, final)
                _fsync_directory(final.parent)
        except BaseException:
            # Also on KeyboardInterrupt: a temp file is never useful afterwards.
            tmp_path.unlink(missing_ok=True)
            raise
        return BlobInfo(sha256, size)

    def open(self, sha256: str) -> BinaryIO:
        """The content stored under ``sha256``, as a binary file opened for reading.

        Raises:
            ValidationError: ``"sha256"`` is not 64 lowercase hex digits.
            NotFound: no content is stored under it.
        """
        path = self._path(sha256)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise NotFound("attachment content", sha256) from None

    def exists(self, sha256: str) -> bool:
        """Whether content is stored under ``sha256`` (``ValidationError`` if malformed)."""
        return self._path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove the content stored under ``sha256``; no error if there is none.

        Empty shard directories stay: another put may need them any moment, and
        removing them would race with it.
        """
        self._path(sha256).unlink(missing_ok=True)

    def _path(self, sha256: str) -> Path:
        """Where content named ``sha256`` lives, after checking the name."""
        name = _check_sha256(sha256)
        path = (self._root / name[:2] / name[2:4] / name).resolve()
        # Second guard, should the check above ever be loosened: also catches a
        # shard directory that is a symlink pointing out of the store.
        if not path.is_relative_to(self._root):
            raise StorageError(f"the attachment path for {name} leads outside {self._root}")
        return path


class MemoryBlobStore:
    """Blobs in this process's memory; gone when the process ends.

    Args:
        name: shown in ``url``; the ``memory://NAME`` URL of the builtin hook.
    """

    def __init__(self, name: str = "") -> None:
        self._name = name
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"memory://{self._name}"

    def put(self, stream: Readable) -> BlobInfo:
        """Store what ``stream`` yields; see :meth:`FilesystemBlobStore.put`."""
        digest = hashlib.sha256()
        parts: list[bytes] = []
        for chunk in _chunks(stream):
            digest.update(chunk)
            parts.append(chunk)
        content = b"".join(parts)
        sha256 = digest.hexdigest()
        with self._lock:
            # setdefault: a second put of the same content keeps the first copy.
            self._blobs.setdefault(sha256, content)
        return BlobInfo(sha256, len(content))

    def open(self, sha256: str) -> BinaryIO:
        """The content stored under ``sha256``, as a new ``io.BytesIO``.

        Raises:
            ValidationError: ``"sha256"`` is not 64 lowercase hex digits.
            NotFound: no content is stored under it.
        """
        name = _check_sha256(sha256)
        with self._lock:
            content = self._blobs.get(name)
        if content is None:
            raise NotFound("attachment content", sha256)
        return io.BytesIO(content)

    def exists(self, sha256: str) -> bool:
        """Whether content is stored under ``sha256`` (``ValidationError`` if malformed)."""
        name = _check_sha256(sha256)
        with self._lock:
            return name in self._blobs

    def delete(self, sha256: str) -> None:
        """Forget the content stored under ``sha256``; no error if there is none."""
        name = _check_sha256(sha256)
        with self._lock:
            self._blobs.pop(name, None)


_named: dict[str, MemoryBlobStore] = {}
_named_lock = threading.Lock()


def _filesystem_root(url: str) -> Path:
    """The directory a ``file:`` URL names; ``StorageError`` unless local and absolute."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise StorageError(
            f"{url!r}: an attachment folder must be local and absolute, "
            f"like 'file:///srv/crm/attachments' (three slashes), not on host {parts.netloc!r}"
        )
    if parts.query or parts.fragment:
        raise StorageError(f"{url!r}: a file URL for attachments takes no '?' or '#' part")
    root = Path(url2pathname(parts.path))
    if not parts.path or not root.is_absolute():
        raise StorageError(
            f"{url!r}: an attachment folder must be an absolute path, "
            "like 'file:///srv/crm/attachments' (three slashes)"
        )
    return root


@hookimpl(trylast=True)
def crmcore_blob_store(url: str) -> FilesystemBlobStore | MemoryBlobStore | None:
    """``file:///absolute/dir`` stores files there; ``memory://`` is a new private
    store and ``memory://NAME`` one shared by every call with that name in this
    process.  Other schemes are not ours."""
    if url.startswith("memory:"):
        name = url.removeprefix("memory:").removeprefix("//")
        if not name:
            return MemoryBlobStore()
        with _named_lock:
            store = _named.get(name)
            if store is None:
                store = _named[name] = MemoryBlobStore(name)
            return store
    if url.startswith("file:"):
        return FilesystemBlobStore(_filesystem_root(url))
    return None
