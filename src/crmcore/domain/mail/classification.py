"""Which messages a person wrote, and which a machine did: bounces and auto-replies.

A bounce (a delivery status notification, RFC 3464, or a mailer daemon's
letter) and an automatic reply (RFC 3834 ``Auto-Submitted``, the vendor
headers ``X-Autoreply`` and ``X-Auto-Response-Suppress``, an "out of office"
subject) stay in a client's history, but they are no contact with the
client: the "last contact" figures leave them out.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

from crmcore.domain.mail.addresses import MailAddress

__all__ = ["MailKind", "classify"]


class MailKind(enum.StrEnum):
    """What kind of message it is."""

    MESSAGE = "message"  # written by a person
    BOUNCE = "bounce"  # a delivery failure report
    AUTO_REPLY = "auto_reply"  # out of office, autoresponders, ticket receipts
    NOTIFICATION = "notification"  # crmcore's own notice to an employee

    @property
    def automatic(self) -> bool:
        """Whether a machine wrote it, so it counts as no contact."""
        return self is not MailKind.MESSAGE

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    MailKind.MESSAGE: "",
    MailKind.BOUNCE: "Недоставка",
    MailKind.AUTO_REPLY: "Автоответ",
    MailKind.NOTIFICATION: "Уведомление",
}

_DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "maildaemon"})
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliver(ed|able)|delivery (status notification|failure|has failed)"
    r"|mail delivery (failed|failure|system)|returned mail|failure notice"
    r"|non[- ]?delivery|недоставлен|не доставлен|повідомлення не доставлено)",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheit"
    r"|автоответ|автоматический ответ|автовідповідь|автоматична відповідь|відсутн|я в отпуске"
    r"|réponse automatique|absence)",
    re.IGNORECASE,
)


def classify(
    headers: Mapping[str, str],
    *,
    content_type: str,
    report_type: str,
    sender: MailAddress | None,
    subject: str,
) -> MailKind:
    """The kind of a message, from its headers (names in lower case) and top-level type.

    Example:
        >>> classify(
        ...     {"auto-submitted": "auto-replied"},
        ...     content_type="text/plain",
        ...     report_type="",
        ...     sender=None,
        ...     subject="Re: рахунок",
        ... )
        <MailKind.AUTO_REPLY: 'auto_reply'>
    """
    if content_type == "multipart/report" and report_type.lower() == "delivery-status":
        return MailKind.BOUNCE
    local = "" if sender is None else sender.local_part.casefold()
    if local in _DAEMONS or (
        headers.get("return-path", "").strip() == "<>" and _BOUNCE_SUBJECT.match(subject)
    ):
        return MailKind.BOUNCE
    if _BOUNCE_SUBJECT.match(subject) and local.startswith(("mailer", "postmaster", "bounce")):
        return MailKind.BOUNCE
    submitted = headers.get("auto-submitted", "").strip().lower()
    if headers.get("x-crmcore-key") and submitted == "auto-generated":
        return MailKind.NOTIFICATION
    if submitted and submitted != "no":
        return MailKind.AUTO_REPLY
    if any(name in headers for name in ("x-autoreply", "x-autorespond", "x-autoresponse")):
        return MailKind.AUTO_REPLY
    if headers.get("x-auto-response-suppress") and _AUTO_SUBJECT.match(subject):
        return MailKind.AUTO_REPLY
    if headers.get("precedence", "").strip().lower() == "auto_reply":
        return MailKind.AUTO_REPLY
    if _AUTO_SUBJECT.match(subject):
        return MailKind.AUTO_REPLY
    return MailKind.MESSAGE
