"""Magento failures turned into the connector's error tree, with Magento's own message rendered.

Transient: connection errors, timeouts, 429, 502/503/504 (and a 500 that reports a database deadlock).
Permanent: every other 4xx, other 500s, a body that is not the JSON Magento sends. A write whose answer was
lost after it was sent is neither: :class:`MagentoOutcomeUnknownError` tells the caller to re-read first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, TypeVar

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

from connector_worker.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectorError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RemoteRejectedError,
    TransientError,
)

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
# A gateway error on a write may come after Magento did the work (the proxy gave up waiting, PHP went on).
# 429 and 503 are refusals before any work (backpressure, maintenance mode), so a write is safe to resend.
AMBIGUOUS_WRITE_STATUSES = frozenset({502, 504})
# A 500 is an uncaught application error: usually deterministic (bad data, a bug), so it is permanent.
# Database contention is the exception; Magento shows it in developer mode, or when a module rethrows it.
_TRANSIENT_500 = re.compile(
    r"(?i)deadlock|lock wait timeout|serialization failure|server has gone away|too many connections|SQLSTATE\[08"
)
_PLACEHOLDER_TEXT_LIMIT = 300


@dataclass(frozen=True)
class MagentoCall:
    """Which request failed and how: method, path (no query string), HTTP status, Magento's parameters."""

    method: str
    path: str
    status: int | None = None
    parameters: Any = None


class MagentoFailure(ConnectorError):
    """What every Magento error carries besides its message: the call it came from."""

    call: MagentoCall = MagentoCall("", "")

    @property
    def status(self) -> int | None:
        """The HTTP status Magento answered with (None when no answer came back)."""
        return self.call.status

    @property
    def parameters(self) -> Any:
        """Magento's raw ``parameters`` (a list or an object), for callers that need a value from it."""
        return self.call.parameters


_E = TypeVar("_E", bound=MagentoFailure)


class MagentoTransientError(MagentoFailure, TransientError):
    """Retry later: Magento or the network is busy or down."""


class MagentoOutcomeUnknownError(MagentoFailure, OutcomeUnknownError):
    """A POST/PUT was sent and no usable answer came back: re-read before sending it again."""


class MagentoAuthenticationError(MagentoFailure, AuthenticationError):
    """Magento refused the credentials (401/403, or the admin token endpoint said no)."""


class MagentoNotFoundError(MagentoFailure, NotFoundError):
    """Magento answered 404 (``NoSuchEntityException``), or a lookup found nothing."""


class MagentoRejectedError(MagentoFailure, RemoteRejectedError):
    """Magento refused the request with a message of its own (400, other 4xx, an application 500)."""


class MagentoMalformedResponseError(MagentoFailure, PermanentError):
    """Magento answered with something that is not what the endpoint returns."""


def make_error(cls: type[_E], message: str, call: MagentoCall, *, retry_after: float | None = None) -> _E:
    """An error of ``cls`` whose ``str()`` is ``message`` and that remembers the call it came from."""
    error = cls(message)
    error.call = call
    as_connector_error: ConnectorError = error  # a TypeVar hides that _E may also be a TransientError
    if isinstance(as_connector_error, TransientError):
        as_connector_error.retry_after = retry_after
    return error


def render_message(template: str, parameters: Any) -> str:
    """Magento's phrase rendering: ``%1``.. from a list, ``%name`` from an object, longest key first.

    This mirrors ``Phrase\\Renderer\\Placeholder`` (``strtr``): each placeholder is replaced once, and a
    replacement's own ``%`` text is never expanded again.
    """
    if isinstance(parameters, list):
        pairs = {f"%{index}": value for index, value in enumerate(parameters, start=1)}
    elif isinstance(parameters, Mapping):
        pairs = {
            f"%{int(key) + 1 if str(key).isdigit() else key}": value for key, value in parameters.items()
        }
    else:
        return template
    if not pairs:
        return template
    keys = sorted(pairs, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(key) for key in keys))
    return pattern.sub(lambda match: _parameter_text(pairs[match.group(0)]), template)


def _parameter_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, list):
        return ", ".join(_parameter_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return str(value)


def error_message(body: Any) -> tuple[str, Any] | None:
    """The rendered message and raw parameters of an ``error-response`` body, or None if it is not one.

    When Magento lists several validation errors under ``errors`` (an ``InputException`` whose main message
    is generic), they are appended so a dead letter says which fields were wrong.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("message"), str):
        return None
    parameters = body.get("parameters")
    message = render_message(body["message"], parameters)
    details = []
    for item in body.get("errors") or []:
        if isinstance(item, Mapping) and isinstance(item.get("message"), str):
            details.append(render_message(item["message"], item.get("parameters")))
    details = [detail for detail in details if detail and detail != message]
    if details:
        message = f"{message} ({'; '.join(details)})"
    return message, parameters


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return max(delta, 0.0)


def classify_status(
    *, method: str, path: str, status: int, body: Any, text: str, retry_after: str | None, idempotent: bool
) -> MagentoFailure:
    """The error for a non-2xx answer; ``body`` is the parsed JSON or None, ``text`` the raw body."""
    parsed = error_message(body)
    message, parameters = parsed if parsed else (_fallback_message(status, text), None)
    call = MagentoCall(method, path, status, parameters)
    if status in TRANSIENT_STATUSES:
        if not idempotent and status in AMBIGUOUS_WRITE_STATUSES:
            return make_error(MagentoOutcomeUnknownError, message, call)
        return make_error(MagentoTransientError, message, call, retry_after=parse_retry_after(retry_after))
    if status in (401, 403):
        return make_error(MagentoAuthenticationError, message, call)
    if status == 404:
        return make_error(MagentoNotFoundError, message, call)
    if status == 500 and _TRANSIENT_500.search(message):
        if not idempotent:
            return make_error(MagentoOutcomeUnknownError, message, call)
        return make_error(MagentoTransientError, message, call)
    return make_error(MagentoRejectedError, message, call)


def _fallback_message(status: int, text: str) -> str:
    """A message for an answer that is not Magento's JSON (an HTML page from a proxy, an empty body)."""
    snippet = " ".join(re.sub(r"<[^>]*>", " ", text).split())[:_PLACEHOLDER_TEXT_LIMIT]
    try:
        label = f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        label = f"HTTP {status}"
    return f"Magento answered {label}" + (f": {snippet}" if snippet else " with no message")


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (``args``, ``__cause__``, urllib3's ``reason``), to find the root failure."""
    seen: list[BaseException] = []
    stack = [exc]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.append(current)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked.extend(arg for arg in current.args if isinstance(arg, BaseException))
        stack.extend(item for item in linked if isinstance(item, BaseException))
    return seen


def classify_transport(
    exc: requests.RequestException, *, method: str, path: str, idempotent: bool
) -> ConnectorError:
    """The error for a request that got no HTTP answer: was it sent, and may it be sent again?"""
    causes = _causes(exc)
    call = MagentoCall(method, path)
    if isinstance(exc, requests.exceptions.SSLError):
        return ConfigurationError(f"TLS with Magento failed on {method} {path}: {exc}")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return ConfigurationError(f"Magento URL is not usable ({exc})")
    if isinstance(exc, requests.exceptions.ConnectTimeout) or any(
        isinstance(cause, NewConnectionError | ConnectTimeoutError) for cause in causes
    ):
        return make_error(MagentoTransientError, f"cannot connect to Magento: {_root_text(exc)}", call)
    if isinstance(exc, requests.exceptions.ReadTimeout) or any(
        isinstance(cause, ReadTimeoutError) for cause in causes
    ):
        text = "Magento did not answer within the read timeout"
    elif isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        text = f"connection to Magento dropped: {_root_text(exc)}"
    else:
        return make_error(MagentoMalformedResponseError, f"request to Magento failed: {exc}", call)
    if idempotent:
        return make_error(MagentoTransientError, text, call)
    return make_error(
        MagentoOutcomeUnknownError, f"{text}; the {method} may have been applied, re-read first", call
    )


def _root_text(exc: BaseException) -> str:
    """The innermost cause as ``Type: text`` (requests' own text repeats the whole URL and pool details)."""
    innermost = exc
    for cause in _causes(exc):
        if not any(isinstance(link, BaseException) for link in (*cause.args, getattr(cause, "reason", None))):
            innermost = cause
    return f"{type(innermost).__name__}: {innermost}"
