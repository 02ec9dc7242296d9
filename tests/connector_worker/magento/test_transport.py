"""Transport: exact wire conditions (drops, trickles, stalls, proxy pages) become the right errors and retries."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import pytest
import structlog
from pydantic import SecretStr

from config.settings import AdminAuth, BearerAuth, InstanceConfig, InstanceOptions
from connector_worker.errors import (
    AuthenticationError,
    ConfigurationError,
    OutcomeUnknownError,
    RemoteRejectedError,
    TransientError,
)
from connector_worker.log import configure_logging
from connector_worker.magento import MagentoClient, MagentoMalformedResponseError, RetryPolicy, SearchCriteria
from tests.connector_worker.magento.scripted_server import Answer, Script, scripted_server
from tests.support.magento_contract import validate_response

FAST = RetryPolicy(attempts=3, initial_wait_seconds=0.01, max_wait_seconds=0.02, jitter_seconds=0.0)
ORDER = {"entity_id": 5, "grand_total": 10.5, "updated_at": "2024-05-01 10:00:00", "items": []}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Script]]:
    with scripted_server() as running:
        yield running


@pytest.fixture
def script(server: tuple[str, Script]) -> Script:
    _, script = server
    script.answers.clear()
    script.received.clear()
    return script


def make_client(
    base_url: str, auth: BearerAuth | AdminAuth | None = None, read_timeout: float = 0.5
) -> MagentoClient:
    instance = InstanceConfig(
        name="shop",
        base_url=base_url,
        auth=auth or BearerAuth(type="bearer", token=SecretStr("bearer-token-xyz")),
        options=InstanceOptions(connect_timeout_seconds=0.2, read_timeout_seconds=read_timeout),
    )
    return MagentoClient(instance, retry=FAST)


@pytest.fixture
def client(server: tuple[str, Script]) -> Iterator[MagentoClient]:
    with make_client(server[0]) as made:
        yield made


def test_a_get_returns_parsed_json_from_the_store_scoped_url(client: MagentoClient, script: Script) -> None:
    script.answers.append(Answer.json(200, ORDER))
    order = client.get_order(5)
    assert order["grand_total"] == pytest.approx(10.5)
    assert order["updated_at"].tzinfo is not None
    [request] = script.received
    assert request.target == "/rest/default/V1/orders/5"
    assert request.headers["authorization"] == "Bearer bearer-token-xyz"
    assert request.headers["accept"] == "application/json"
    assert client.requests_made == 1


def test_5xx_gateway_errors_are_retried_and_every_attempt_is_counted(
    client: MagentoClient, script: Script
) -> None:
    script.answers += [Answer(503, b"<html>maintenance</html>"), Answer(502, b""), Answer.json(200, ORDER)]
    assert client.get_order(5)["entity_id"] == 5
    assert len(script.received) == 3
    assert client.requests_made == 3


def test_a_429_burst_waits_at_least_retry_after(server: tuple[str, Script], script: Script) -> None:
    sleeps: list[float] = []
    instance = make_client(server[0]).instance
    client = MagentoClient(instance, retry=FAST, sleep=sleeps.append)
    too_many = Answer.json(429, {"message": "Too Many Requests", "trace": None}, ("Retry-After", "2"))
    script.answers += [too_many, too_many, Answer.json(200, ORDER)]
    client.get_order(5)
    assert sleeps == [2.0, 2.0]
    assert client.requests_made == 3


def test_a_dropped_connection_on_a_read_is_retried(client: MagentoClient, script: Script) -> None:
    script.answers += [Answer(action="drop"), Answer.json(200, ORDER)]
    assert client.get_order(5)["entity_id"] == 5
    assert len(script.received) == 2


def test_a_dropped_connection_on_a_write_is_an_unknown_outcome_and_not_resent(
    client: MagentoClient, script: Script
) -> None:
    script.answers += [Answer(action="drop"), Answer.json(200, 77)]
    with pytest.raises(OutcomeUnknownError, match="may have been applied"):
        client.place_order(12, "checkmo")
    assert len(script.received) == 1
    assert client.requests_made == 1


def test_a_trickling_body_hits_the_whole_answer_deadline(server: tuple[str, Script], script: Script) -> None:
    # every byte arrives well within the per-read timeout, but the answer as a whole takes too long
    client = make_client(server[0], read_timeout=0.3)
    slow = Answer(200, json.dumps(ORDER).encode(), action="trickle", delay=0.05)
    script.answers += [slow, slow, slow]
    started = time.monotonic()
    with pytest.raises(TransientError, match="read timeout"):
        client.get_order(5)
    assert time.monotonic() - started < 5
    assert client.requests_made == 3  # the whole budget, then the caller decides


def test_stalled_headers_on_a_write_are_an_unknown_outcome(
    server: tuple[str, Script], script: Script
) -> None:
    client = make_client(server[0], read_timeout=0.2)
    script.answers.append(Answer(200, b"5", action="stall", delay=0.6))
    with pytest.raises(OutcomeUnknownError):
        client.invoice_order(5)
    assert client.requests_made == 1


def test_a_truncated_body_is_transient_for_a_read(client: MagentoClient, script: Script) -> None:
    script.answers += [Answer(200, json.dumps(ORDER).encode(), action="truncate"), Answer.json(200, ORDER)]
    assert client.get_order(5)["entity_id"] == 5
    assert len(script.received) == 2


def test_a_200_that_is_not_json_is_permanent_at_once(client: MagentoClient, script: Script) -> None:
    script.answers.append(Answer(200, b"<html>Welcome to nginx</html>"))
    with pytest.raises(MagentoMalformedResponseError, match="unusable body"):
        client.get_order(5)
    assert len(script.received) == 1


def test_answers_of_the_wrong_shape_are_malformed(client: MagentoClient, script: Script) -> None:
    script.answers += [Answer.json(200, [1, 2]), Answer.json(200, "yes"), Answer.json(200, {"items": []})]
    with pytest.raises(MagentoMalformedResponseError):
        client.get_order(5)
    with pytest.raises(MagentoMalformedResponseError):
        client.place_order(3, "checkmo")
    with pytest.raises(MagentoMalformedResponseError, match="total_count"):
        client.search_orders(SearchCriteria())


def test_a_redirect_is_not_followed_but_reported_as_configuration(
    client: MagentoClient, script: Script
) -> None:
    script.answers.append(
        Answer(301, b"", (("Location", "https://shop.example.com/rest/default/V1/orders/5"),))
    )
    with pytest.raises(ConfigurationError, match="set base_url"):
        client.get_order(5)
    assert len(script.received) == 1


def test_cancel_answering_false_is_a_refusal_not_a_success(client: MagentoClient, script: Script) -> None:
    script.answers.append(Answer.json(200, False))
    with pytest.raises(RemoteRejectedError, match="refused to cancel order 9"):
        client.cancel_order(9)


def test_nothing_listening_is_transient_after_the_budget(script: Script) -> None:
    client = make_client("http://127.0.0.1:9")  # discard port: nothing listens there
    with pytest.raises(TransientError, match="cannot connect"):
        client.get_order(1)
    assert client.requests_made == 3
    # a connection that was never made cannot have applied a write: it is retried too, not "unknown"
    with pytest.raises(TransientError) as caught:
        client.place_order(1, "checkmo")
    assert not isinstance(caught.value, OutcomeUnknownError)


def test_admin_token_is_fetched_renewed_once_on_401_then_refused_clearly(
    server: tuple[str, Script], script: Script
) -> None:
    client = make_client(
        server[0], AdminAuth(type="admin", username="admin", password=SecretStr("admin-pass-1"))
    )
    refused = Answer.json(
        401,
        {
            "message": "The consumer isn't authorized to access %resources.",
            "parameters": {"resources": "Magento_Sales::actions_view"},
        },
    )
    script.answers += [
        Answer.json(200, "token-1"),
        refused,
        Answer.json(200, "token-2"),
        Answer.json(200, ORDER),
    ]
    assert client.get_order(5)["entity_id"] == 5
    token_request = script.received[0]
    assert (token_request.method, token_request.target) == (
        "POST",
        "/rest/default/V1/integration/admin/token",
    )
    assert json.loads(token_request.body) == {"username": "admin", "password": "admin-pass-1"}
    assert script.received[1].headers["authorization"] == "Bearer token-1"
    assert script.received[3].headers["authorization"] == "Bearer token-2"
    # when the renewed token is refused as well, the error says so and nothing more is sent
    script.received.clear()
    script.answers += [refused, Answer.json(200, "token-3"), refused]
    with pytest.raises(AuthenticationError) as caught:
        client.get_order(5)
    assert str(caught.value) == (
        "The consumer isn't authorized to access Magento_Sales::actions_view. "
        "(refused again after renewing the admin token)"
    )
    assert len(script.received) == 3
    assert client.requests_made == 7


def test_bad_admin_credentials_fail_at_once(server: tuple[str, Script], script: Script) -> None:
    client = make_client(server[0], AdminAuth(type="admin", username="admin", password=SecretStr("wrong")))
    script.answers.append(
        Answer.json(
            401,
            {
                "message": "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."
            },
        )
    )
    with pytest.raises(AuthenticationError, match="sign-in was incorrect"):
        client.get_order(5)
    assert client.requests_made == 1


def test_two_factor_auth_on_the_token_route_is_an_authentication_error(
    server: tuple[str, Script], script: Script
) -> None:
    client = make_client(server[0], AdminAuth(type="admin", username="admin", password=SecretStr("pw-2fa")))
    script.answers.append(
        Answer.json(
            400,
            {
                "message": "Please use the 2fa provider-specific endpoints to obtain a token.",
                "parameters": {"active_providers": ["google"]},
            },
        )
    )
    with pytest.raises(AuthenticationError, match="2fa provider-specific"):
        client.get_order(5)
    assert client.requests_made == 1


def test_requests_are_logged_at_debug_without_secrets_or_query(client: MagentoClient, script: Script) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    previous_level = root.level
    configure_logging("json", "DEBUG", stream=stream)
    try:
        script.answers.append(Answer.json(200, {"items": [], "total_count": 0}))
        client.find_customers_by_email("jane@example.com")
    finally:
        structlog.reset_defaults()
        for handler in [h for h in root.handlers if getattr(h, "_connector_handler", False)]:
            root.removeHandler(handler)
        root.setLevel(previous_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [entry] = [line for line in lines if line.get("event") == "magento.request"]
    assert entry["level"] == "debug"
    assert entry["method"] == "GET"
    assert entry["path"] == "/customers/search"
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    text = stream.getvalue()
    assert "bearer-token-xyz" not in text
    assert "jane@example.com" not in text


def test_real_world_nulls_and_object_parameters_are_accepted(client: MagentoClient, script: Script) -> None:
    # reference §7: what real stores send where the spec says "required" or "list"
    real_order = {
        **ORDER,
        "base_grand_total": 10.5,
        "customer_email": "guest@example.com",
        "billing_address": {
            "address_type": "billing",
            "city": "X",
            "country_id": "DE",
            "firstname": "A",
            "lastname": "B",
            "postcode": None,
            "telephone": None,
        },
        "payment": {
            "account_status": None,
            "cc_last4": None,
            "method": "checkmo",
            "additional_information": ["95544", None, None, "0"],
        },
        "extension_attributes": {"payment_additional_info": [{"key": "method_title", "value": "null"}]},
    }
    validate_response("GET", "/rest/default/V1/orders/5", status=200, body=json.dumps(real_order).encode())
    script.answers.append(Answer.json(200, real_order))
    order = client.get_order(5)
    assert order["payment"]["cc_last4"] is None
    assert order["payment"]["additional_information"] == ["95544", None, None, "0"]
    assert order["billing_address"]["postcode"] is None
    # and an error whose parameters are an object, as Magento sends for named placeholders
    refusal = {"message": "%fieldName is a required field.", "parameters": {"fieldName": "searchCriteria"}}
    validate_response("GET", "/rest/default/V1/orders", status=400, body=json.dumps(refusal).encode())
    script.answers.append(Answer.json(400, refusal))
    with pytest.raises(RemoteRejectedError, match=r"^searchCriteria is a required field\.$"):
        client.search_orders(SearchCriteria())
