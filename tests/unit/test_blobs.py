"""Attachment stores: content addressing, streaming, hostile names, the builtin hook."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path

import pytest

from crmcore.adapters.blobs import CHUNK_SIZE, FilesystemBlobStore, MemoryBlobStore
from crmcore.errors import NotFound, StorageError, ValidationError
from crmcore.plugins import plugin_manager
from crmcore.ports import BlobInfo, BlobStore

HELLO = "Привіт, світ!\n".encode()
HELLO_SHA256 = hashlib.sha256(HELLO).hexdigest()


@pytest.fixture(params=["filesystem", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "filesystem":
        return FilesystemBlobStore(tmp_path / "blobs")
    return MemoryBlobStore()


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class LazyReader:
    """Produces ``total`` pseudo-random-looking bytes on demand, never holding more
    than one requested chunk, and records the largest ``read`` asked for."""

    def __init__(self, total: int) -> None:
        self.remaining = total
        self.max_requested = 0
        self.expected = hashlib.sha256()
        self._counter = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            raise AssertionError("the store asked for everything at once")
        self.max_requested = max(self.max_requested, size)
        size = min(size, self.remaining)
        # A block derived from a counter, so chunks differ and nothing is cached.
        block = hashlib.sha256(self._counter.to_bytes(8, "big")).digest()
        self._counter += 1
        data = (block * (size // len(block) + 1))[:size]
        self.remaining -= size
        self.expected.update(data)
        return data


class FailingReader:
    """Yields a few chunks, then fails like a dropped upload connection."""

    def __init__(self, good_chunks: int) -> None:
        self._left = good_chunks

    def read(self, size: int = -1) -> bytes:
        if self._left == 0:
            raise ConnectionResetError("upload interrupted")
        self._left -= 1
        return b"x" * size


class TextReader:
    def read(self, size: int = -1) -> str:
        return "text, not bytes"


# --- the contract, on both stores -------------------------------------------


def test_round_trip(store: BlobStore) -> None:
    info = store.put(io.BytesIO(HELLO))
    assert info == BlobInfo(HELLO_SHA256, len(HELLO))
    assert store.exists(info.sha256)
    with store.open(info.sha256) as stored:
        assert stored.read() == HELLO


def test_size_and_sha256_match_hashlib(store: BlobStore) -> None:
    content = bytes(range(256)) * 5000 + b"tail"  # more than one chunk
    info = store.put(io.BytesIO(content))
    assert info.sha256 == hashlib.sha256(content).hexdigest()
    assert info.size == len(content)


def test_empty_content_is_a_blob_too(store: BlobStore) -> None:
    info = store.put(io.BytesIO(b""))
    assert info == BlobInfo(hashlib.sha256(b"").hexdigest(), 0)
    with store.open(info.sha256) as stored:
        assert stored.read() == b""


def test_delete_forgets_and_is_quiet_when_absent(store: BlobStore) -> None:
    info = store.put(io.BytesIO(HELLO))
    store.delete(info.sha256)
    assert not store.exists(info.sha256)
    store.delete(info.sha256)
    with pytest.raises(NotFound, match="attachment content") as caught:
        store.open(info.sha256)
    assert caught.value.key == info.sha256


@pytest.mark.parametrize(
    "hostile",
    [
        "../../etc/passwd",
        HELLO_SHA256.upper(),
        HELLO_SHA256[:63],
        HELLO_SHA256 + "0",
        HELLO_SHA256[:30] + "/" + HELLO_SHA256[31:],
        "../" + HELLO_SHA256[3:],
        HELLO_SHA256 + "\n",
        "",
    ],
)
@pytest.mark.parametrize("method", ["open", "exists", "delete"])
def test_malformed_sha256_is_refused(store: BlobStore, hostile: str, method: str) -> None:
    store.put(io.BytesIO(HELLO))
    with pytest.raises(ValidationError, match="64 lowercase hex digits") as caught:
        getattr(store, method)(hostile)
    assert caught.value.field == "sha256"
    assert store.exists(HELLO_SHA256)


def test_text_stream_is_refused(store: BlobStore) -> None:
    with pytest.raises(ValidationError, match="must be read as bytes") as caught:
        store.put(TextReader())  # type: ignore[arg-type]
    assert caught.value.field == "content"


def test_stream_error_propagates(store: BlobStore) -> None:
    with pytest.raises(ConnectionResetError):
        store.put(FailingReader(good_chunks=2))  # type: ignore[arg-type]


# --- the filesystem store ----------------------------------------------------


def test_files_are_sharded_by_sha256_and_url_names_the_root(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    assert not (tmp_path / "blobs").exists()  # nothing until the first put
    store.put(io.BytesIO(HELLO))
    blob = tmp_path / "blobs" / HELLO_SHA256[:2] / HELLO_SHA256[2:4] / HELLO_SHA256
    assert _files(tmp_path / "blobs") == [blob]
    assert blob.read_bytes() == HELLO
    assert (tmp_path / "blobs" / "tmp").stat().st_mode & 0o777 == 0o700
    assert store.url == f"file://{tmp_path / 'blobs'}"


def test_same_content_twice_is_stored_once(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    first = store.put(io.BytesIO(HELLO))
    second = store.put(io.BytesIO(HELLO))
    assert first == second
    assert len(_files(tmp_path)) == 1
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_large_stream_is_stored_chunk_by_chunk(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    reader = LazyReader(50 * 1024 * 1024)
    tracemalloc.start()
    try:
        info = store.put(reader)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reader.remaining == 0
    assert 0 < reader.max_requested <= CHUNK_SIZE
    assert peak < 10 * 1024 * 1024
    assert info == BlobInfo(reader.expected.hexdigest(), 50 * 1024 * 1024)
    assert (tmp_path / info.sha256[:2] / info.sha256[2:4] / info.sha256).stat().st_size == info.size


def test_no_temporary_file_is_left_when_the_stream_fails(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    with pytest.raises(ConnectionResetError):
        store.put(FailingReader(good_chunks=3))
    with pytest.raises(ValidationError):
        store.put(TextReader())  # type: ignore[arg-type]
    assert _files(tmp_path) == []


def test_a_shard_symlinked_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "blobs", tmp_path / "outside"
    (outside / HELLO_SHA256[2:4]).mkdir(parents=True)
    (outside / HELLO_SHA256[2:4] / HELLO_SHA256).write_bytes(b"planted")
    root.mkdir()
    (root / HELLO_SHA256[:2]).symlink_to(outside, target_is_directory=True)
    store = FilesystemBlobStore(root)
    with pytest.raises(StorageError, match="outside"):
        store.open(HELLO_SHA256)


def test_a_missing_blob_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        FilesystemBlobStore(tmp_path).open(HELLO_SHA256)


# --- the builtin hook --------------------------------------------------------


def _open(url: str) -> BlobStore | None:
    result: BlobStore | None = plugin_manager().hook.crmcore_blob_store(url=url)
    return result


def test_hook_opens_a_file_url_store(tmp_path: Path) -> None:
    store = _open(f"file://{tmp_path / 'att'}")
    assert isinstance(store, FilesystemBlobStore)
    assert store.root == tmp_path / "att"
    store.put(io.BytesIO(HELLO))
    reopened = _open(store.url)
    assert reopened is not None
    assert reopened.exists(HELLO_SHA256)


def test_hook_accepts_localhost_and_percent_escapes(tmp_path: Path) -> None:
    store = _open(f"file://localhost{tmp_path}/with%20space")
    assert isinstance(store, FilesystemBlobStore)
    assert store.root == tmp_path / "with space"


@pytest.mark.parametrize(
    "url", ["file://relative", "file://host/x", "file:relative/dir", "file://", "file:///x?y=1"]
)
def test_hook_refuses_file_urls_that_are_not_local_and_absolute(url: str) -> None:
    with pytest.raises(StorageError, match=repr(url).replace("?", r"\?")):
        _open(url)


def test_hook_memory_urls() -> None:
    private, other = _open("memory://"), _open("memory://")
    assert isinstance(private, MemoryBlobStore)
    assert private is not other
    shared = _open("memory://test-blobs-shared")
    assert isinstance(shared, MemoryBlobStore)
    assert shared.url == "memory://test-blobs-shared"
    shared.put(io.BytesIO(HELLO))
    again = _open("memory://test-blobs-shared")
    assert again is shared
    assert again.exists(HELLO_SHA256)


@pytest.mark.parametrize("url", ["s3://x", "", "sqlite:///x.sqlite", "filesystem:///x"])
def test_hook_leaves_other_schemes_alone(url: str) -> None:
    assert _open(url) is None
