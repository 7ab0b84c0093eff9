"""Money: an exact amount in one currency, VAT rates and modes, and the rounding of a line.

Amounts are :class:`~decimal.Decimal` with at most two places (the minor
unit of the hryvnia, the dollar and the euro), never floats: a float given
anywhere is refused, since ``0.1 + 0.2`` is not ``0.3``.  Sums of different
currencies are refused too; a report gives one figure per currency.

Example:
    >>> from decimal import Decimal
    >>> Money("10.50", "UAH") + Money("0.25", "UAH")
    Money(amount=Decimal('10.75'), currency='UAH')
    >>> line_amounts(Decimal("3"), Decimal("33.33"), Decimal("0"), Decimal("20"), VatMode.ON_TOP)
    (Decimal('99.99'), Decimal('20.00'), Decimal('119.99'))
"""

from __future__ import annotations

import enum
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import attrs

from crmcore.errors import ValidationError

__all__ = [
    "CENT",
    "VAT_RATES",
    "Money",
    "VatMode",
    "check_currency",
    "currency_field",
    "exact",
    "exact_field",
    "line_amounts",
    "money_amount",
    "round_money",
    "to_money",
    "to_quantity",
    "to_unit_price",
]

#: The smallest amount crmcore keeps: one hundredth of the currency unit.
CENT = Decimal("0.01")

#: The VAT (ПДВ) rates Ukrainian law knows, in percent: basic, reduced, zero.
VAT_RATES: frozenset[Decimal] = frozenset({Decimal(20), Decimal(14), Decimal(7), Decimal(0)})

_CURRENCY = re.compile(r"^[A-Z]{3}$")


class VatMode(enum.StrEnum):
    """How a document's prices treat VAT."""

    ON_TOP = "on_top"  # prices are without VAT; each line's VAT is added to it
    INCLUDED = "included"  # prices include VAT; each line's VAT is the part of it
    NONE = "none"  # no VAT: the seller is not a VAT payer, or the supply is exempt


def check_currency(field: str, value: object) -> str:
    """An ISO 4217 code of three capital letters (``"UAH"``), or ValidationError on ``field``."""
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise ValidationError(field, f"{value!r} is not a currency code such as 'UAH'")
    return value


def exact(field: str, value: object, *, places: int = 2) -> Decimal:
    """``value`` as an exact Decimal of at most ``places`` places, or ValidationError on ``field``.

    Accepts Decimal, int and numeric strings; refuses floats (they are not
    exact), booleans, NaN and infinities, and more places than ``places``.
    """
    if isinstance(value, float):
        raise ValidationError(
            field, f"{value!r} is a float; give money as Decimal or a string such as '10.50'"
        )
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ValidationError(field, f"must be a Decimal, not {type(value).__name__}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(field, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValidationError(field, f"{value!r} is not a finite number")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers have an integer exponent
    if exponent < -places:
        raise ValidationError(field, f"{value} has more than {places} decimal places")
    return number


def money_amount(field: str, value: object) -> Decimal:
    """An amount of money: exact, to the cent."""
    return exact(field, value).quantize(CENT)


def round_money(value: Decimal) -> Decimal:
    """``value`` rounded to the cent, halves away from zero, as Ukrainian invoices round."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _converted(value: Any, places: int) -> Any:
    try:
        return exact("value", value, places=places).quantize(Decimal(1).scaleb(-places))
    except ValidationError:
        return value


def to_money(value: Any) -> Any:
    """A converter to an amount of two places; what it cannot convert is left for the
    validator of :func:`exact_field` to refuse with the reason."""
    return _converted(value, 2)


def to_quantity(value: Any) -> Any:
    """A converter to a quantity of three places (kilograms to the gram)."""
    return _converted(value, 3)


def to_unit_price(value: Any) -> Any:
    """A converter to a unit price of four places, as wholesale price lists give them."""
    return _converted(value, 4)


def exact_field(*, places: int = 2, non_negative: bool = False, positive: bool = False) -> Any:
    """A validator of an exact Decimal of at most ``places`` places."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        number = exact(attribute.name, value, places=places)
        if positive and number <= 0:
            raise ValidationError(attribute.name, f"must be more than zero, not {number}")
        if non_negative and number < 0:
            raise ValidationError(attribute.name, f"must not be negative, not {number}")

    return check


def _currency(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_currency(attribute.name, value)


#: The validator of a currency field.
currency_field = _currency


@attrs.frozen
class Money:
    """An amount in one currency; adding or comparing two currencies raises ValidationError."""

    amount: Decimal = attrs.field(converter=to_money, validator=exact_field())
    currency: str = attrs.field(validator=_currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0.00"), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise ValidationError("amount", f"cannot combine money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValidationError(
                "currency", f"cannot combine {self.currency} with {other.currency} in one sum"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}".replace(",", " ")


def line_amounts(
    quantity: Decimal, price: Decimal, discount: Decimal, vat_rate: Decimal, mode: VatMode
) -> tuple[Decimal, Decimal, Decimal]:
    """(net, VAT, gross) of one document line, each rounded to the cent on the line.

    Ukrainian invoices round every line and add the rounded lines, so the
    document's totals are the sums of what its lines show.  ``discount`` is
    a percentage off the price.
    """
    base = quantity * price * (100 - discount) / 100
    if mode is VatMode.NONE:
        net = round_money(base)
        return net, Decimal("0.00"), net
    if mode is VatMode.ON_TOP:
        net = round_money(base)
        vat = round_money(net * vat_rate / 100)
        return net, vat, net + vat
    gross = round_money(base)
    vat = round_money(gross * vat_rate / (100 + vat_rate))
    return gross - vat, vat, gross
