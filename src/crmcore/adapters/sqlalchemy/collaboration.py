"""SQL repositories of comments, links and attachment records."""

from __future__ import annotations

from crmcore.adapters.sqlalchemy.repository import RecordRepository
from crmcore.domain.collaboration import Attachment, Comment, Link

__all__ = ["Attachments", "Comments", "Links"]


class Comments(RecordRepository[Comment]):
    kind = "comment"
    table_name = "comments"
    entity_type = Comment


class Links(RecordRepository[Link]):
    kind = "link"
    table_name = "links"
    entity_type = Link


class Attachments(RecordRepository[Attachment]):
    kind = "attachment"
    table_name = "attachments"
    entity_type = Attachment
