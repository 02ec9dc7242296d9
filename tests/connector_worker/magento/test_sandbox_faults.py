"""Faults injected by the sandbox: transient ones are retried within the budget, permanent ones never are."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from connector_worker.errors import (
    AuthenticationError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RemoteRejectedError,
    TransientError,
)
from connector_worker.magento import MagentoClient, RetryPolicy, SearchCriteria
from tests.connector_worker.magento.sandbox_clients import client_for
from tests.support.magento_sandbox import MagentoSandboxHandle, magento_sandbox

ORDER_ROUTE = "V1/orders/{id}"


@pytest.fixture(scope="module")
def shop() -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(seed=31, orders=8) as handle:
        yield handle


@pytest.fixture(autouse=True)
def fresh(shop: MagentoSandboxHandle) -> Iterator[None]:
    shop.control.clear_faults()
    shop.control.reset_requests()
    yield
    shop.control.clear_faults()


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_and_each_attempt_counted(shop: MagentoSandboxHandle, status: int) -> None:
    client = client_for(shop)
    shop.control.set_faults(error_next=2, error_status=status)
    assert client.get_order(1)["entity_id"] == 1
    assert shop.control.request_count("GET") == 3
    assert shop.control.request_count(status=status) == 2
    assert client.requests_made == 3


def test_a_store_that_stays_down_exhausts_the_budget_and_says_why(shop: MagentoSandboxHandle) -> None:
    client = client_for(shop)
    shop.control.set_faults(error_next=10, error_status=503)
    with pytest.raises(TransientError, match=r"^Service Unavailable$"):
        client.get_order(1)
    assert client.requests_made == 3
    assert shop.control.request_count("GET", status=503) == 3


def test_a_share_of_5xx_over_many_calls_never_surfaces(shop: MagentoSandboxHandle) -> None:
    client = client_for(
        shop,
        retry=RetryPolicy(
            attempts=6, initial_wait_seconds=0.005, max_wait_seconds=0.02, jitter_seconds=0.005
        ),
    )
    shop.control.set_faults(error_rate=0.25, error_status=503)
    for _ in range(30):
        client.search_orders(SearchCriteria().page_size(2))
    failed = shop.control.request_count(status=503)
    assert failed > 0  # the fault really happened
    assert client.requests_made == 30 + failed == shop.control.request_count()


def test_a_429_burst_is_waited_out_honouring_retry_after(shop: MagentoSandboxHandle) -> None:
    sleeps: list[float] = []
    client = client_for(shop, sleep=sleeps.append)
    shop.control.set_faults(rate_limit_next=2, retry_after_seconds=3)
    client.get_order(2)
    assert sleeps == [3.0, 3.0]
    assert shop.control.request_count(status=429) == 2
    assert client.requests_made == 3


def test_a_429_asking_for_longer_than_the_budget_goes_back_to_the_caller(shop: MagentoSandboxHandle) -> None:
    client = client_for(shop)
    shop.control.set_faults(rate_limit_next=1, retry_after_seconds=120)
    with pytest.raises(TransientError) as caught:
        client.get_order(2)
    assert caught.value.retry_after == 120.0  # for Celery's countdown
    assert str(caught.value) == "Too Many Requests"
    assert client.requests_made == 1


def test_a_dropped_connection_on_a_read_is_retried(shop: MagentoSandboxHandle) -> None:
    client = client_for(shop)
    shop.control.set_faults(drop_next=2)
    assert client.get_order(3)["entity_id"] == 3
    assert client.requests_made == 3
    assert shop.control.request_count("GET", ORDER_ROUTE, 200) == 1


def test_a_write_whose_answer_is_lost_is_not_resent_and_did_happen(shop: MagentoSandboxHandle) -> None:
    client = client_for(shop)
    entity_id = shop.control.create_orders(1, state="processing")[0]
    shop.control.reset_requests()
    shop.control.set_faults(drop_next=1, drop_after_handling=True, path_pattern=r"/comments$")
    with pytest.raises(OutcomeUnknownError):
        client.add_order_comment(entity_id, "sent once", "processing")
    assert client.requests_made == 1
    shop.control.clear_faults()
    # the caller re-reads before deciding: the comment is there, exactly once
    assert [c["comment"] for c in client.order_comments(entity_id)].count("sent once") == 1


def test_a_slow_body_hits_the_read_timeout_and_is_retried_within_the_budget(
    shop: MagentoSandboxHandle,
) -> None:
    client = client_for(shop, read_timeout_seconds=0.3, connect_timeout_seconds=0.2)
    shop.control.set_faults(slow_body_seconds=3.0)
    started = time.monotonic()
    with pytest.raises(TransientError, match="read timeout"):
        client.get_order(1)
    assert time.monotonic() - started < 3.0  # three attempts of ~0.5 s, never the whole slow body
    assert client.requests_made == 3
    # once the store is fast again the same client works
    shop.control.clear_faults()
    assert client.get_order(1)["entity_id"] == 1


def test_latency_beyond_the_read_timeout_on_a_write_is_an_unknown_outcome(shop: MagentoSandboxHandle) -> None:
    client = client_for(shop, read_timeout_seconds=0.2, connect_timeout_seconds=0.2)
    entity_id = shop.control.create_orders(1, state="processing")[0]
    shop.control.set_faults(latency_ms=600, path_pattern=r"/hold$")
    with pytest.raises(OutcomeUnknownError):
        client.hold_order(entity_id)
    assert client.requests_made == 1


@pytest.mark.parametrize(
    ("call", "error", "route"),
    [
        (lambda c: c.get_order(424242), NotFoundError, ORDER_ROUTE),
        (lambda c: c.unhold_order(1), RemoteRejectedError, "V1/orders/{id}/unhold"),
        (
            lambda c: c.search_orders(SearchCriteria().where("no_such_column", "eq", 1)),
            PermanentError,
            "V1/orders",
        ),
        (lambda c: c.get_product("NO-SUCH-SKU"), NotFoundError, "V1/products/{sku}"),
    ],
)
def test_permanent_errors_are_raised_after_exactly_one_request(
    shop: MagentoSandboxHandle, call: object, error: type[Exception], route: str
) -> None:
    client = client_for(shop, "admin")
    client.get_order(1)  # the token is fetched before counting starts
    shop.control.reset_requests()
    with pytest.raises(error):
        call(client)  # type: ignore[operator]
    assert shop.control.request_count() == 1
    assert shop.control.request_count(route=route) == 1


def test_a_500_application_error_is_permanent(shop: MagentoSandboxHandle) -> None:
    client = client_for(shop)
    shop.control.set_faults(error_next=1, error_status=500)
    with pytest.raises(
        RemoteRejectedError, match=r"Internal Error\. Details are available in Magento log file"
    ):
        client.get_order(1)
    assert client.requests_made == 1


def test_unauthenticated_is_not_retried(shop: MagentoSandboxHandle) -> None:
    with magento_sandbox(seed=32, orders=1) as other:
        # credentials of another store: the consumer key is unknown here
        instance = other.instance_config(auth="oauth").model_copy(update={"base_url": shop.base_url})
        client = MagentoClient(instance)
        with pytest.raises(AuthenticationError, match="A consumer having the specified key does not exist"):
            client.get_order(1)
    assert shop.control.request_count() == 1
