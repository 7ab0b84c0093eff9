"""Comments, links and attachment records in memory."""

from __future__ import annotations

from crmcore.adapters.memory.repository import RecordRepository

__all__ = ["Attachments", "Comments", "Links"]


class Comments(RecordRepository):
    """Comments in discussions."""

    name = "comments"
    kind = "comment"


class Links(RecordRepository):
    """Links between records."""

    name = "links"
    kind = "link"


class Attachments(RecordRepository):
    """Attachment records; their contents are in a blob store."""

    name = "attachments"
    kind = "attachment"
