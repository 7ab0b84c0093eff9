"""Sync tokens for servers without collection synchronisation (RFC 6578).

Such a token carries the ETag of every resource at the time it was issued;
the next sync compares them with the server's.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping

from crmcore.errors import ValidationError

__all__ = ["ETAG_TOKEN", "decode_etags", "encode_etags"]

#: Prefix of the tokens issued when the server cannot sync collections.
ETAG_TOKEN = "crmcore-etags:"


def encode_etags(etags: Mapping[str, str | None]) -> str:
    """A token holding ``etags`` (href to ETag)."""
    packed = json.dumps(etags, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return ETAG_TOKEN + base64.urlsafe_b64encode(zlib.compress(packed)).decode("ascii")


def decode_etags(token: str) -> dict[str, str | None]:
    """The ETags :func:`encode_etags` packed into ``token``."""
    try:
        packed = zlib.decompress(base64.urlsafe_b64decode(token.removeprefix(ETAG_TOKEN)))
        etags = json.loads(packed)
    except (binascii.Error, zlib.error, ValueError):
        etags = None
    if not isinstance(etags, dict) or not all(
        isinstance(href, str) and (etag is None or isinstance(etag, str))
        for href, etag in etags.items()
    ):
        raise ValidationError("token", "is not a sync token issued by this collection")
    return etags
