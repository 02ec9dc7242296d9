"""Authentication as Magento 2.4.7 does it: admin tokens, OAuth 1.0a integrations, optional bearer use.

* Admin tokens are JWTs (2.4.4+) with a lifetime; an expired or unknown token makes the caller anonymous,
  so the route answers 401 "The consumer isn't authorized to access %resources.".
* OAuth 1.0a requests are checked in Magento's order (version, required params, token length, signature
  method — only HMAC-SHA256 —, consumer, timestamp and nonce, token, signature) with Magento's messages.
  The signature is computed with oauthlib over the method, the URL without query, and the query + oauth
  params. Like real Magento (issue #37913, a Laminas double-encoding bug) a path with an encoded slash
  (``%2F``) never verifies.
* The integration access token works as a bearer token only with ``integration_as_bearer`` (off by
  default since 2.4.4).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from types import SimpleNamespace
from typing import Any, Literal
from urllib.parse import unquote

from oauthlib.oauth1.rfc5849 import signature as oauth_signature

from connector_worker.sandbox.magento.config import OAUTH_TOKEN_LENGTH, SandboxConfig
from connector_worker.sandbox.magento.errors import BAD_SIGN_IN, WebapiError, missing_inputs

Caller = Literal["admin", "integration"]
SIGNATURE_METHOD = "HMAC-SHA256"
CONSUMER_ID = 1
ADMIN_USER_ID = 1
MAX_FAILURES = 6  # oauth/authentication_lock/max_failures_count
LOCK_SECONDS = 1800  # oauth/authentication_lock/timeout
_REQUIRED_OAUTH = (
    "oauth_consumer_key",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_nonce",
    "oauth_timestamp",
    "oauth_token",
)
_OAUTH_PARAM = re.compile(r"oauth_[a-z_-]+")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    """Issues and checks credentials for one sandbox; thread-safe."""

    def __init__(self, config: SandboxConfig, now: Any = time.time) -> None:
        self.config = config
        self._now = now
        self._jwt_key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._nonces: set[str] = set()
        self._failures: dict[str, tuple[int, float]] = {}
        self._revoked_before = 0.0

    # -- admin tokens ----------------------------------------------------------------------------------
    def issue_admin_token(self, body: Any) -> str:
        """``POST /V1/integration/admin/token``: a JWT for the configured admin, or 401."""
        data = body if isinstance(body, dict) else {}
        missing = [name for name in ("username", "password") if not data.get(name)]
        if missing:
            raise missing_inputs(missing)
        username, password = str(data["username"]), str(data["password"])
        with self._lock:
            count, locked_until = self._failures.get(username, (0, 0.0))
            locked = locked_until > self._now()
            valid = username == self.config.admin_username and hmac.compare_digest(
                password, self.config.admin_password
            )
            if locked or not valid:
                if not locked:
                    count += 1
                    self._failures[username] = (
                        count,
                        self._now() + LOCK_SECONDS if count >= MAX_FAILURES else 0.0,
                    )
                raise WebapiError(401, BAD_SIGN_IN)
            self._failures.pop(username, None)
        issued = self._now()
        header = _b64(json.dumps({"kid": "1", "alg": "HS256"}).encode())
        claims = {
            "uid": ADMIN_USER_ID,
            "utypid": 2,
            "iat": int(issued),
            "exp": int(issued) + self.config.admin_token_lifetime_seconds,
        }
        payload = _b64(json.dumps(claims).encode())
        signed = hmac.new(self._jwt_key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signed)}"

    def expire_admin_tokens(self) -> None:
        """Make every admin token issued so far invalid (as if its lifetime had passed)."""
        with self._lock:
            self._revoked_before = self._now() + 1

    def _admin_token_valid(self, token: str) -> bool:
        parts = token.split(".")
        if len(parts) != 3:
            return False
        expected = hmac.new(self._jwt_key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_unb64(parts[2]), expected):
                return False
            claims = json.loads(_unb64(parts[1]))
        except (ValueError, json.JSONDecodeError):
            return False
        now = self._now()
        return bool(claims.get("exp", 0) > now and claims.get("iat", 0) >= self._revoked_before)

    # -- request authentication ------------------------------------------------------------------------
    def authenticate(
        self, method: str, url: str, raw_query: str, authorization: str | None, form_body: str | None
    ) -> Caller | None:
        """The caller of a request, ``None`` for anonymous; OAuth problems raise Magento's errors."""
        if not authorization:
            return None
        lowered = authorization.lower()
        if "oauth " in lowered:
            self._verify_oauth(method, url, raw_query, authorization, form_body)
            return "integration"
        if lowered.startswith("bearer "):
            token = authorization[7:].strip()
            if self._admin_token_valid(token):
                return "admin"
            if self.config.integration_as_bearer and hmac.compare_digest(token, self.config.access_token):
                return "integration"
        return None

    def _verify_oauth(
        self, method: str, url: str, raw_query: str, header: str, form_body: str | None
    ) -> None:
        params = _header_params(header)
        if "oauth_version" in params and params["oauth_version"] != "1.0":
            raise WebapiError(400, 'The "%1" Oauth version isn\'t supported.', [params["oauth_version"]])
        missing = [name for name in _REQUIRED_OAUTH if name not in params]
        if missing:
            raise missing_inputs(missing)
        if len(params["oauth_token"]) != OAUTH_TOKEN_LENGTH:
            raise WebapiError(400, "The token length is invalid. Check the length and try again.")
        if params["oauth_signature_method"] != SIGNATURE_METHOD:
            raise WebapiError(400, "Signature method %1 is not supported", [params["oauth_signature_method"]])
        key = params["oauth_consumer_key"]
        if len(key) != OAUTH_TOKEN_LENGTH:
            raise WebapiError(401, "Consumer key is not the correct length")
        if not hmac.compare_digest(key, self.config.consumer_key):
            raise WebapiError(401, "A consumer having the specified key does not exist")
        self._check_nonce(params["oauth_nonce"], params["oauth_timestamp"])
        if not hmac.compare_digest(params["oauth_token"], self.config.access_token):
            raise WebapiError(401, "Specified token does not exist")
        if not self._signature_matches(
            method, url, raw_query, header, form_body=form_body, given=params["oauth_signature"]
        ):
            raise WebapiError(401, "The signature is invalid. Verify and try again.")

    def _check_nonce(self, nonce: str, timestamp: str) -> None:
        try:
            stamp = int(timestamp)
        except ValueError:
            stamp = 0
        window = self.config.oauth_timestamp_window_seconds
        if stamp <= 0 or abs(stamp - time.time()) > window:
            raise WebapiError(400, "Incorrect timestamp value in the oauth_timestamp parameter")
        with self._lock:
            if nonce in self._nonces:
                raise WebapiError(
                    401, "The nonce is already being used by the consumer with ID %1", [CONSUMER_ID]
                )
            self._nonces.add(nonce)

    def _signature_matches(
        self, method: str, url: str, raw_query: str, header: str, *, form_body: str | None, given: str
    ) -> bool:
        base_uri = oauth_signature.base_string_uri(_magento_path_encoding(url))
        params = oauth_signature.collect_parameters(
            uri_query=raw_query,
            body=form_body or "",
            headers={"Authorization": header},
            exclude_oauth_signature=True,
        )
        base = oauth_signature.signature_base_string(
            method.upper(), base_uri, oauth_signature.normalize_parameters(params)
        )
        secrets_holder = SimpleNamespace(
            client_secret=self.config.consumer_secret, resource_owner_secret=self.config.access_token_secret
        )
        expected = oauth_signature.sign_hmac_sha256_with_client(base, secrets_holder)
        return hmac.compare_digest(expected, given)


def _header_params(header: str) -> dict[str, str]:
    """OAuth params of an ``Authorization: OAuth ...`` header, as Magento's request helper reads them."""
    position = header.lower().find("oauth ")
    params: dict[str, str] = {}
    for part in header[position + 6 :].split(","):
        name, sep, value = part.strip().partition("=")
        if sep and _OAUTH_PARAM.fullmatch(name):
            params[unquote(name)] = unquote(value.strip().strip('"'))
    return params


def _magento_path_encoding(url: str) -> str:
    """The URL as Magento's OAuth layer sees it: an encoded slash gets encoded again (issue #37913)."""
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}{host}{slash}{re.sub('%2[fF]', '%252F', path)}"
