"""E-mail history: messages, addresses, threads, and the rules that match and classify them.

Pure values and rules only: reading raw mail is the job of
:mod:`crmcore.adapters.mail`, storing it of the storage backends, and the
import itself of ``crm.mail``.
"""

from __future__ import annotations

from crmcore.domain.mail.addresses import (
    PUBLIC_MAIL_DOMAINS,
    MailAddress,
    is_public_domain,
    parse_addresses,
)
from crmcore.domain.mail.classification import MailKind, classify
from crmcore.domain.mail.matching import (
    EmailOwner,
    Match,
    counterparts,
    direction_of,
    email_owner_order,
    match,
)
from crmcore.domain.mail.messages import (
    LastContact,
    MailboxState,
    MailMessage,
    MailPart,
    MatchReason,
    ParsedMail,
)
from crmcore.domain.mail.text import MessageText, html_to_text, split_reply
from crmcore.domain.mail.threads import (
    MAX_REFERENCES,
    SUBJECT_WINDOW,
    crmcore_local_part,
    crmcore_message_id,
    is_reply_subject,
    message_ids,
    normalize_message_id,
    references_newest_first,
    shares_participant,
    subject_key,
)

__all__ = [
    "MAX_REFERENCES",
    "PUBLIC_MAIL_DOMAINS",
    "SUBJECT_WINDOW",
    "EmailOwner",
    "LastContact",
    "MailAddress",
    "MailKind",
    "MailMessage",
    "MailPart",
    "MailboxState",
    "Match",
    "MatchReason",
    "MessageText",
    "ParsedMail",
    "classify",
    "counterparts",
    "crmcore_local_part",
    "crmcore_message_id",
    "direction_of",
    "email_owner_order",
    "html_to_text",
    "is_public_domain",
    "is_reply_subject",
    "match",
    "message_ids",
    "normalize_message_id",
    "parse_addresses",
    "references_newest_first",
    "shares_participant",
    "split_reply",
    "subject_key",
]
