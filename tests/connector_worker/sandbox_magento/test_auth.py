"""Authentication: admin tokens, OAuth 1.0a (HMAC-SHA256 only) and integration bearer tokens, as in 2.4.7."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, Client

from tests.connector_worker.sandbox_magento.conftest import TIMEOUT, Api, search
from tests.support.magento_contract import validate_exchange
from tests.support.magento_sandbox import MagentoSandboxHandle, magento_sandbox

BAD_SIGN_IN = "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."


def signed(shop: MagentoSandboxHandle, method: str, url: str, **client_options: object) -> dict[str, str]:
    """An OAuth ``Authorization`` header for ``url``, signed as an integration client would."""
    creds = shop.credentials
    options: dict[str, object] = {"signature_method": SIGNATURE_HMAC_SHA256, **client_options}
    client = Client(
        creds.consumer_key, creds.consumer_secret, creds.access_token, creds.access_token_secret, **options
    )  # type: ignore[arg-type]
    _, headers, _ = client.sign(url, http_method=method)
    return dict(headers)


def call(method: str, url: str, **kwargs: object) -> requests.Response:
    response = requests.request(method, url, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]
    validate_exchange(response, check_request=False)
    return response


# -- admin tokens ----------------------------------------------------------------------------------------


def test_admin_token_is_a_bare_json_string_jwt_accepted_as_bearer(
    api: Api, shop: MagentoSandboxHandle
) -> None:
    token = api.admin_token()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "HS256"
    response = api.get(f"orders/{shop.control.order_ids()[0]}")
    assert response.status_code == 200


def test_bad_admin_credentials_are_401_with_magentos_message(api: Api) -> None:
    response = api.post("integration/admin/token", json={"username": "admin", "password": "wrong"}, auth=None)
    assert response.status_code == 401
    assert response.json() == {"message": BAD_SIGN_IN}


def test_missing_admin_credentials_are_400(api: Api) -> None:
    response = api.post("integration/admin/token", json={"username": "admin"}, auth=None, check_request=False)
    assert response.status_code == 400
    assert response.json() == {
        "message": '"%fieldName" is required. Enter and try again.',
        "parameters": {"fieldName": "password"},
    }


def test_six_failures_lock_the_account_even_for_the_right_password() -> None:
    with magento_sandbox(orders=1, admin_username="locky", admin_password="s3cret-pass") as shop:
        api = Api(shop)
        for _ in range(6):
            assert (
                api.post(
                    "integration/admin/token", json={"username": "locky", "password": "nope"}, auth=None
                ).status_code
                == 401
            )
        response = api.post(
            "integration/admin/token", json={"username": "locky", "password": "s3cret-pass"}, auth=None
        )
        assert response.status_code == 401
        assert response.json()["message"] == BAD_SIGN_IN


def test_expired_admin_token_makes_the_caller_anonymous_on_that_routes_resource() -> None:
    with magento_sandbox(orders=2, admin_token_lifetime_seconds=3600) as shop:
        api = Api(shop)
        order_id = shop.control.order_ids()[0]
        assert api.get(f"orders/{order_id}").status_code == 200
        shop.control.advance_clock(3601)
        response = api.get(f"orders/{order_id}")
        assert response.status_code == 401
        assert response.json() == {
            "message": "The consumer isn't authorized to access %resources.",
            "parameters": {"resources": "Magento_Sales::actions_view"},
        }
        invoices = api.get("invoices", params=search(page_size=1))
        assert invoices.json()["parameters"] == {"resources": "Magento_Sales::sales_invoice"}


def test_revoked_admin_tokens_need_a_new_token(api: Api, shop: MagentoSandboxHandle) -> None:
    old = Api(shop)
    old.admin_token()
    shop.control.expire_admin_tokens()
    time.sleep(1.1)  # tokens issued in the revocation second are also refused
    assert old.get("orders", params=search(page_size=1)).status_code == 401
    fresh = Api(shop)
    assert fresh.get("orders", params=search(page_size=1)).status_code == 200
    api._token = None  # the module's shared client renews too


@pytest.mark.parametrize(
    ("method", "endpoint", "resource"),
    [
        ("GET", "orders/1/comments", "Magento_Sales::actions_view"),
        ("POST", "orders/1/cancel", "Magento_Sales::cancel"),
        ("POST", "orders/1/hold", "Magento_Sales::hold"),
        ("POST", "orders/1/unhold", "Magento_Sales::unhold"),
        ("POST", "order/1/invoice", "Magento_Sales::invoice"),
        ("POST", "order/1/ship", "Magento_Sales::ship"),
        ("GET", "customers/1", "Magento_Customer::customer"),
        ("GET", "products/MB-DUFFLE-01", "Magento_Catalog::products"),
        ("GET", "carts/1", "Magento_Cart::manage"),
    ],
)
def test_anonymous_calls_name_the_routes_acl_resource(
    api: Api, method: str, endpoint: str, resource: str
) -> None:
    response = api.call(method, endpoint, auth=None)
    assert response.status_code == 401
    assert response.json()["parameters"] == {"resources": resource}


# -- OAuth 1.0a ------------------------------------------------------------------------------------------


def test_oauth_signed_list_with_search_criteria_is_accepted(shop: MagentoSandboxHandle) -> None:
    api = Api(shop, auth="oauth")
    response = api.get(
        "orders", params=search(filters=[[("state", "new", "eq")]], sort=[("entity_id", "ASC")], page_size=5)
    )
    assert response.status_code == 200
    assert response.json()["items"]


def test_oauth_signed_post_with_json_body_is_accepted(shop: MagentoSandboxHandle) -> None:
    api = Api(shop, auth="oauth")
    order_id = shop.control.create_orders(1, state="new", seed=301)[0]
    assert api.post(f"orders/{order_id}/hold").json() is True
    history = {
        "comment": "signed",
        "is_customer_notified": 0,
        "is_visible_on_front": 0,
        "parent_id": order_id,
    }
    assert (
        api.post(f"orders/{order_id}/comments", json={"statusHistory": history}).json() is True
    )  # JSON body unsigned


def test_hmac_sha1_is_not_supported(shop: MagentoSandboxHandle) -> None:
    url = shop.rest_url("orders/1")
    response = call("GET", url, headers=signed(shop, "GET", url, signature_method=SIGNATURE_HMAC_SHA1))
    assert response.status_code == 400
    assert response.json() == {"message": "Signature method %1 is not supported", "parameters": ["HMAC-SHA1"]}


def test_a_reused_nonce_is_refused(shop: MagentoSandboxHandle) -> None:
    url = shop.rest_url(f"orders/{shop.control.order_ids()[0]}")
    headers = signed(shop, "GET", url, nonce="n" * 32)
    assert call("GET", url, headers=headers).status_code == 200
    replay = call("GET", url, headers=headers)
    assert replay.status_code == 401
    assert replay.json() == {
        "message": "The nonce is already being used by the consumer with ID %1",
        "parameters": [1],
    }


def test_a_stale_timestamp_is_refused(shop: MagentoSandboxHandle) -> None:
    url = shop.rest_url("orders/1")
    response = call("GET", url, headers=signed(shop, "GET", url, timestamp=str(int(time.time()) - 3600)))
    assert response.status_code == 400
    assert response.json() == {"message": "Incorrect timestamp value in the oauth_timestamp parameter"}


def test_a_wrong_secret_fails_the_signature(shop: MagentoSandboxHandle) -> None:
    creds = shop.credentials
    url = shop.rest_url("orders/1")
    client = Client(
        creds.consumer_key,
        "x" * 32,
        creds.access_token,
        creds.access_token_secret,
        signature_method=SIGNATURE_HMAC_SHA256,
    )
    _, headers, _ = client.sign(url, http_method="GET")
    response = call("GET", url, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "The signature is invalid. Verify and try again."}


def test_a_signature_for_other_query_params_fails(shop: MagentoSandboxHandle) -> None:
    url = shop.rest_url("orders")
    headers = signed(shop, "GET", url + "?searchCriteria%5BpageSize%5D=5")
    response = call("GET", url + "?searchCriteria%5BpageSize%5D=6", headers=headers)
    assert response.status_code == 401


def test_an_encoded_slash_in_the_path_fails_oauth_as_issue_37913_but_works_with_a_token(
    shop: MagentoSandboxHandle,
) -> None:
    oauth = Api(shop, auth="oauth")
    response = oauth.get("products/ACC%2FSTRAP-01")
    assert response.status_code == 401
    assert response.json()["message"] == "The signature is invalid. Verify and try again."
    assert Api(shop, auth="admin").get("products/ACC%2FSTRAP-01").json()["sku"] == "ACC/STRAP-01"
    assert oauth.get("products/MUG%2BLID%20350").json()["sku"] == "MUG+LID 350"  # other escapes verify fine


def test_unknown_consumer_key_and_token_length(shop: MagentoSandboxHandle) -> None:
    creds = shop.credentials
    url = shop.rest_url("orders/1")
    client = Client(
        "k" * 32,
        creds.consumer_secret,
        creds.access_token,
        creds.access_token_secret,
        signature_method=SIGNATURE_HMAC_SHA256,
    )
    response = call("GET", url, headers=dict(client.sign(url)[1]))
    assert (response.status_code, response.json()["message"]) == (
        401,
        "A consumer having the specified key does not exist",
    )
    client = Client(
        creds.consumer_key,
        creds.consumer_secret,
        "short",
        creds.access_token_secret,
        signature_method=SIGNATURE_HMAC_SHA256,
    )
    response = call("GET", url, headers=dict(client.sign(url)[1]))
    assert (response.status_code, response.json()["message"]) == (
        400,
        "The token length is invalid. Check the length and try again.",
    )


# -- integration token as bearer -------------------------------------------------------------------------


def test_integration_token_is_not_a_bearer_token_by_default(shop: MagentoSandboxHandle) -> None:
    response = Api(shop, auth="bearer").get("orders/1")
    assert response.status_code == 401
    assert response.json()["parameters"] == {"resources": "Magento_Sales::actions_view"}


@pytest.fixture(scope="module")
def bearer_shop() -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(seed=2, orders=3, integration_as_bearer=True) as handle:
        yield handle


def test_integration_token_works_as_bearer_when_enabled(bearer_shop: MagentoSandboxHandle) -> None:
    api = Api(bearer_shop, auth="bearer")
    assert api.get(f"orders/{bearer_shop.control.order_ids()[0]}").status_code == 200
    wrong = api.get("orders/1", headers={"Authorization": "Bearer not-the-token"}, auth=None)
    assert wrong.status_code == 401


def test_instance_config_carries_each_kind_of_credential(bearer_shop: MagentoSandboxHandle) -> None:
    oauth = bearer_shop.instance_config("shop", auth="oauth", page_size=50)
    assert oauth.auth.type == "oauth" and oauth.options.page_size == 50
    assert oauth.base_url == bearer_shop.base_url
    assert bearer_shop.instance_config(auth="bearer").auth.type == "bearer"
    admin = bearer_shop.instance_config(auth="admin", store_code="eu")
    assert admin.auth.type == "admin" and admin.store_code == "eu"
