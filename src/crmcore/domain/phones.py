"""Phone numbers: parsed with phonenumbers, stored as E.164 plus an optional extension."""

from __future__ import annotations

import re
from typing import Any

import attrs
import phonenumbers

from crmcore.errors import ValidationError

__all__ = ["DEFAULT_REGION", "Phone", "parse_phones"]

DEFAULT_REGION = "UA"

# Extension markers seen in Ukrainian and Russian office data next to the Latin ones.
_EXTENSION = re.compile(
    r"\s*(?:,|;|\bext\.?|\bx\.?|\bдоб\.?|\bвн\.?|\bвнутр\.?|#)\s*(\d{1,6})\s*$",
    re.IGNORECASE,
)
_BARE_EXTENSION = re.compile(r"^[1-9]\d{1,5}$")
_SEPARATORS = re.compile(r"[\s\-().]")


def _check_e164(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not re.fullmatch(r"\+[1-9]\d{6,14}", value):
        raise ValidationError(attribute.name, f"{value!r} is not an E.164 number")


def _check_extension(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,6}", value):
        raise ValidationError(attribute.name, f"{value!r} is not a PBX extension (1-6 digits)")


@attrs.frozen(order=True)
class Phone:
    """A phone number: E.164 (``+380442067222``) and/or a PBX extension (``2007``).

    An internal extension alone has no E.164 part.  Build one with
    :meth:`parse`, which accepts the forms people type.

    Example:
        >>> Phone.parse("044 206-72-22")
        Phone(e164='+380442067222', extension=None)
        >>> Phone.parse("+38 (044) 206 72 22 доб. 2007").extension
        '2007'
        >>> Phone.parse("2007")
        Phone(e164=None, extension='2007')
        >>> str(Phone.parse("0442067222, 2007"))
        '+380 44 206 7222 ext. 2007'
    """

    e164: str | None = attrs.field(validator=_check_e164)
    extension: str | None = attrs.field(default=None, validator=_check_extension)

    def __attrs_post_init__(self) -> None:
        if self.e164 is None and self.extension is None:
            raise ValidationError("phone", "needs a number or an extension")

    @classmethod
    def parse(
        cls, value: str | Phone, *, region: str = DEFAULT_REGION, field: str = "phone"
    ) -> Phone:
        """Parse a phone as people write it.

        Args:
            value: the text, e.g. ``"0442067222"``, ``"+38 044 206-72-22"``,
                ``"044 206 72 22 ext. 2007"`` or a bare extension ``"2007"``.
            region: ISO 3166 region used for numbers without a country code.
            field: the field path named in the error.

        Returns:
            The parsed :class:`Phone`.

        Raises:
            ValidationError: the text is not a valid number.
        """
        if isinstance(value, Phone):
            return value
        if not isinstance(value, str):
            raise ValidationError(field, f"must be str, not {type(value).__name__}")
        raw = value.strip()
        if not raw:
            raise ValidationError(field, "must not be empty")
        compact = _SEPARATORS.sub("", raw)
        if _BARE_EXTENSION.match(compact) and not raw.startswith("+"):
            return cls(e164=None, extension=compact)
        extension: str | None = None
        match = _EXTENSION.search(raw)
        if match:
            extension = match.group(1)
            raw = raw[: match.start()]
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            raise ValidationError(field, f"{value!r} is not a phone number") from None
        if not phonenumbers.is_valid_number(number):
            raise ValidationError(field, f"{value!r} is not a valid phone number")
        if number.extension:
            extension = extension or number.extension
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return cls(e164=e164, extension=extension)

    def __str__(self) -> str:
        if self.e164 is None:
            return f"ext. {self.extension}"
        shown = phonenumbers.format_number(
            phonenumbers.parse(self.e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return f"{shown} ext. {self.extension}" if self.extension else shown


def parse_phones(values: Any, *, region: str, field: str = "phones") -> tuple[Phone, ...]:
    """Parse a list of phones, naming the index of a bad one (``phones[2]``)."""
    if values is None:
        return ()
    if isinstance(values, (str, Phone)):
        values = [values]
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise ValidationError(field, f"must be a list of phones, not {type(values).__name__}")
    phones: list[Phone] = []
    for index, item in enumerate(values):
        phone = Phone.parse(item, region=region, field=f"{field}[{index}]")
        if phone not in phones:
            phones.append(phone)
    return tuple(phones)
