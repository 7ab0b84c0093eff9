"""How much of a message crmcore reads: the bounds that keep one bad message from hurting."""

from __future__ import annotations

import attrs

__all__ = ["DEFAULT_LIMITS", "MailLimits"]

_MIB = 1024 * 1024


@attrs.frozen(kw_only=True)
class MailLimits:
    """Bounds on one message.

    Attributes:
        message_bytes: a larger raw message is skipped, with the reason.
        attachment_bytes: a larger attachment (decoded) is left out of the
            message, which is imported with a note of what was left out.
        attachments_bytes: all attachments of one message together; those
            past the bound are left out the same way.
        parts: MIME parts of one message; more and the message is skipped.
        depth: nesting of multiparts; deeper and the message is skipped.
        text_characters: the text kept; longer text is cut, with a note.
    """

    message_bytes: int = 25 * _MIB
    attachment_bytes: int = 10 * _MIB
    attachments_bytes: int = 25 * _MIB
    parts: int = 500
    depth: int = 20
    text_characters: int = 1_000_000


#: The limits every import uses unless told otherwise.
DEFAULT_LIMITS = MailLimits()
