"""SKUs with "/", "+", spaces and non-ASCII letters, looked up in all three auth modes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector_worker.errors import AuthenticationError, NotFoundError
from connector_worker.magento import PRODUCT_NOT_FOUND
from tests.connector_worker.magento.sandbox_clients import AUTH_KINDS, client_for
from tests.support.magento_sandbox import AuthKind, MagentoSandboxHandle, magento_sandbox

AWKWARD_SKUS = ("ACC/STRAP-01", "MUG+LID 350", "TÉ-VERDE-250")
PATH_ROUTE = "V1/products/{sku}"
SEARCH_ROUTE = "V1/products"


@pytest.fixture(scope="module")
def shop() -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(seed=41, orders=0, integration_as_bearer=True) as handle:
        yield handle


@pytest.fixture(autouse=True)
def fresh(shop: MagentoSandboxHandle) -> None:
    shop.control.reset_requests()


@pytest.mark.parametrize("auth", AUTH_KINDS)
@pytest.mark.parametrize("sku", AWKWARD_SKUS)
def test_an_awkward_sku_is_found_in_every_auth_mode(
    shop: MagentoSandboxHandle, auth: AuthKind, sku: str
) -> None:
    with client_for(shop, auth) as client:
        product = client.get_product(sku)
    assert product["sku"] == sku
    # OAuth cannot carry an encoded path segment (issue #37913), so it searches; the others use the path
    used = SEARCH_ROUTE if auth == "oauth" else PATH_ROUTE
    assert shop.control.request_count("GET", used, 200) == 1
    assert shop.control.request_count("GET") == 1


@pytest.mark.parametrize("auth", AUTH_KINDS)
def test_a_plain_sku_uses_the_product_path_in_every_mode(shop: MagentoSandboxHandle, auth: AuthKind) -> None:
    with client_for(shop, auth) as client:
        assert client.get_product("SVC-WARRANTY-1Y")["name"] == "1-Year Protection Plan"
    assert shop.control.request_count("GET", PATH_ROUTE, 200) == 1


@pytest.mark.parametrize("auth", AUTH_KINDS)
def test_an_unknown_sku_is_not_found_with_magentos_message_in_every_mode(
    shop: MagentoSandboxHandle, auth: AuthKind
) -> None:
    with client_for(shop, auth) as client:
        with pytest.raises(NotFoundError) as plain:
            client.get_product("NO-SUCH-SKU")
        with pytest.raises(NotFoundError) as awkward:
            client.get_product("NO/SUCH SKU")
    assert str(plain.value) == str(awkward.value) == PRODUCT_NOT_FOUND


@pytest.mark.parametrize("auth", AUTH_KINDS)
def test_a_batch_of_skus_comes_back_in_the_order_asked_without_unknowns(
    shop: MagentoSandboxHandle, auth: AuthKind
) -> None:
    wanted = [*AWKWARD_SKUS, "NO-SUCH-SKU", "SVC-WARRANTY-1Y", "ACC/STRAP-01"]
    with client_for(shop, auth) as client:
        products = client.search_products_by_skus(wanted)
    assert [p["sku"] for p in products] == [*AWKWARD_SKUS, "SVC-WARRANTY-1Y"]
    assert shop.control.request_count("GET", SEARCH_ROUTE, 200) == 1


def test_with_oauth_an_encoded_slash_in_the_path_really_breaks_the_signature(
    shop: MagentoSandboxHandle,
) -> None:
    # the reason for the search detour, shown on the wire: the same request the other modes send
    with (
        client_for(shop, "oauth") as client,
        pytest.raises(AuthenticationError, match="The signature is invalid"),
    ):
        client.transport.call("GET", "/products/ACC%2FSTRAP-01")
