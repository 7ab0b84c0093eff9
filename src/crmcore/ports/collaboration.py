"""Where comments, links and attachment records are stored (the contents: a BlobStore)."""

from __future__ import annotations

from typing import TypeAlias

from crmcore.domain.collaboration import Attachment, Comment, Link
from crmcore.ports.records import RecordRepository

__all__ = ["AttachmentRepository", "CommentRepository", "LinkRepository"]

#: Comments are plain records.
CommentRepository: TypeAlias = RecordRepository[Comment]
#: Links between records are plain records.
LinkRepository: TypeAlias = RecordRepository[Link]
#: Attachment records (name, media type, owner) are plain records.
AttachmentRepository: TypeAlias = RecordRepository[Attachment]
