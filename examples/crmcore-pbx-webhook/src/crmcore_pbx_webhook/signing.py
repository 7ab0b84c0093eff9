"""Signatures: crmcore's webhook scheme (HMAC-SHA256 with a timestamp) and Twilio's.

crmcore's scheme: the sender puts the Unix time in ``X-Crmcore-Timestamp``
and ``v1=`` followed by the hex HMAC-SHA256 of ``"<timestamp>.<body>"``,
keyed with the shared secret, in ``X-Crmcore-Signature``.  A delivery older
(or newer) than the tolerance is refused, so a captured request cannot be
replayed later; within it, a delivery seen twice changes nothing because
crmcore recognises its event.

Twilio's scheme (https://www.twilio.com/docs/usage/webhooks/webhooks-security):
``X-Twilio-Signature`` is the base64 HMAC-SHA1, keyed with the account's
auth token, of the full URL Twilio requested followed by every POST
parameter's name and value, sorted by name.  It carries no timestamp.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from crmcore.errors import CRMError

__all__ = ["SignatureError", "sign", "twilio_signature", "verify", "verify_twilio"]

TOLERANCE = 300


class SignatureError(CRMError):
    """A delivery whose signature is missing, wrong or too old; nothing was handled."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Crmcore-Signature`` of ``body`` sent at ``timestamp``.

    Example:
        >>> sign("whsec", 1700000000, b"{}")
        'v1=7d44587dddbaf4c7f70fef20f48cd594834ffea1641e3ac227b84408298738af'
    """
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def verify(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, *, now: float
) -> None:
    """Check a delivery of crmcore's webhook.

    Raises:
        SignatureError: a header is missing, the signature does not match,
            or the timestamp is further than :data:`TOLERANCE` seconds from ``now``.
    """
    if not timestamp or not signature:
        raise SignatureError("X-Crmcore-Timestamp and X-Crmcore-Signature are both needed")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureError(f"X-Crmcore-Timestamp {timestamp!r} is not a Unix time") from None
    expected = sign(secret, sent, body)
    if not any(hmac.compare_digest(expected, given.strip()) for given in signature.split(",")):
        raise SignatureError("the signature does not match the body")
    if abs(now - sent) > TOLERANCE:
        raise SignatureError(f"the delivery is {abs(now - sent):.0f}s old; at most {TOLERANCE}s")


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's ``X-Twilio-Signature`` for a POST of ``params`` to ``url``."""
    data = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_twilio(
    auth_token: str, signature: str | None, url: str, params: Mapping[str, str]
) -> None:
    """Check a Twilio webhook's ``X-Twilio-Signature``.

    Raises:
        SignatureError: missing or not matching.
    """
    if not signature:
        raise SignatureError("X-Twilio-Signature is missing")
    if not hmac.compare_digest(twilio_signature(auth_token, url, params), signature.strip()):
        raise SignatureError("X-Twilio-Signature does not match the request")
