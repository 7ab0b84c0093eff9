"""The message a delivery becomes: its headers, its body, and its Message-ID."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import quote

from crmcore.adapters.smtp.addresses import header_text, mailbox
from crmcore.domain.mail import crmcore_local_part
from crmcore.domain.notifications import Delivery
from crmcore.errors import DeliveryError

__all__ = ["compose", "message_id_for"]

# Quoting only the 7-bit "7bit" transfer encoding keeps the body safe for
# servers without 8BITMIME: the email package then picks base64 or
# quoted-printable, whichever is shorter, for any non-ASCII text.
_POLICY = SMTP.clone(cte_type="7bit")

# The key goes into X-Crmcore-Key readable where it is plain ASCII; "%" (the
# escape) and anything a header cannot carry as is are percent-encoded.
_KEY_SAFE = "".join(c for c in string.punctuation if c != "%")


# What a message id may hold between its angle brackets (RFC 5322 msg-id, loosely:
# real ids carry more than dot-atoms), and nothing that could end a header.
_MESSAGE_ID = re.compile(r"^[!-;=?-~]{1,900}$")


def message_id_for(key: str, domain: str) -> str:
    """The ``Message-ID`` of the message with idempotency key ``key``, ending in ``domain``."""
    return f"<{crmcore_local_part(key)}@{domain}>"


def _id_header(field: str, value: str, domain: str) -> str:
    """``<value>`` for In-Reply-To or References; a permanent DeliveryError if it is no id."""
    header_text(field, value)
    if not _MESSAGE_ID.match(value):
        raise DeliveryError(f"{field}: {value!r} is not a message id", permanent=True)
    # crmcore's own ids are kept without their domain: they get the sender's back.
    return (
        f"<{value}@{domain}>" if value.endswith(".crmcore") and "@" not in value else f"<{value}>"
    )


def compose(
    delivery: Delivery, *, sender: Address, reply_to: Address | None, id_domain: str
) -> EmailMessage:
    """The message for ``delivery``, from ``sender``; see :meth:`SmtpChannel.message`."""
    subject = header_text("subject", delivery.subject)
    display_name = header_text("recipient_name", delivery.recipient_name)
    if not delivery.address.strip():
        raise DeliveryError("address: the employee has no e-mail address", permanent=True)
    found = mailbox(header_text("address", delivery.address).strip())
    if found is None:
        raise DeliveryError(
            f"address: {delivery.address!r} is not a valid e-mail address", permanent=True
        )
    created = delivery.created_at or datetime.now(UTC)
    message = EmailMessage(policy=_POLICY)
    message["Message-ID"] = message_id_for(delivery.key, id_domain)
    message["Date"] = format_datetime(created)
    message["From"] = sender
    message["To"] = Address(display_name=display_name, username=found.username, domain=found.domain)
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    if delivery.in_reply_to is None:
        # A notice is a machine's; a reply is a person's, and may be answered automatically.
        message["Auto-Submitted"] = "auto-generated"
    else:
        message["In-Reply-To"] = _id_header("in_reply_to", delivery.in_reply_to, id_domain)
        references = [_id_header("references", r, id_domain) for r in delivery.references]
        if references:
            message["References"] = " ".join(references)
    message["X-Crmcore-Key"] = quote(delivery.key, safe=_KEY_SAFE)
    message.set_content(delivery.body)
    for file in delivery.files:
        main, _, sub = file.media_type.partition("/")
        if main == "text":
            # Text goes as UTF-8 text, so mail readers show Cyrillic as written.
            message.add_attachment(
                file.content.decode("utf-8", "replace"),
                subtype=sub or "plain",
                charset="utf-8",
                filename=file.name,
            )
        else:
            message.add_attachment(
                file.content, maintype=main, subtype=sub or "octet-stream", filename=file.name
            )
    return message
