"""Logging: secrets never reach a log line, whatever path they take."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog

from connector_worker.log import (
    _SECRET_HINT,
    _SECRET_PATTERNS,
    REDACTED,
    bind_context,
    clear_context,
    configure_logging,
    get_logger,
    redact,
    scrub_text,
)


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    stream = io.StringIO()
    configure_logging("json", "DEBUG", secrets=["s3cr3t-consumer", "odoo-api-key-123"], stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    clear_context()
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_connector_handler", False)]:
        root.removeHandler(handler)


def test_secret_keys_values_and_fragments_are_redacted(json_logs: Callable[[], list[dict[str, Any]]]) -> None:
    bind_context(instance="main", order_id=42, task_id="t-1")
    log = get_logger("test")
    log.info(
        "calling magento",
        password="hunter2",
        headers={"Authorization": "Bearer abc.def", "X-Connector-Signature": "sha256=" + "ab" * 32},
        url="https://shop.example.com/rest/V1/orders?token=zzz&page=1",
        note="consumer secret is s3cr3t-consumer, key odoo-api-key-123",
        oauth='OAuth oauth_consumer_key="ck", oauth_signature="sig%3D"',
        dsn="https://user:pa55w0rd@odoo.example.com/",
        broker="redis://:r3disPass@cache.internal:6379/0",
    )
    logging.getLogger("celery").warning("stdlib says Bearer qwerty and api_key=abc123")
    lines = json_logs()
    text = json.dumps(lines)
    for secret in (
        "hunter2",
        "abc.def",
        "ab" * 32,
        "zzz",
        "s3cr3t-consumer",
        "odoo-api-key-123",
        "sig%3D",
        "pa55w0rd",
        "qwerty",
        "abc123",
        "r3disPass",
    ):
        assert secret not in text
    first = lines[0]
    assert first["instance"] == "main"
    assert first["order_id"] == 42
    assert first["task_id"] == "t-1"
    assert first["password"] == "[REDACTED]"
    assert first["url"].endswith("token=[REDACTED]&page=1")


def test_exceptions_are_scrubbed_too(json_logs: Callable[[], list[dict[str, Any]]]) -> None:
    try:
        raise RuntimeError("login failed for password=opensesame")
    except RuntimeError:
        get_logger("test").exception("boom")
    text = json.dumps(json_logs())
    assert "opensesame" not in text
    assert "RuntimeError" in text


# One text per secret pattern, in the patterns' order, with the secret each must remove.
PATTERN_SAMPLES = (
    ("Authorization: BASIC dXNlcjpwYXNz", "dXNlcjpwYXNz"),
    ('OAuth OAUTH_TOKEN="tk-991"', "tk-991"),
    ("retry with ApiKey=k-778&page=2", "k-778"),
    ('{"Secret" : "mqtt-555"}', "mqtt-555"),
    ("X-Signature: SHA256=" + "cd" * 16, "cd" * 16),
    ("amqps://bob:b0bpass@mq.internal/vhost", "b0bpass"),
)


def test_every_secret_pattern_is_caught_by_the_quick_precheck() -> None:
    # given one sample per pattern (a pattern added without a sample fails here)
    assert len(PATTERN_SAMPLES) == len(_SECRET_PATTERNS)
    for (pattern, _), (text, secret) in zip(_SECRET_PATTERNS, PATTERN_SAMPLES, strict=True):
        # then the pattern matches its sample, the precheck lets the sample through to the patterns,
        # and the secret is gone from the scrubbed text
        assert pattern.search(text), pattern.pattern
        assert _SECRET_HINT.search(text), text
        scrubbed = scrub_text(text)
        assert secret not in scrubbed and REDACTED in scrubbed, scrubbed


def test_redact_keeps_ordinary_data() -> None:
    data = {"increment_id": "000000001", "items": [{"sku": "MH01-S"}], "token_count": 0}
    assert redact(data) == {"increment_id": "000000001", "items": [{"sku": "MH01-S"}], "token_count": 0}


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_http_client_request_lines_show_only_at_debug(level: str, shown: bool) -> None:
    stream = io.StringIO()
    configure_logging("json", level, stream=stream)
    try:
        logging.getLogger("httpx").info('HTTP Request: POST http://odoo/json/2/sale.order/web_save "200 OK"')
        logging.getLogger("httpx").warning("retrying after a dropped connection")
        get_logger("tasks.sync").info("order_synced")
        events = [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
        assert ('HTTP Request: POST http://odoo/json/2/sale.order/web_save "200 OK"' in events) is shown
        assert "retrying after a dropped connection" in events
        assert "order_synced" in events
    finally:
        structlog.reset_defaults()
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_connector_handler", False)]:
            root.removeHandler(handler)
        logging.getLogger("httpx").setLevel(logging.NOTSET)
