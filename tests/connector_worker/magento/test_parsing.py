"""Parsing Magento JSON: money stays exact, timestamps become aware UTC, bad bodies are refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from connector_worker.magento.parsing import (
    MalformedPayloadError,
    dumps,
    format_magento_datetime,
    loads,
    parse_magento_datetime,
)


def test_money_with_a_fraction_is_decimal_and_integers_stay_int() -> None:
    # given an order as Magento renders DECIMAL(20,4) columns
    body = b'{"entity_id": 7, "grand_total": 52.5, "base_grand_total": 165, "tax_amount": 0.1, "qty": 1.0000}'
    # when parsed
    order = loads(body)
    # then fractions are exact Decimals and integers stay ints
    assert order["grand_total"] == Decimal("52.5")
    assert isinstance(order["grand_total"], Decimal)
    assert order["tax_amount"] + Decimal("0.2") == Decimal("0.3")  # no float drift
    assert order["base_grand_total"] == 165
    assert type(order["base_grand_total"]) is int
    assert type(order["entity_id"]) is int
    assert order["qty"] == Decimal("1.0000")


def test_every_at_key_at_any_depth_becomes_aware_utc() -> None:
    body = json.dumps(
        {
            "created_at": "2017-08-21 22:22:19",
            "updated_at": "2024-05-01 10:00:00",
            "items": [{"sku": "A", "created_at": "2024-05-01 09:59:59"}],
            "status_histories": [{"comment": "x", "created_at": "2024-05-01 10:00:01"}],
            "extension_attributes": {"converted_at": "0000-00-00 00:00:00", "shipped_at": ""},
            "customer_dob": "1980-01-02",
            "increment_id": "000000003",
        }
    )
    order = loads(body)
    assert order["created_at"] == datetime(2017, 8, 21, 22, 22, 19, tzinfo=UTC)
    assert order["created_at"].utcoffset() == timedelta(0)
    assert order["items"][0]["created_at"] == datetime(2024, 5, 1, 9, 59, 59, tzinfo=UTC)
    assert order["status_histories"][0]["created_at"].tzinfo is UTC
    # MySQL's zero date and an empty string mean "not set"
    assert order["extension_attributes"]["converted_at"] is None
    assert order["extension_attributes"]["shipped_at"] is None
    # keys that do not end in _at are untouched, even when they look like dates
    assert order["customer_dob"] == "1980-01-02"
    assert order["increment_id"] == "000000003"


def test_iso_timestamps_with_an_offset_are_converted_to_utc() -> None:
    assert parse_magento_datetime("2024-05-01T12:00:00+02:00") == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_magento_datetime("2024-05-01T10:00:00Z") == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_magento_datetime("2024-05-01") == datetime(2024, 5, 1, tzinfo=UTC)


def test_nulls_in_required_fields_and_additional_information_are_accepted() -> None:
    # reference §7: real payloads carry nulls where the spec says "required"
    body = b'{"payment": {"account_status": null, "cc_last4": null, "additional_information": [null, "0"]}}'
    assert loads(body)["payment"] == {
        "account_status": None,
        "cc_last4": None,
        "additional_information": [None, "0"],
    }


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b"",
        b'{"grand_total": NaN}',
        b'{"created_at": "yesterday"}',
        b"\xff\xfe",
    ],
)
def test_bodies_that_are_not_magento_json_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedPayloadError):
        loads(body)


def test_filter_dates_are_sent_in_utc_and_naive_datetimes_are_refused() -> None:
    paris = timezone(timedelta(hours=2))
    assert format_magento_datetime(datetime(2024, 5, 1, 12, 0, 5, 999, tzinfo=paris)) == "2024-05-01 10:00:05"
    assert format_magento_datetime(date(2024, 5, 1)) == "2024-05-01"
    with pytest.raises(ValueError, match="naive"):
        format_magento_datetime(datetime(2024, 5, 1, 12))  # noqa: DTZ001


def test_request_bodies_carry_decimals_as_exact_json_numbers() -> None:
    body = {
        "qty": Decimal("1.10"),
        "price": Decimal("19.9900"),
        "n": Decimal("3"),
        "when": datetime(2024, 5, 1, tzinfo=UTC),
    }
    text = dumps(body)
    assert json.loads(text, parse_float=Decimal) == {
        "qty": Decimal("1.1"),
        "price": Decimal("19.99"),
        "n": 3,
        "when": "2024-05-01 00:00:00",
    }
    assert '"qty":1.1' in text
    with pytest.raises(ValueError, match="digits"):
        dumps({"qty": Decimal("0.12345678901234567890")})
    with pytest.raises(ValueError):
        dumps({"qty": Decimal("NaN")})
