"""Reading payload values liberally, and refusing what is not a value with the field's name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from mappers import MappingError
from mappers.payload import (
    amount,
    currency_decimals,
    integer,
    odoo_datetime,
    optional_amount,
    quantize,
    text,
    to_decimal,
    utc_datetime,
)

D = Decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(165, D(165)), (D("52.5"), D("52.5")), (52.5, D("52.5")), ("8.2500", D("8.25")), (0.1, D("0.1"))],
)
def test_money_is_read_exactly_from_ints_decimals_floats_and_strings(raw: object, expected: Decimal) -> None:
    assert to_decimal(raw, "grand_total") == expected


@pytest.mark.parametrize("raw", [True, "abc", "NaN", float("inf"), [1], None])
def test_what_is_not_money_is_refused_with_the_field(raw: object) -> None:
    with pytest.raises(MappingError) as error:
        to_decimal(raw, "items[sku=X].price")
    assert error.value.field == "items[sku=X].price"


def test_absent_and_null_amounts() -> None:
    data = {"discount_amount": None, "tax_amount": "", "grand_total": 0}
    assert amount(data, "discount_amount") == 0 and amount(data, "missing") == 0
    assert optional_amount(data, "tax_amount") is None
    assert optional_amount(data, "grand_total") == 0


def test_texts_and_ids() -> None:
    data = {"sku": "  24-MB01 ", "blank": "   ", "entity_id": "42", "qty": 3, "bad": "x", "flag": True}
    assert text(data, "sku") == "24-MB01" and text(data, "blank") is None and text(data, "no") is None
    assert integer(data, "entity_id") == 42 and integer(data, "qty") == 3
    for key in ("bad", "flag"):
        with pytest.raises(MappingError):
            integer(data, key)


def test_dates_are_utc_whatever_their_form() -> None:
    expected = datetime(2017, 8, 21, 22, 22, 19, tzinfo=UTC)
    assert utc_datetime("2017-08-21 22:22:19", "created_at") == expected  # Magento's UTC string
    assert utc_datetime(datetime(2017, 8, 21, 22, 22, 19), "created_at") == expected  # noqa: DTZ001
    paris = timezone(timedelta(hours=2))
    assert utc_datetime(datetime(2017, 8, 22, 0, 22, 19, tzinfo=paris), "created_at") == expected
    assert odoo_datetime(expected) == "2017-08-21 22:22:19"
    with pytest.raises(MappingError):
        utc_datetime(1503354139, "created_at")


def test_currency_places_and_rounding() -> None:
    assert (currency_decimals("usd"), currency_decimals("JPY"), currency_decimals("KWD")) == (2, 0, 3)
    assert quantize(D("0.125"), 2) == D("0.13") and quantize(D("-0.125"), 2) == D("-0.13")
    assert quantize(D("2.675"), 2) == D("2.68")
