"""What a failure of the SMTP conversation means, in words, and whether a retry can help."""

from __future__ import annotations

import smtplib
import socket
import ssl

__all__ = ["describe", "is_permanent", "reply_text"]

# These replies are about the login or the connection's protection, not about
# this message: the host's settings are wrong, and once they are fixed the
# same message goes through, so they never make a failure permanent.
_LOGIN_REPLIES = frozenset({530, 534, 535, 538})


def reply_text(reply: bytes | str) -> str:
    """A server's reply text on one line."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def is_permanent(code: int) -> bool:
    """Whether reply ``code`` refuses the message for good."""
    return 500 <= code < 600 and code not in _LOGIN_REPLIES


def describe(
    error: smtplib.SMTPException | OSError, *, where: str, host: str, timeout: float
) -> tuple[str, bool]:
    """``error``, raised while talking to ``where``, in words; and whether it is permanent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = [
            f"{address}: {code} {reply_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        ]
        permanent = all(is_permanent(code) for code, _ in error.recipients.values())
        return f"{where} refused the recipient {'; '.join(refusals)}", permanent
    if isinstance(error, smtplib.SMTPSenderRefused):
        return (
            f"{where} refused the sender {error.sender}: {error.smtp_code} "
            f"{reply_text(error.smtp_error)}",
            is_permanent(error.smtp_code),
        )
    if isinstance(error, smtplib.SMTPDataError):
        return (
            f"{where} refused the message: {error.smtp_code} {reply_text(error.smtp_error)}",
            is_permanent(error.smtp_code),
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{where} answered {error.smtp_code} {reply_text(error.smtp_error)}", False
    if isinstance(error, smtplib.SMTPNotSupportedError):
        # send_message raises it when an address is not ASCII and the
        # server cannot take such addresses: it never will for this one.
        return f"{where} does not offer SMTPUTF8, which a non-ASCII address needs", True
    if isinstance(error, smtplib.SMTPServerDisconnected):
        # smtplib reports a reply that never came as a lost connection.
        if isinstance(error.__context__, TimeoutError):
            return f"{where} did not answer within {timeout:g} seconds", False
        return f"{where} closed the connection unexpectedly: {error}", False
    if isinstance(error, smtplib.SMTPException):
        return f"{where} failed: {error}", False
    if isinstance(error, ssl.SSLCertVerificationError):
        return (
            f"the TLS certificate of {where} could not be verified "
            f"({error.verify_message}); give an ssl_context that trusts it",
            False,
        )
    if isinstance(error, ssl.SSLError):
        return f"TLS with {where} failed: {error.reason or error}", False
    if isinstance(error, TimeoutError):
        return f"{where} did not answer within {timeout:g} seconds", False
    if isinstance(error, ConnectionRefusedError):
        return f"{where} refused the connection (is it running on that port?)", False
    if isinstance(error, socket.gaierror):
        return f"cannot find the SMTP server {host!r}: {error.strerror}", False
    return f"cannot talk to {where}: {error.strerror or error}", False
