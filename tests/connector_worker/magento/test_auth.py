"""Auth: OAuth 1.0a signatures that a server-side RFC 5849 verifier accepts, bearer headers, path rules."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature as rfc5849
from pydantic import SecretStr

from config.settings import AdminAuth, BearerAuth, OAuthAuth
from connector_worker.magento.auth import AdminTokenCache, BearerToken, Credentials, oauth_signer
from connector_worker.magento.search import SearchCriteria, encode_query

OAUTH = OAuthAuth(
    type="oauth",
    consumer_key=SecretStr("ck-123"),
    consumer_secret=SecretStr("cs-456"),
    access_token=SecretStr("at-789"),
    access_token_secret=SecretStr("ats-000"),
)
BASE = "http://127.0.0.1:8123/rest/default/V1"


def signed(method: str, url: str, body: bytes | None = None) -> requests.PreparedRequest:
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return requests.Request(method, url, data=body, headers=headers, auth=oauth_signer(OAUTH)).prepare()


def authorization(prepared: requests.PreparedRequest) -> str:
    value: str | bytes = prepared.headers["Authorization"]  # requests-oauthlib leaves it as UTF-8 bytes
    return value.decode() if isinstance(value, bytes) else value


def server_verifies(prepared: requests.PreparedRequest, consumer_secret: str, token_secret: str) -> bool:
    """What Magento does on receipt: collect query + header oauth params, rebuild the base string, compare."""
    header = authorization(prepared)
    assert isinstance(prepared.url, str)
    request = OAuthRequest(prepared.url, prepared.method, None, {"Authorization": header})
    request.params = rfc5849.collect_parameters(
        uri_query=urlsplit(prepared.url).query,
        headers={"Authorization": header},
        exclude_oauth_signature=True,
    )
    request.signature = oauth_params(prepared)["oauth_signature"]
    return bool(rfc5849.verify_hmac_sha256(request, consumer_secret, token_secret))


def oauth_params(prepared: requests.PreparedRequest) -> dict[str, str]:
    header = {"Authorization": authorization(prepared)}
    return dict(rfc5849.collect_parameters(headers=header, exclude_oauth_signature=False))


def test_a_search_with_bracketed_query_parameters_is_signed_with_hmac_sha256() -> None:
    # given an incremental pull, whose query string is part of the signature base string
    criteria = SearchCriteria().where("updated_at", "gteq", "2024-05-01 10:00:00").order_by("updated_at")
    url = f"{BASE}/orders?{encode_query(criteria.query_params(1, 100))}"
    # when signed
    prepared = signed("GET", url)
    # then Magento's header parameters are there, and an RFC 5849 verifier with the same secrets accepts it
    params = oauth_params(prepared)
    assert params["oauth_signature_method"] == "HMAC-SHA256"
    assert params["oauth_version"] == "1.0"
    assert params["oauth_consumer_key"] == "ck-123"
    assert params["oauth_token"] == "at-789"
    assert server_verifies(prepared, "cs-456", "ats-000")
    # and one with other secrets does not (the check can fail)
    assert not server_verifies(prepared, "cs-456", "wrong")


def test_the_query_string_is_really_covered_by_the_signature() -> None:
    prepared = signed("GET", f"{BASE}/orders?searchCriteria%5BpageSize%5D=10")
    assert isinstance(prepared.url, str)
    prepared.url = prepared.url.replace("pageSize%5D=10", "pageSize%5D=300")
    assert not server_verifies(prepared, "cs-456", "ats-000")


def test_a_json_body_is_not_part_of_the_signature_and_gets_no_body_hash() -> None:
    prepared = signed("POST", f"{BASE}/orders/5/comments", b'{"statusHistory":{"comment":"a=b&c=d"}}')
    params = oauth_params(prepared)
    assert "oauth_body_hash" not in params
    assert prepared.body == b'{"statusHistory":{"comment":"a=b&c=d"}}'
    assert server_verifies(prepared, "cs-456", "ats-000")


def test_every_request_gets_a_fresh_nonce() -> None:
    first = oauth_params(signed("GET", f"{BASE}/orders/1"))
    second = oauth_params(signed("GET", f"{BASE}/orders/1"))
    assert first["oauth_nonce"] != second["oauth_nonce"]


def test_bearer_modes_send_the_token_and_hide_it_from_repr() -> None:
    prepared = requests.Request("GET", f"{BASE}/orders/1", auth=BearerToken("tok-abc")).prepare()
    assert prepared.headers["Authorization"] == "Bearer tok-abc"
    assert "tok-abc" not in repr(BearerToken("tok-abc"))


@pytest.mark.parametrize(
    ("sku", "oauth_ok", "bearer_ok"),
    [
        ("MH01-S-Gray", True, True),
        ("24-WG080_v1.2~x", True, True),
        ("ABC/10", False, True),
        ("A+B", False, True),
        ("with space", False, True),
        ("AB&C", False, True),
        ("Überjacke-é", False, True),
        ("..", False, False),
    ],
)
def test_with_oauth_only_unreserved_skus_travel_in_the_path(
    sku: str, oauth_ok: bool, bearer_ok: bool
) -> None:
    oauth = Credentials(OAUTH, lambda: "unused")
    bearer = Credentials(BearerAuth(type="bearer", token=SecretStr("t")), lambda: "unused")
    assert oauth.path_segment_ok(sku) is oauth_ok
    assert bearer.path_segment_ok(sku) is bearer_ok


def test_an_admin_token_is_fetched_once_and_renewed_once_per_stale_token() -> None:
    fetched: list[str] = []

    def fetch() -> str:
        fetched.append(f"token-{len(fetched) + 1}")
        return fetched[-1]

    cache = AdminTokenCache(fetch)
    assert cache.current() == "token-1"
    assert cache.current() == "token-1"
    assert cache.renew("token-1") == "token-2"
    # a second caller that also saw token-1 fail reuses the renewed token instead of fetching again
    assert cache.renew("token-1") == "token-2"
    assert fetched == ["token-1", "token-2"]

    credentials = Credentials(AdminAuth(type="admin", username="u", password=SecretStr("p")), fetch)
    assert credentials.renewable
    auth = credentials.request_auth()
    assert isinstance(auth, BearerToken)
    credentials.renew(auth)
    assert isinstance(credentials.request_auth(), BearerToken)
