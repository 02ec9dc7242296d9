"""One pooled HTTP session per Magento instance: URLs, credentials, timeouts, retries, counting, logging.

Every request goes through :meth:`MagentoTransport.call`, which is the single place where ``requests``
exceptions and HTTP statuses become the connector's errors, and where each attempt is counted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

from config.settings import AdminAuth, InstanceConfig
from connector_worker.errors import ConfigurationError
from connector_worker.log import get_logger, register_secrets
from connector_worker.magento.auth import BearerToken, Credentials
from connector_worker.magento.errors import (
    MagentoAuthenticationError,
    MagentoCall,
    MagentoMalformedResponseError,
    MagentoNotFoundError,
    MagentoRejectedError,
    classify_status,
    classify_transport,
    make_error,
)
from connector_worker.magento.parsing import MalformedPayloadError, dumps, loads
from connector_worker.magento.retry import RetryPolicy, build_retrying
from connector_worker.magento.search import encode_query

log = get_logger(__name__)

ADMIN_TOKEN_PATH = "/integration/admin/token"  # noqa: S105 (a path, not a password)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE"})
_READ_CHUNK_BYTES = 64 * 1024
_POOL_SIZE = 10  # one worker process rarely has more than a few calls to one store in flight


@dataclass(frozen=True)
class Exchange:
    """One answered request, as sent and received; given to an ``on_exchange`` observer.

    The request headers include the credentials: an observer must not log them as they are.
    """

    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes | None
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes
    duration_seconds: float


class MagentoTransport:
    """Sends requests to ``<base_url>/rest/<store_code>/V1`` and returns parsed JSON, or raises."""

    def __init__(
        self,
        instance: InstanceConfig,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_exchange: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.instance = instance
        self._on_exchange = on_exchange
        self.root = f"{instance.base_url}/rest/{instance.store_code}/V1"
        self._timeout = (instance.options.connect_timeout_seconds, instance.options.read_timeout_seconds)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._owns_session = session is None
        self.session = session or _pooled_session()
        self.credentials = Credentials(instance.auth, self._fetch_admin_token)
        self._count_lock = threading.Lock()
        self._requests_made = 0
        register_secrets(_secret_values(instance))

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries and token requests included."""
        with self._count_lock:
            return self._requests_made

    def close(self) -> None:
        """Release pooled connections (only when this transport created the session)."""
        if self._owns_session:
            self.session.close()

    def path_segment(self, value: str | int) -> str:
        """``value`` percent-encoded as one path segment (``/`` included, so ``A/B`` stays one segment)."""
        return quote(str(value), safe="")

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Iterable[tuple[str, str]] = (),
        body: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send ``method path`` with retries; the parsed JSON answer, or a connector error.

        ``idempotent`` (default: GET/HEAD/DELETE) says whether a request that may have reached Magento can be
        sent again; a POST/PUT that timed out raises :class:`MagentoOutcomeUnknownError` instead.
        """
        safe_to_resend = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        query = encode_query(params)
        renewed = False

        def attempt() -> Any:
            nonlocal renewed
            while True:
                auth = self.credentials.request_auth()
                try:
                    return self._exchange(
                        method, path, query=query, body=body, idempotent=safe_to_resend, auth=auth
                    )
                except MagentoAuthenticationError as exc:
                    if exc.status != 401 or not self.credentials.renewable:
                        raise
                    if renewed:
                        exc.args = (f"{exc} (refused again after renewing the admin token)",)
                        raise
                    renewed = True
                    log.info("magento.admin_token.renew", instance=self.instance.name, path=path)
                    self.credentials.renew(auth)

        return build_retrying(self._retry, self._sleep)(attempt)

    def _fetch_admin_token(self) -> str:
        """A fresh admin token; any refusal by the token endpoint is an authentication failure."""
        auth = self.instance.auth
        assert isinstance(auth, AdminAuth)
        body = {"username": auth.username, "password": auth.password.get_secret_value()}
        try:
            token = self._exchange("POST", ADMIN_TOKEN_PATH, query="", body=body, idempotent=True, auth=None)
        except (MagentoRejectedError, MagentoNotFoundError) as exc:
            if exc.status is None or exc.status >= 500:
                raise
            # 400 with TwoFactorAuth on ("Please use the 2fa provider-specific endpoints..."), 401 bad password
            raise make_error(MagentoAuthenticationError, str(exc), exc.call) from exc
        if not isinstance(token, str) or not token:
            raise make_error(
                MagentoMalformedResponseError,
                "the admin token endpoint did not answer with a token string",
                MagentoCall("POST", ADMIN_TOKEN_PATH, 200),
            )
        register_secrets([token])
        return token

    def _count(self) -> None:
        with self._count_lock:
            self._requests_made += 1

    def _exchange(
        self,
        method: str,
        path: str,
        *,
        query: str,
        body: Any,
        idempotent: bool,
        auth: requests.auth.AuthBase | None,
    ) -> Any:
        """One HTTP request and its classified answer, without retries."""
        url = f"{self.root}{path}" + (f"?{query}" if query else "")
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"  # OAuth: a JSON body is not part of the signature
        started = time.monotonic()
        deadline = started + sum(self._timeout)
        self._count()
        try:
            response = self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                auth=auth,
                timeout=self._timeout,
                stream=True,
                allow_redirects=False,
            )
            try:
                raw = _read_body(response, deadline)
            finally:
                response.close()
        except requests.RequestException as exc:
            error = classify_transport(exc, method=method, path=path, idempotent=idempotent)
            self._log(method, path, None, started, error=type(error).__name__)
            raise error from exc
        self._log(method, path, response.status_code, started)
        if self._on_exchange is not None:
            self._on_exchange(_exchange_record(response, data, raw, time.monotonic() - started))
        return _interpret(method, path, response, raw, idempotent)

    def _log(self, method: str, path: str, status: int | None, started: float, **extra: Any) -> None:
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        log.debug(
            "magento.request",
            instance=self.instance.name,
            method=method,
            path=path,
            status=status,
            duration_ms=duration_ms,
            **extra,
        )


def _pooled_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=_POOL_SIZE, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = _user_agent()
    return session


def _user_agent() -> str:
    try:
        return f"magento-odoo-connector/{version('magento-odoo-connector')}"
    except PackageNotFoundError:
        return "magento-odoo-connector"


def _secret_values(instance: InstanceConfig) -> list[str]:
    return [
        value.get_secret_value()
        for value in instance.auth.__dict__.values()
        if hasattr(value, "get_secret_value")
    ]


def _exchange_record(
    response: requests.Response, sent: bytes | None, raw: bytes, duration: float
) -> Exchange:
    request = response.request
    return Exchange(
        method=str(request.method),
        url=str(request.url),
        request_headers={name: _text(value) for name, value in request.headers.items()},
        request_body=sent,
        status=response.status_code,
        response_headers=dict(response.headers),
        response_body=raw,
        duration_seconds=duration,
    )


def _text(value: str | bytes) -> str:
    """A header value as text (requests-oauthlib leaves the Authorization header as UTF-8 bytes)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _read_body(response: requests.Response, deadline: float) -> bytes:
    """The whole body, or a ReadTimeout once ``deadline`` passes (a trickling body never hits the per-read
    timeout, so the exchange as a whole gets one too)."""
    chunks: list[bytes] = []
    while True:
        chunk = _read_chunk(response)
        if not chunk:
            break
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise requests.exceptions.ReadTimeout("Magento's answer did not complete within the timeout")
    return b"".join(chunks)


def _read_chunk(response: requests.Response) -> bytes:
    """The next bytes as soon as any arrive, with urllib3's errors raised as requests' (as iter_content does)."""
    try:
        chunk: bytes = response.raw.read1(_READ_CHUNK_BYTES)
    except ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from exc
    except DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except OSError as exc:
        raise requests.ConnectionError(exc) from exc
    return chunk


def _interpret(method: str, path: str, response: requests.Response, raw: bytes, idempotent: bool) -> Any:
    """The parsed answer for a 2xx; the classified error otherwise."""
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("Location", "?")
        raise ConfigurationError(
            f"Magento redirected {method} {path} to {location}: set base_url to the final address"
        )
    try:
        parsed: Any = loads(raw)
        malformed: str | None = None
    except MalformedPayloadError as exc:
        parsed, malformed = None, str(exc)
    if 200 <= status < 300:
        if malformed is not None:
            raise make_error(
                MagentoMalformedResponseError,
                f"{method} {path}: Magento answered {status} with an unusable body: {malformed}",
                MagentoCall(method, path, status),
            )
        return parsed
    text = raw.decode("utf-8", "replace")
    raise classify_status(
        method=method,
        path=path,
        status=status,
        body=parsed,
        text=text,
        retry_after=response.headers.get("Retry-After"),
        idempotent=idempotent,
    )


__all__ = ["ADMIN_TOKEN_PATH", "BearerToken", "Exchange", "MagentoTransport"]
