"""Credentials for Magento requests: OAuth 1.0a HMAC-SHA256, a bearer integration token, or an admin token.

OAuth is what a stock 2.4.4+ integration needs (bearer use of integration tokens is off by default); the
admin token expires (4 h by default), so it is fetched lazily and renewed once when Magento answers 401.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER
from requests_oauthlib import OAuth1

from config.settings import AdminAuth, BearerAuth, OAuthAuth

# A path segment made only of RFC 3986 unreserved characters needs no percent-encoding. Anything else is
# encoded, and an encoded path breaks Magento's OAuth signature check (Laminas re-encodes the raw path:
# %2F in #37913, "&" in #37830, a space and parentheses in #9145), so with OAuth such values go through a
# search endpoint instead of the path.
_UNRESERVED_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]+$")


def oauth_signer(auth: OAuthAuth) -> OAuth1:
    """requests-oauthlib signer: header-borne, HMAC-SHA256, query parameters signed, JSON body not signed."""
    return OAuth1(
        auth.consumer_key.get_secret_value(),
        client_secret=auth.consumer_secret.get_secret_value(),
        resource_owner_key=auth.access_token.get_secret_value(),
        resource_owner_secret=auth.access_token_secret.get_secret_value(),
        signature_method=SIGNATURE_HMAC_SHA256,
        signature_type=SIGNATURE_TYPE_AUTH_HEADER,
    )


class BearerToken(requests.auth.AuthBase):
    """``Authorization: Bearer <token>`` (an integration access token, or an admin token)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "BearerToken(****)"


class AdminTokenCache:
    """The current admin token, fetched on first use and replaced at most once per stale token.

    Thread-safe: when several threads see the same expired token, one fetches and the others reuse it.
    """

    def __init__(self, fetch: Callable[[], str]) -> None:
        self._fetch = fetch
        self._token: str | None = None
        self._lock = threading.Lock()

    def current(self) -> str:
        """The cached token, fetching one if there is none yet."""
        with self._lock:
            if self._token is None:
                self._token = self._fetch()
            return self._token

    def renew(self, stale: str) -> str:
        """A token other than ``stale``: fetched now unless another thread already renewed it."""
        with self._lock:
            if self._token is None or self._token == stale:
                self._token = None
                self._token = self._fetch()
            return self._token


class Credentials:
    """What the client needs from an auth mode: a requests ``auth`` per call and how paths may be encoded."""

    def __init__(self, config: OAuthAuth | BearerAuth | AdminAuth, fetch_admin_token: Callable[[], str]):
        self.mode = config.type
        self._oauth = oauth_signer(config) if isinstance(config, OAuthAuth) else None
        self._bearer = (
            BearerToken(config.token.get_secret_value()) if isinstance(config, BearerAuth) else None
        )
        self.admin = AdminTokenCache(fetch_admin_token) if isinstance(config, AdminAuth) else None

    @property
    def renewable(self) -> bool:
        """Whether a 401 may be answered by fetching a new token (admin tokens only)."""
        return self.admin is not None

    def request_auth(self) -> requests.auth.AuthBase:
        """The ``auth`` for the next request (may fetch the first admin token)."""
        if self._oauth is not None:
            signer: requests.auth.AuthBase = self._oauth
            return signer
        if self._bearer is not None:
            return self._bearer
        assert self.admin is not None
        return BearerToken(self.admin.current())

    def renew(self, used: requests.auth.AuthBase) -> None:
        """Replace the admin token that ``used`` carried (after Magento answered 401 to it)."""
        if self.admin is not None and isinstance(used, BearerToken):
            self.admin.renew(used.token)

    def path_segment_ok(self, value: str) -> bool:
        """Whether ``value`` can travel as a path segment in this mode (see ``_UNRESERVED_SEGMENT``)."""
        if value in (".", ".."):
            return False  # URL normalisation would remove the segment
        return self._oauth is None or bool(_UNRESERVED_SEGMENT.match(value))
