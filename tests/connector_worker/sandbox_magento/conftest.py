"""Fixtures for the Magento sandbox tests: one running sandbox per module and a contract-checking client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth1

from tests.support.magento_contract import validate_error_response, validate_exchange
from tests.support.magento_sandbox import MagentoSandboxHandle, magento_sandbox

TIMEOUT = 10


class Api:
    """HTTP client for the sandbox: every exchange is validated against the 2.4.7 contract."""

    def __init__(self, shop: MagentoSandboxHandle, auth: str = "admin") -> None:
        self.shop = shop
        self.session = requests.Session()
        self.auth_kind = auth
        self._token: str | None = None

    def admin_token(self) -> str:
        if self._token is None:
            creds = self.shop.credentials
            response = self.call(
                "POST",
                "integration/admin/token",
                json={"username": creds.admin_username, "password": creds.admin_password},
                auth=None,
            )
            assert response.status_code == 200, response.text
            self._token = response.json()
        return self._token

    def oauth(self) -> OAuth1:
        creds = self.shop.credentials
        return OAuth1(
            creds.consumer_key,
            creds.consumer_secret,
            creds.access_token,
            creds.access_token_secret,
            signature_method="HMAC-SHA256",
        )

    def call(
        self,
        method: str,
        endpoint: str,
        *,
        store: str | None = None,
        auth: Any = "default",
        check_request: bool = True,
        route_exists: bool = True,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        kind = self.auth_kind if auth == "default" else auth
        extra = dict(headers or {})
        if kind == "admin":
            extra["Authorization"] = f"Bearer {self.admin_token()}"
        elif kind == "oauth":
            kwargs["auth"] = self.oauth()
        elif kind == "bearer":
            extra["Authorization"] = f"Bearer {self.shop.credentials.access_token}"
        response = self.session.request(
            method, self.shop.rest_url(endpoint, store), headers=extra, timeout=TIMEOUT, **kwargs
        )
        if route_exists:
            validate_exchange(response, check_request=check_request)
        else:
            validate_error_response(response.status_code, response.content)
        return response

    def get(self, endpoint: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", endpoint, **kwargs)

    def post(self, endpoint: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", endpoint, **kwargs)

    def put(self, endpoint: str, **kwargs: Any) -> requests.Response:
        return self.call("PUT", endpoint, **kwargs)

    def delete(self, endpoint: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", endpoint, **kwargs)


def search(**criteria: Any) -> dict[str, Any]:
    """Query params for ``searchCriteria`` from a compact description.

    ``search(filters=[[("state", "new", "eq")], ...], sort=[("updated_at", "ASC")], page_size=10, page=1)``
    """
    params: dict[str, Any] = {}
    for g, group in enumerate(criteria.get("filters", [])):
        for f, (field, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filterGroups][{g}][filters][{f}]"
            params[f"{prefix}[field]"] = field
            params[f"{prefix}[value]"] = value
            if condition:
                params[f"{prefix}[conditionType]"] = condition
    for i, (field, direction) in enumerate(criteria.get("sort", [])):
        params[f"searchCriteria[sortOrders][{i}][field]"] = field
        params[f"searchCriteria[sortOrders][{i}][direction]"] = direction
    if "page_size" in criteria:
        params["searchCriteria[pageSize]"] = criteria["page_size"]
    if "page" in criteria:
        params["searchCriteria[currentPage]"] = criteria["page"]
    if not params:
        params["searchCriteria"] = ""
    return params


@pytest.fixture(scope="module")
def shop() -> Iterator[MagentoSandboxHandle]:
    """A seeded sandbox shared by the tests of one module (they must not depend on each other's writes)."""
    with magento_sandbox(seed=11, orders=40, legacy_order=True) as handle:
        yield handle


@pytest.fixture(scope="module")
def api(shop: MagentoSandboxHandle) -> Api:
    return Api(shop, auth="admin")
