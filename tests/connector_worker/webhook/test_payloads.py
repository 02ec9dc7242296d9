"""Order hints: every supported payload shape yields the entity id (and updated_at, state and status when
sent)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector_worker.webhook.payloads import OrderHint, PayloadError, parse_order_hint


def parse(document: Any) -> OrderHint:
    return parse_order_hint(json.dumps(document).encode())


def test_the_connector_format_from_the_magento_sandbox() -> None:
    document = {
        "event": "sales_order_save_after",
        "instance": "main",
        "data": {
            "order": {
                "entity_id": 42,
                "increment_id": "000000042",
                "updated_at": "2025-07-17 15:48:42",
                "state": "processing",
                "status": "processing",
            }
        },
    }
    assert parse(document) == OrderHint(42, "2025-07-17 15:48:42", "processing", "processing")


def test_adobe_plugin_hook_shape() -> None:
    assert parse({"order": {"entity_id": "7", "increment_id": "000000007"}}) == OrderHint(7, None)


@pytest.mark.parametrize("key", ["order", "data_object"])
def test_adobe_observer_hook_shapes(key: str) -> None:
    document = {
        "eventName": "observer.sales_order_save_after",
        "data": {key: {"entity_id": 9, "updated_at": "x"}},
    }
    assert parse(document) == OrderHint(9, "x")


def test_an_empty_updated_at_counts_as_absent() -> None:
    assert parse({"order": {"entity_id": 3, "updated_at": ""}}) == OrderHint(3, None)


def test_state_and_status_are_kept_when_sent_and_absent_when_null_or_empty() -> None:
    # Adobe I/O Events send the fields chosen in io_events.xml, values as strings
    value = {"entity_id": "42", "updated_at": "2025-07-17 15:48:42", "state": "complete", "status": ""}
    assert parse({"data": {"data_object": value}}) == OrderHint(42, "2025-07-17 15:48:42", "complete", None)
    assert parse({"order": {"entity_id": 4, "status": "fraud_check", "state": None}}) == OrderHint(
        4, None, None, "fraud_check"
    )


def test_an_order_object_without_entity_id_is_skipped_for_the_next_shape() -> None:
    # data.order without an id (a "before" hook) does not hide a data_object that has one
    document = {"data": {"order": {"increment_id": "1"}, "data_object": {"entity_id": 5}}}
    assert parse(document) == OrderHint(5, None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not valid JSON"),
        (b"null", "must be a JSON object"),
        (b'{"order": []}', "no order"),
        (b'{"data": "order"}', "no order"),
        (b'{"order": {"entity_id": null}}', "positive integer"),
        (b'{"order": {"entity_id": -3}}', "positive integer"),
        (b'{"order": {"entity_id": " "}}', "positive integer"),
        (b'{"order": {"entity_id": 99999999999999999999999}}', "positive integer"),
        (b'{"order": {"entity_id": 1, "updated_at": "' + b"9" * 65 + b'"}}', "date-time string"),
        (b'{"order": {"entity_id": 1, "state": ["new"]}}', "order state must be a code"),
        (b'{"order": {"entity_id": 1, "status": "' + b"s" * 65 + b'"}}', "order status must be a code"),
        (b'{"order": {"entity_id": 1, "qty": ' + b"9" * 5000 + b"}}", "number too long"),
        (b'{"order": {"entity_id": "' + b"9" * 5000 + b'"}}', "entity_id must be a positive integer"),
    ],
)
def test_bodies_without_a_usable_order_id_are_refused(body: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        parse_order_hint(body)


def test_decode_errors_do_not_echo_the_body() -> None:
    with pytest.raises(PayloadError) as caught:
        parse_order_hint(b'{"password": "hunter2" oops}')
    assert "hunter2" not in str(caught.value)
    assert "line 1 column" in str(caught.value)
