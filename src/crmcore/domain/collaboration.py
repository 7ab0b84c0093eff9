"""What can hang off any entity: discussion comments, links and attachments.

Each record names its owner by kind and id (``"task"``, ``"client"``,
``"event"``, ``"project"``, ...), so one mechanism serves every card.
"""

from __future__ import annotations

import re
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = [
    "ENTITY_KINDS",
    "Attachment",
    "Comment",
    "Link",
    "check_file_description",
    "mentioned_codes",
]

#: Kinds of entity that comments, links, attachments and user fields attach to.
ENTITY_KINDS = frozenset({"client", "contact", "event", "task", "project", "document"})

#: Kinds a link may point at; a host's documents are named by their own kinds.
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

_MENTION = re.compile(r"(?<![\w@])@([\w.\-]+)")


def mentioned_codes(text: str) -> list[str]:
    """The employee codes written as ``@code`` in a comment, in order, each once.

    Example:
        >>> mentioned_codes("@22 та @3, гляньте; a@b.c is an address")
        ['22', '3']
    """
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        seen.setdefault(match.group(1).rstrip(".-"), None)
    return list(seen)


def _entity_kind(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if value not in ENTITY_KINDS:
        allowed = ", ".join(sorted(ENTITY_KINDS))
        raise ValidationError(attribute.name, f"{value!r} is not one of: {allowed}")


def _link_kind(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _KIND.match(value):
        raise ValidationError(
            attribute.name, f"{value!r} is not a kind (lowercase letters, digits, _)"
        )


@attrs.define(kw_only=True)
class Comment(Record):
    """One message of an entity's discussion; ``mentions`` are the employees it names."""

    entity_kind: str = attrs.field(validator=_entity_kind)
    entity_id: UUID = attrs.field(validator=check.uuid())
    author_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    author_name: str = attrs.field(validator=check.text(max_length=300))
    text: str = attrs.field(validator=check.long_text)
    mentions: tuple[UUID, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(UUID)
    )
    edited: bool = attrs.field(default=False, validator=check.of_type(bool))
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))

    @text.validator
    def _not_blank(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not value.strip():
            raise ValidationError(attribute.name, "must not be empty")


@attrs.define(kw_only=True)
class Link(Record):
    """A link from an entity's documents tab to another entity, crmcore's or a host's."""

    source_kind: str = attrs.field(validator=_entity_kind)
    source_id: UUID = attrs.field(validator=check.uuid())
    target_kind: str = attrs.field(validator=_link_kind)
    target_id: str = attrs.field(validator=check.text(max_length=200))
    note: str = attrs.field(default="", validator=check.text(required=False, max_length=500))


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@attrs.define(kw_only=True)
class Attachment(Record):
    """A file attached to an entity: its name, size and media type, and the
    sha256 of its content, which is where the blob store keeps it."""

    entity_kind: str = attrs.field(validator=_entity_kind)
    entity_id: UUID = attrs.field(validator=check.uuid())
    name: str = attrs.field(converter=check.strip, validator=check.text(max_length=255))
    media_type: str = attrs.field(validator=check.text(max_length=255))
    size: int = attrs.field(validator=check.of_type(int))
    sha256: str = attrs.field(validator=check.of_type(str))
    author_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))

    @sha256.validator
    def _hex(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not _SHA256.match(value):
            raise ValidationError(attribute.name, "must be 64 lowercase hex digits")

    @size.validator
    def _size(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value < 0:
            raise ValidationError(attribute.name, "must not be negative")

    @name.validator
    def _plain_name(self, attribute: attrs.Attribute[str], value: str) -> None:
        # The name is shown to people and offered on download; it never names a path.
        if "/" in value or "\\" in value or value in (".", ".."):
            raise ValidationError(attribute.name, "must be a file name, not a path")


def check_file_description(name: str, media_type: str) -> None:
    """Check a file's name and media type as :class:`Attachment` does, so a bad
    one is refused before any content is stored."""
    fields = attrs.fields(Attachment)
    for field, value in ((fields.name, check.strip(name)), (fields.media_type, media_type)):
        assert field.validator is not None  # both fields have validators
        field.validator(None, field, value)
