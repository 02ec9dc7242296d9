"""Classification of every documented Odoo error shape (reference odoo.md §1.5, §2, §5, §7.2, §7.16)."""

from __future__ import annotations

import http.client
import json
import xml.parsers.expat
import xmlrpc.client

import pytest
from odoolib.tools import AuthenticationError as OdoolibAuthenticationError
from odoolib.tools import JsonRPCException

from connector_worker.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RemoteRejectedError,
    TransientError,
)
from connector_worker.odoo.errors import (
    HttpStatusError,
    OdooAccessDeniedError,
    OdooConcurrencyError,
    OdooMissingError,
    OdooRejectedError,
    OdooResultNotMarshalledError,
    OdooServerError,
    RequestNotSentError,
    classify,
)

SERIALIZATION = "could not serialize access due to concurrent update"


def traceback_of(last_line: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        '  File "/odoo/odoo/service/model.py", line 156, in retrying\n'
        "    result = func()\n"
        '  File "/odoo/odoo/models.py", line 4321, in create\n'
        "    raise ValueError(msg)\n"
        f"{last_line}\n"
    )


def write_error(exc: BaseException, label: str = "sale.order.create") -> object:
    return classify(exc, label=label, read_only=False)


# --- legacy /xmlrpc/<service> (the endpoint odoo-client-lib uses): string fault codes -----------------


def test_legacy_user_error_keeps_odoos_message_and_is_permanent() -> None:
    fault = xmlrpc.client.Fault(
        "warning -- UserError\n\nSome orders are not in a state requiring confirmation.", ""
    )
    error = write_error(fault, "sale.order.action_confirm")
    assert isinstance(error, OdooRejectedError)
    assert isinstance(error, RemoteRejectedError)
    assert error.fault.name == "odoo.exceptions.UserError"
    assert error.fault.message == "Some orders are not in a state requiring confirmation."
    assert str(error) == (
        "sale.order.action_confirm: UserError: Some orders are not in a state requiring confirmation."
    )


def test_legacy_access_error_for_a_private_method_is_a_rejection() -> None:
    message = "Private methods (such as 'sale.order._create_invoices') cannot be called remotely."
    error = write_error(xmlrpc.client.Fault(f"warning -- AccessError\n\n{message}", ""))
    assert isinstance(error, OdooRejectedError)
    assert error.fault.short_name == "AccessError"
    assert error.fault.message == message


def test_legacy_missing_error_is_not_found() -> None:
    fault = xmlrpc.client.Fault(
        "warning -- MissingError\n\nRecord does not exist or has been deleted.\n(Record: sale.order(9,), User: 2)",
        "",
    )
    error = write_error(fault)
    assert isinstance(error, OdooMissingError)
    assert isinstance(error, NotFoundError)
    assert error.fault.message.startswith("Record does not exist or has been deleted.")


def test_legacy_access_denied_is_an_authentication_error() -> None:
    error = write_error(xmlrpc.client.Fault("AccessDenied", "Access Denied"))
    assert isinstance(error, OdooAccessDeniedError)
    assert isinstance(error, AuthenticationError)


def test_legacy_application_error_is_read_from_the_traceback() -> None:
    message = "Invalid field 'no_such_field' in 'res.partner'"
    fault = xmlrpc.client.Fault(message, traceback_of(f"ValueError: {message}"))
    error = write_error(fault)
    assert isinstance(error, OdooServerError)
    assert isinstance(error, PermanentError)
    assert error.fault.name == "ValueError"
    assert error.fault.message == message
    assert "Traceback" not in str(error)


def test_legacy_serialization_failure_is_transient_not_outcome_unknown() -> None:
    fault = xmlrpc.client.Fault(
        SERIALIZATION + "\n", traceback_of(f"psycopg2.errors.SerializationFailure: {SERIALIZATION}")
    )
    error = write_error(fault)
    assert isinstance(error, OdooConcurrencyError)
    assert isinstance(error, TransientError)
    assert not isinstance(error, OutcomeUnknownError)
    assert error.fault.name == "psycopg2.errors.SerializationFailure"


def test_legacy_cannot_marshal_none_says_the_call_committed() -> None:
    text = "cannot marshal None unless allow_none is enabled"
    error = write_error(xmlrpc.client.Fault(text, traceback_of(f"TypeError: {text}")))
    assert isinstance(error, OdooResultNotMarshalledError)


# --- /xmlrpc/2: integer fault codes 1-4 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "text", "expected", "name"),
    [
        (
            2,
            "The operation cannot be completed: Missing required value for the field 'Customer' (partner_id).",
            OdooRejectedError,
            "odoo.exceptions.UserError",
        ),
        (2, "Object no.such.model doesn't exist", OdooRejectedError, "odoo.exceptions.UserError"),
        (3, "Access Denied", OdooAccessDeniedError, "odoo.exceptions.AccessDenied"),
        (
            4,
            "Private methods (such as 'sale.order._create_invoices') cannot be called remotely.",
            OdooRejectedError,
            "odoo.exceptions.AccessError",
        ),
        (
            2,
            "Record does not exist or has been deleted.\n(Record: sale.order(99,), User: 2)",
            OdooMissingError,
            "odoo.exceptions.MissingError",
        ),
    ],
)
def test_xmlrpc2_codes_2_to_4_carry_the_message_alone(
    code: int, text: str, expected: type[Exception], name: str
) -> None:
    error = write_error(xmlrpc.client.Fault(code, text))
    assert type(error) is expected
    assert error.fault.name == name  # type: ignore[attr-defined]
    assert error.fault.message == text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("last_line", "expected", "name", "message"),
    [
        (
            "AttributeError: The method 'sale.order.no_such_method' does not exist",
            OdooServerError,
            "AttributeError",
            "The method 'sale.order.no_such_method' does not exist",
        ),
        (
            "ValueError: Invalid field res.partner.nope in condition ('nope', '=', 1)",
            OdooServerError,
            "ValueError",
            "Invalid field res.partner.nope in condition ('nope', '=', 1)",
        ),
        (
            "TypeError: cannot marshal None unless allow_none is enabled",
            OdooResultNotMarshalledError,
            "TypeError",
            "cannot marshal None unless allow_none is enabled",
        ),
        (
            f"psycopg2.errors.SerializationFailure: {SERIALIZATION}",
            OdooConcurrencyError,
            "psycopg2.errors.SerializationFailure",
            SERIALIZATION,
        ),
    ],
)
def test_xmlrpc2_code_1_is_read_from_the_traceback_last_line(
    last_line: str, expected: type[Exception], name: str, message: str
) -> None:
    error = write_error(xmlrpc.client.Fault(1, traceback_of(last_line)))
    assert type(error) is expected
    assert error.fault.name == name  # type: ignore[attr-defined]
    assert error.fault.message == message  # type: ignore[attr-defined]


def test_a_chained_traceback_is_named_by_its_last_exception() -> None:
    text = (
        traceback_of("psycopg2.errors.UniqueViolation: duplicate key")
        + "\nThe above exception was the direct cause of the following exception:\n\n"
        + traceback_of("ValueError: Wrong value for product.template.type: 'product'")
    )
    error = write_error(xmlrpc.client.Fault(1, text))
    assert isinstance(error, OdooServerError)
    assert error.fault.message == "Wrong value for product.template.type: 'product'"


# --- JSON-RPC: HTTP 200 with an error member ---------------------------------------------------------------


def jsonrpc_error(name: str, message: str) -> JsonRPCException:
    return JsonRPCException(
        {
            "code": 200,
            "message": "Odoo Server Error",
            "data": {
                "name": name,
                "message": message,
                "arguments": [message],
                "context": {},
                "debug": traceback_of(f"{name}: {message}"),
            },
        }
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("odoo.exceptions.ValidationError", OdooRejectedError),
        ("odoo.exceptions.UserError", OdooRejectedError),
        ("odoo.exceptions.AccessError", OdooRejectedError),
        ("odoo.exceptions.MissingError", OdooMissingError),
        ("odoo.exceptions.AccessDenied", OdooAccessDeniedError),
        ("psycopg2.errors.SerializationFailure", OdooConcurrencyError),
        ("odoo.exceptions.ConcurrencyError", OdooConcurrencyError),
        ("builtins.ValueError", OdooServerError),
    ],
)
def test_jsonrpc_error_dicts_are_classified_by_data_name(name: str, expected: type[Exception]) -> None:
    message = "The operation cannot be completed: A Magento order can be imported only once per instance."
    error = write_error(jsonrpc_error(name, message))
    assert type(error) is expected
    assert error.fault.message == message  # type: ignore[attr-defined]
    assert "debug" not in str(error) and "Traceback" not in str(error)


# --- JSON-2: HTTP status and a JSON body -------------------------------------------------------------------


def json2_body(name: str, message: str) -> str:
    return json.dumps(
        {"name": name, "message": message, "arguments": [message], "context": {}, "debug": "tb"}
    )


@pytest.mark.parametrize(
    ("status", "name", "expected"),
    [
        (422, "odoo.exceptions.UserError", OdooRejectedError),
        (422, "odoo.exceptions.ValidationError", OdooRejectedError),
        (401, "werkzeug.exceptions.Unauthorized", OdooAccessDeniedError),
        (403, "odoo.exceptions.AccessError", OdooRejectedError),
        (404, "odoo.exceptions.MissingError", OdooMissingError),
        (404, "werkzeug.exceptions.NotFound", OdooServerError),
        (409, "odoo.exceptions.LockError", OdooConcurrencyError),
        (500, "builtins.ValueError", OdooServerError),
        (500, "psycopg2.errors.SerializationFailure", OdooConcurrencyError),
    ],
)
def test_json2_errors_are_classified_by_body_name(status: int, name: str, expected: type[Exception]) -> None:
    error = write_error(HttpStatusError(status, json2_body(name, "Odoo says no")))
    assert type(error) is expected
    assert error.fault.http_status == status  # type: ignore[attr-defined]
    assert error.fault.message == "Odoo says no"  # type: ignore[attr-defined]


def test_a_proxy_error_page_on_a_write_is_outcome_unknown_and_on_a_read_transient() -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    write = classify(HttpStatusError(502, page), label="sale.order.create", read_only=False)
    read = classify(HttpStatusError(504, page), label="sale.order.search_read", read_only=True)
    assert isinstance(write, OutcomeUnknownError)
    assert isinstance(read, TransientError) and not isinstance(read, OutcomeUnknownError)


def test_busy_answers_are_transient_and_honour_retry_after() -> None:
    error = write_error(HttpStatusError(503, "maintenance", retry_after="7"))
    assert type(error) is TransientError
    assert error.retry_after == 7.0
    limited = write_error(HttpStatusError(429, "", retry_after="Wed, 21 Oct 2015 07:28:00 GMT"))
    assert type(limited) is TransientError
    assert limited.retry_after is None


def test_an_unexpected_4xx_page_is_permanent_and_points_at_the_url() -> None:
    error = write_error(HttpStatusError(404, "<html>Not Found</html>"))
    assert type(error) is PermanentError
    assert "check the Odoo URL" in str(error)


def test_xmlrpc_protocol_errors_use_the_same_status_rules() -> None:
    gateway_timeout = xmlrpc.client.ProtocolError("h/xmlrpc/object", 504, "Gateway Timeout", {})
    busy = xmlrpc.client.ProtocolError("h/xmlrpc/object", 503, "Unavailable", {"Retry-After": "3"})
    assert isinstance(write_error(gateway_timeout), OutcomeUnknownError)
    busy_error = write_error(busy)
    assert type(busy_error) is TransientError and busy_error.retry_after == 3.0


# --- odoo-client-lib's own exceptions ----------------------------------------------------------------------


def test_odoolib_json2_value_error_never_leaks_the_request_data() -> None:
    body = json2_body("odoo.exceptions.ValidationError", "Invalid email")
    exc = ValueError(f"Invalid request: {body} for data {{'vals': {{'email': 'jane.doe@example.com'}}}}")
    error = write_error(exc)
    assert isinstance(error, OdooRejectedError)
    assert error.fault.message == "Invalid email"
    assert "jane.doe" not in str(error)


def test_odoolib_unexpected_status_value_error_is_parsed() -> None:
    body = json2_body("odoo.exceptions.AccessError", "You are not allowed to access 'Magento Outbox'")
    error = write_error(ValueError(f"Unexpected status code 403: {body}"))
    assert isinstance(error, OdooRejectedError)
    assert error.fault.http_status == 403


def test_odoolib_authentication_errors() -> None:
    assert type(write_error(OdoolibAuthenticationError("Authentication failure"))) is AuthenticationError
    assert isinstance(write_error(OdoolibAuthenticationError("Credentials not provided")), ConfigurationError)


# --- the wire ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        RequestNotSentError("ConnectionRefusedError: [Errno 111] Connection refused"),
        RequestNotSentError("TimeoutError: timed out"),
        RequestNotSentError("BrokenPipeError: [Errno 32] Broken pipe"),
    ],
)
def test_requests_that_never_left_are_plainly_transient_even_for_writes(exc: BaseException) -> None:
    error = write_error(exc)
    assert type(error) is TransientError


@pytest.mark.parametrize(
    "exc",
    [
        TimeoutError("timed out"),
        http.client.IncompleteRead(b"{", 10),
        http.client.BadStatusLine("garbage"),
        http.client.RemoteDisconnected("Remote end closed connection without response"),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
)
def test_a_lost_answer_is_outcome_unknown_for_writes_and_transient_for_reads(exc: BaseException) -> None:
    assert isinstance(classify(exc, label="sale.order.create", read_only=False), OutcomeUnknownError)
    read = classify(exc, label="sale.order.search_read", read_only=True)
    assert type(read) is TransientError


def test_a_malformed_odoo_url_is_a_configuration_error() -> None:
    assert isinstance(write_error(http.client.InvalidURL("nonnumeric port: 'x'")), ConfigurationError)


def test_garbage_instead_of_rpc_is_permanent() -> None:
    assert type(write_error(xml.parsers.expat.ExpatError("syntax error"))) is PermanentError
    assert type(write_error(json.JSONDecodeError("Expecting value", "<html>", 0))) is PermanentError


def test_foreign_programming_errors_are_left_alone() -> None:
    assert write_error(KeyError("id")) is None
