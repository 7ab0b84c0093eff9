"""The catalogue of products and services a company sells."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from crmcore.domain import checks as check
from crmcore.domain.clients import sort_key
from crmcore.domain.money import VAT_RATES, Money, currency_field, exact_field, to_money
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = ["Product", "check_vat_rate", "to_vat_rate", "vat_rate"]


def check_vat_rate(field: str, value: object) -> Decimal:
    """A VAT rate Ukrainian law knows (20, 14, 7 or 0 percent), or ValidationError on ``field``."""
    if isinstance(value, float):
        raise ValidationError(field, f"{value!r} is a float; give the rate as Decimal or a string")
    try:
        rate = Decimal(str(value)) if isinstance(value, (int, str, Decimal)) else None
    except ArithmeticError:
        rate = None
    if isinstance(value, bool) or rate is None or rate not in VAT_RATES:
        known = ", ".join(f"{r}%" for r in sorted(VAT_RATES, reverse=True))
        raise ValidationError(field, f"{value!r} is not a VAT rate; the rates are {known}")
    return Decimal(int(rate))


def vat_rate(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_vat_rate(attribute.name, value)


def to_vat_rate(value: Any) -> Any:
    """A known rate as a whole Decimal; anything else is left for :func:`vat_rate` to refuse."""
    try:
        return check_vat_rate("vat_rate", value)
    except ValidationError:
        return value


@attrs.define(kw_only=True)
class Product(Record):
    """A product or service: code, name, unit, price (without VAT), VAT rate, currency."""

    code: str = attrs.field(converter=check.strip, validator=check.text(max_length=64))
    name: str = attrs.field(converter=check.strip, validator=check.text(max_length=500))
    unit: str = attrs.field(
        default="шт", converter=check.strip, validator=check.text(max_length=16)
    )
    price: Decimal = attrs.field(converter=to_money, validator=exact_field(non_negative=True))
    vat_rate: Decimal = attrs.field(
        default=Decimal(20),
        converter=to_vat_rate,
        validator=vat_rate,
        metadata={"places": 0},
    )
    currency: str = attrs.field(default="UAH", validator=currency_field)
    is_service: bool = attrs.field(default=False, validator=check.of_type(bool))
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))

    @property
    def list_price(self) -> Money:
        return Money(self.price, self.currency)

    @property
    def name_sort(self) -> str:
        return sort_key(self.name)
