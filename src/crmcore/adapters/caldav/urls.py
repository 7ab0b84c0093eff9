"""The URLs of a collection and its resources, spelled one way and kept on one server."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote, unquote, unquote_to_bytes, urljoin, urlsplit, urlunsplit

__all__ = [
    "absolute",
    "basename",
    "canonical_path",
    "default_href",
    "last_segment",
    "member_href",
]

# pchar of RFC 3986 besides the unreserved characters quote() always keeps.
_SEGMENT_SAFE = "!$&'()*+,;=:@"
# UIDs that can name their own resource as they are; others are hashed.
_PLAIN_UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}")


def canonical_path(path: str) -> str:
    """``path`` percent-encoded one way, whatever spelling the server used."""
    return "/".join(
        quote(unquote_to_bytes(segment), safe=_SEGMENT_SAFE) for segment in path.split("/")
    )


def last_segment(href: str) -> str:
    """The last segment of ``href``'s path, percent-decoded."""
    return unquote(urlsplit(href).path.rstrip("/").rpartition("/")[2])


def basename(href: str) -> str:
    """A resource's name without ``.ics``: the UID of an item whose data has none."""
    name = last_segment(href)
    return name.removesuffix(".ics") or name


def absolute(href: str, *, base: str, foreign_ok: bool = False) -> str:
    """``href`` as an absolute, canonically spelled URL.

    Unless ``foreign_ok``, the result stays on ``base``'s scheme, host and
    port whatever the server wrote, so a hostile answer cannot send the
    credentials elsewhere.  Discovery may move to another host (some
    providers keep calendars apart from principals), but never from
    https to http.
    """
    joined = urlsplit(urljoin(base, href))
    origin = urlsplit(base)
    path = canonical_path(joined.path or "/")
    keep_origin = not foreign_ok or (origin.scheme == "https" and joined.scheme != "https")
    if keep_origin or joined.scheme not in ("http", "https") or not joined.netloc:
        return urlunsplit((origin.scheme, origin.netloc, path, "", ""))
    return urlunsplit((joined.scheme, joined.netloc.rpartition("@")[2], path, "", ""))


def member_href(href: str, collection: str) -> str | None:
    """``href`` if it names a resource directly inside ``collection``, else None."""
    url = absolute(href, base=collection)
    rest = url[len(collection) :] if url.startswith(collection) else ""
    return url if rest and "/" not in rest else None


def default_href(collection: str, uid: str) -> str:
    """Where in ``collection`` a new resource for ``uid`` goes."""
    name = quote(uid, safe=_SEGMENT_SAFE) if _PLAIN_UID.fullmatch(uid) else None
    if name is None:
        name = hashlib.sha256(uid.encode("utf-8")).hexdigest()[:40]
    return collection + name + ".ics"
