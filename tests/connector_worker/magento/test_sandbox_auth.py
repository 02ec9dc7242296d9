"""Auth against the sandbox: OAuth 1.0a, bearer and admin tokens work; refusals are clear and not retried."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import SecretStr

from connector_worker.errors import AuthenticationError
from connector_worker.magento import MagentoClient, SearchCriteria
from tests.connector_worker.magento.sandbox_clients import AUTH_KINDS, client_for
from tests.support.magento_sandbox import AuthKind, MagentoSandboxHandle, magento_sandbox

TOKEN_ROUTE = "V1/integration/admin/token"


@pytest.fixture(scope="module")
def shop() -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(seed=11, orders=5, integration_as_bearer=True) as handle:
        yield handle


@pytest.fixture(autouse=True)
def clean_counters(shop: MagentoSandboxHandle) -> Iterator[None]:
    shop.control.reset_requests()
    shop.control.clear_faults()
    shop.control.advance_clock(2)  # past any revocation an earlier test made (it covers its own second + 1)
    yield
    shop.control.resume_clock()


@pytest.mark.parametrize("auth", AUTH_KINDS)
def test_each_auth_mode_reads_orders(shop: MagentoSandboxHandle, auth: AuthKind) -> None:
    with client_for(shop, auth) as client:
        page = client.search_orders(SearchCriteria().order_by("entity_id").page_size(2))
        order = client.get_order(page.items[0]["entity_id"])
    assert page.total_count == 5
    assert order["entity_id"] == page.items[0]["entity_id"]
    # the admin mode fetched one token first; the others sent exactly the two calls
    expected_token_requests = 1 if auth == "admin" else 0
    assert shop.control.request_count("POST", TOKEN_ROUTE) == expected_token_requests
    assert client.requests_made == 2 + expected_token_requests
    assert shop.control.request_count(status=200) == client.requests_made


def test_a_wrong_oauth_secret_is_refused_once_with_magentos_message(shop: MagentoSandboxHandle) -> None:
    instance = shop.instance_config(auth="oauth")
    wrong = instance.auth.model_copy(update={"access_token_secret": SecretStr("x" * 32)})
    client = MagentoClient(instance.model_copy(update={"auth": wrong}))
    with pytest.raises(AuthenticationError, match=r"^The signature is invalid\. Verify and try again\.$"):
        client.get_order(1)
    assert shop.control.request_count() == 1


def test_an_integration_token_used_as_bearer_is_refused_where_magento_disables_it() -> None:
    # given a store with the 2.4.4+ default (integration tokens are not bearer tokens)
    with magento_sandbox(seed=2, orders=1) as strict:
        client = client_for(strict, "bearer")
        with pytest.raises(
            AuthenticationError, match="The consumer isn't authorized to access Magento_Sales::actions_view"
        ):
            client.search_orders(SearchCriteria())
        assert strict.control.request_count() == 1
        # while OAuth signing works on the same store
        assert client_for(strict, "oauth").search_orders(SearchCriteria()).total_count == 1


def test_a_wrong_admin_password_fails_at_the_token_endpoint_without_retry(shop: MagentoSandboxHandle) -> None:
    instance = shop.instance_config(auth="admin")
    wrong = instance.auth.model_copy(update={"password": SecretStr("not-the-password")})
    client = MagentoClient(instance.model_copy(update={"auth": wrong}))
    with pytest.raises(AuthenticationError, match="The account sign-in was incorrect"):
        client.get_order(1)
    assert shop.control.request_count() == 1
    assert shop.control.request_count("POST", TOKEN_ROUTE, 401) == 1


def test_an_expired_admin_token_is_renewed_once_and_the_call_succeeds(shop: MagentoSandboxHandle) -> None:
    shop.control.freeze_clock()
    client = client_for(shop, "admin")
    client.get_order(1)
    # when every token issued so far expires, and time moves on
    shop.control.expire_admin_tokens()
    shop.control.advance_clock(5)
    order = client.get_order(2)
    # then the client got one new token and repeated the call once
    assert order["entity_id"] == 2
    assert shop.control.request_count("POST", TOKEN_ROUTE) == 2
    assert shop.control.request_count("GET", "V1/orders/{id}", 401) == 1
    assert shop.control.request_count("GET", "V1/orders/{id}", 200) == 2
    assert client.requests_made == 5


def test_a_renewed_admin_token_that_is_refused_too_gives_a_clear_error(shop: MagentoSandboxHandle) -> None:
    shop.control.freeze_clock()
    client = client_for(shop, "admin")
    client.get_order(1)
    # when tokens are revoked and the clock does not move, the renewed token is refused as well
    shop.control.expire_admin_tokens()
    with pytest.raises(AuthenticationError) as caught:
        client.get_order(1)
    assert "refused again after renewing the admin token" in str(caught.value)
    assert str(caught.value).startswith(
        "The consumer isn't authorized to access Magento_Sales::actions_view."
    )
    assert shop.control.request_count("POST", TOKEN_ROUTE) == 2
    assert shop.control.request_count("GET", "V1/orders/{id}", 401) == 2  # renewed once, never more


def test_admin_tokens_that_expire_at_once_are_not_renewed_in_a_loop() -> None:
    with magento_sandbox(seed=3, orders=1, admin_token_lifetime_seconds=0) as shop:
        client = client_for(shop, "admin")
        with pytest.raises(AuthenticationError):
            client.search_orders(SearchCriteria())
        assert shop.control.request_count("POST", TOKEN_ROUTE) == 2
        assert shop.control.request_count() == 4


def test_threads_sharing_a_client_renew_an_expired_token_only_once(shop: MagentoSandboxHandle) -> None:
    shop.control.freeze_clock()
    client = client_for(shop, "admin")
    client.get_order(1)
    shop.control.expire_admin_tokens()
    shop.control.advance_clock(5)
    with ThreadPoolExecutor(max_workers=8) as pool:
        orders = list(pool.map(lambda n: client.get_order(1 + n % 5), range(16)))
    assert len(orders) == 16
    assert shop.control.request_count("POST", TOKEN_ROUTE) == 2  # the first token and one renewal
    assert shop.control.request_count(status=200) == 2 + 1 + 16  # two tokens, the first read, 16 reads
    assert client.requests_made == shop.control.request_count()
