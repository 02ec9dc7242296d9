"""Error rendering and classification: the right class, and Magento's message as Magento means it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError

from connector_worker.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RemoteRejectedError,
    TransientError,
)
from connector_worker.magento.errors import (
    MagentoFailure,
    classify_status,
    classify_transport,
    error_message,
    parse_retry_after,
    render_message,
)


def test_named_parameters_come_from_an_object() -> None:
    # the real shape, which the spec does not describe (reference §7)
    assert render_message("%fieldName is a required field.", {"fieldName": "searchCriteria"}) == (
        "searchCriteria is a required field."
    )


def test_numbered_parameters_come_from_a_list_and_the_longest_placeholder_wins() -> None:
    values = [str(n) for n in range(1, 12)]
    assert render_message("%1 then %11 then %2", values) == "1 then 11 then 2"
    assert render_message('The status "%1" is not part of the order status history.', ["fraud"]) == (
        'The status "fraud" is not part of the order status history.'
    )


def test_replacements_are_not_expanded_again_and_unknown_placeholders_stay() -> None:
    assert render_message("%1 and %2", ["%2", "x"]) == "%2 and x"
    assert render_message("%1 of %missing", ["a"]) == "a of %missing"
    assert render_message("no parameters %1", None) == "no parameters %1"
    assert render_message(
        "%resources", {"resources": ["Magento_Sales::actions_view", "Magento_Cart::manage"]}
    ) == ("Magento_Sales::actions_view, Magento_Cart::manage")


def test_listed_validation_errors_are_kept_in_the_message() -> None:
    body = {
        "message": "One or more input exceptions have occurred.",
        "errors": [
            {
                "message": '"%fieldName" is required. Enter and try again.',
                "parameters": {"fieldName": "firstname"},
            },
            {
                "message": '"%fieldName" is required. Enter and try again.',
                "parameters": {"fieldName": "lastname"},
            },
        ],
    }
    message, _ = error_message(body) or ("", None)
    assert message == (
        'One or more input exceptions have occurred. ("firstname" is required. Enter and try again.; '
        '"lastname" is required. Enter and try again.)'
    )


def classify(
    status: int, body: Any = None, *, method: str = "GET", retry_after: str | None = None
) -> MagentoFailure:
    return classify_status(
        method=method,
        path="/orders/5/hold",
        status=status,
        body=body,
        text="" if body is None else str(body),
        retry_after=retry_after,
        idempotent=method in ("GET", "DELETE"),
    )


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        (400, "POST", RemoteRejectedError),
        (401, "GET", AuthenticationError),
        (403, "GET", AuthenticationError),
        (404, "GET", NotFoundError),
        (409, "PUT", RemoteRejectedError),
        (422, "POST", RemoteRejectedError),
        (429, "POST", TransientError),
        (500, "GET", RemoteRejectedError),
        (502, "GET", TransientError),
        (503, "POST", TransientError),
        (504, "GET", TransientError),
        (502, "POST", OutcomeUnknownError),
        (504, "PUT", OutcomeUnknownError),
    ],
)
def test_each_status_gets_its_class(status: int, method: str, expected: type[Exception]) -> None:
    error = classify(status, {"message": "x"}, method=method)
    assert isinstance(error, expected)
    assert error.status == status
    if not issubclass(expected, TransientError):
        assert isinstance(error, PermanentError)


def test_a_400_carries_magentos_rendered_message_and_parameters() -> None:
    error = classify(400, {"message": "A hold action is not available.", "trace": None})
    assert str(error) == "A hold action is not available."
    error = classify(400, {"message": "Maximum SearchCriteria pageSize is %max", "parameters": {"max": 300}})
    assert str(error) == "Maximum SearchCriteria pageSize is 300"
    assert error.parameters == {"max": 300}
    assert error.call.method == "GET"
    assert error.call.path == "/orders/5/hold"


def test_429_honours_retry_after_in_seconds_or_as_a_date() -> None:
    error = classify(429, {"message": "Too Many Requests", "trace": None}, retry_after="7")
    assert isinstance(error, TransientError)
    assert error.retry_after == 7.0
    assert str(error) == "Too Many Requests"
    now = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 May 2024 10:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 09:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_a_500_is_permanent_unless_it_reports_database_contention() -> None:
    assert isinstance(
        classify(500, {"message": "Internal Error. Details are available in Magento log file."}),
        PermanentError,
    )
    deadlock = {
        "message": "SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock"
    }
    assert isinstance(classify(500, deadlock), TransientError)
    assert isinstance(classify(500, deadlock, method="POST"), OutcomeUnknownError)


def test_a_proxy_page_instead_of_json_still_gives_a_readable_message() -> None:
    error = classify_status(
        method="GET",
        path="/orders",
        status=502,
        body=None,
        text="<html><body><h1>502 Bad Gateway</h1>nginx</body></html>",
        retry_after=None,
        idempotent=True,
    )
    assert isinstance(error, TransientError)
    assert str(error) == "Magento answered HTTP 502 Bad Gateway: 502 Bad Gateway nginx"


def test_transport_failures_are_transient_unless_a_write_may_have_happened() -> None:
    refused = requests.ConnectionError(NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]
    assert isinstance(classify_transport(refused, method="POST", path="/x", idempotent=False), TransientError)
    assert not isinstance(
        classify_transport(refused, method="POST", path="/x", idempotent=False), OutcomeUnknownError
    )

    read_timeout = requests.exceptions.ReadTimeout("read timed out")
    assert isinstance(
        classify_transport(read_timeout, method="GET", path="/x", idempotent=True), TransientError
    )
    unknown = classify_transport(read_timeout, method="PUT", path="/carts/3/order", idempotent=False)
    assert isinstance(unknown, OutcomeUnknownError)
    assert "may have been applied" in str(unknown)

    slow_body = requests.ConnectionError(ReadTimeoutError(None, "/x", "Read timed out."))  # type: ignore[arg-type]
    assert "read timeout" in str(classify_transport(slow_body, method="GET", path="/x", idempotent=True))

    dropped = requests.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    )
    assert isinstance(
        classify_transport(dropped, method="POST", path="/x", idempotent=False), OutcomeUnknownError
    )
    assert isinstance(classify_transport(dropped, method="GET", path="/x", idempotent=True), TransientError)


def test_tls_and_url_problems_are_configuration_errors() -> None:
    assert isinstance(
        classify_transport(
            requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"),
            method="GET",
            path="/x",
            idempotent=True,
        ),
        ConfigurationError,
    )
    assert isinstance(
        classify_transport(requests.exceptions.InvalidURL("bad"), method="GET", path="/x", idempotent=True),
        ConfigurationError,
    )
