"""Where attachment contents are stored: blob stores, content-addressed by sha256."""

from __future__ import annotations

from typing import BinaryIO, Protocol

import attrs

__all__ = ["BlobInfo", "BlobStore"]


@attrs.frozen
class BlobInfo:
    """What a blob store keeps a stored blob as: its sha256 (hex) and size in bytes."""

    sha256: str
    size: int


class BlobStore(Protocol):
    """Where attachment contents live, content-addressed by sha256.

    Attachment records (name, media type, owner) are stored by the
    :class:`Storage`; the store only keeps bytes.  A blob is written before its
    record is committed, so a crash can leave an unreferenced blob but never a
    record without its content; storing the same content twice stores it once.
    """

    @property
    def url(self) -> str:
        """Where the blobs live, for people."""

    def put(self, stream: BinaryIO) -> BlobInfo:
        """Store the content read from ``stream`` (in chunks: it may be larger than
        memory) and return its sha256 and size."""

    def open(self, sha256: str) -> BinaryIO:
        """The content stored under ``sha256``, for reading; ``NotFound`` if absent,
        ``ValidationError("sha256", ...)`` if it is not 64 lowercase hex digits."""

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None:
        """Forget a blob (no error if absent); callers make sure nothing refers to it."""
