"""Phone parsing: every written form of a number gives one E.164 value."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcore import Phone
from crmcore.domain.phones import parse_phones
from crmcore.errors import ValidationError

KYIV_NUMBERS = st.integers(min_value=2_000_000, max_value=5_999_999).map(lambda n: f"44{n}")
MOBILE_NUMBERS = st.tuples(
    st.sampled_from(["50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"]),
    st.integers(min_value=1_000_000, max_value=9_999_999),
).map(lambda pair: f"{pair[0]}{pair[1]}")


def _written_forms(national: str) -> list[str]:
    """Ways people write one Ukrainian number (national significant number given)."""
    code, rest = national[:2], national[2:]
    return [
        f"0{national}",
        f"+380{national}",
        f"380{national}",
        f"+38 (0{code}) {rest[:3]}-{rest[3:5]}-{rest[5:]}",
        f"0{code} {rest[:3]} {rest[3:5]} {rest[5:]}",
        f"+38 0{code} {rest}",
        f"(0{code}){rest}",
    ]


@given(st.one_of(KYIV_NUMBERS, MOBILE_NUMBERS))
def test_every_written_form_of_a_number_parses_to_the_same_e164(national: str) -> None:
    forms = {Phone.parse(form).e164 for form in _written_forms(national)}
    assert forms == {f"+380{national}"}


@given(st.one_of(KYIV_NUMBERS, MOBILE_NUMBERS), st.integers(min_value=1, max_value=999_999))
def test_extension_is_kept_in_any_marker_language(national: str, extension: int) -> None:
    for marker in ("ext.", "ext", "x", "доб.", "вн.", "#", ","):
        phone = Phone.parse(f"0{national} {marker} {extension}")
        assert (phone.e164, phone.extension) == (f"+380{national}", str(extension))


@pytest.mark.parametrize("text", ["2007", "204", "99", "123456"])
def test_short_digit_strings_are_pbx_extensions(text: str) -> None:
    assert Phone.parse(text) == Phone(e164=None, extension=text)


@pytest.mark.parametrize("text", ["", "   ", "abc", "1", "05", "0000000000", "+38 044", "1234567"])
def test_invalid_numbers_are_refused_with_the_field_named(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Phone.parse(text, field="phones[3]")
    assert caught.value.field == "phones[3]"


def test_region_decides_numbers_without_country_code() -> None:
    assert Phone.parse("212 555 0100", region="US").e164 == "+12125550100"
    assert Phone.parse("030 1234567", region="DE").e164 == "+49301234567"


def test_phone_prints_in_international_format() -> None:
    assert str(Phone.parse("0442067222")) == "+380 44 206 7222"
    assert str(Phone.parse("0442067222 доб. 2007")) == "+380 44 206 7222 ext. 2007"
    assert str(Phone.parse("2007")) == "ext. 2007"


def test_phone_needs_a_number_or_an_extension() -> None:
    with pytest.raises(ValidationError):
        Phone(e164=None, extension=None)
    with pytest.raises(ValidationError):
        Phone(e164="0442067222")
    with pytest.raises(ValidationError):
        Phone(e164=None, extension="20a")


def test_phone_lists_drop_repeats_and_name_the_bad_index() -> None:
    assert len(parse_phones(["0442067222", "+380442067222", "067 123 45 67"], region="UA")) == 2
    assert parse_phones("0442067222", region="UA") == (Phone("+380442067222"),)
    with pytest.raises(ValidationError) as caught:
        parse_phones(["0442067222", 42], region="UA")
    assert caught.value.field == "phones[1]"
    with pytest.raises(ValidationError) as not_a_list:
        parse_phones(42, region="UA")
    assert not_a_list.value.field == "phones"


@given(MOBILE_NUMBERS)
def test_parsed_numbers_are_valid_for_phonenumbers(national: str) -> None:
    e164 = Phone.parse(f"0{national}").e164
    assert e164 is not None
    assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
