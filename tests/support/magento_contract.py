"""Contract checks against Adobe Commerce 2.4.7's admin OpenAPI spec, loosened only where real Magento differs.

The spec (``tests/contracts/magento-2.4.7-admin-openapi.json``) is loaded once per process (~2-7 s) with
exactly the three deviations of real Magento that reference/magento.md §7 lists, and nothing else:

1. required properties that real stores send as ``null``: ``payment.account_status``, ``payment.cc_last4``,
   and an order address's ``telephone`` and ``postcode`` become nullable;
2. ``payment.additional_information`` may hold ``null`` items;
3. ``error-response.parameters`` (the shared ``error-parameters`` schema) may be an object (named
   placeholders such as ``%fieldName``) or a list of any values (``%1``, ``%2``).

A request with Magento's ``fields`` parameter (a partial response, which the framework offers on every
route and the spec does not describe) is checked without that parameter, and its answer against
:func:`partial_spec`: the same schemas with no required properties, and nested lists and objects nullable
(Magento's filter turns an empty one into ``null``, and PHP writes an object it emptied as ``[]``).

Requests and responses are validated as ``http://example.com/rest/default/V1/...`` (the spec's only
server), whatever host and store code they were sent to. Failures raise :class:`ContractError` with one
line per problem: where in the document, what is wrong, and the offending value.

Typical use::

    response = requests.get(f"{base_url}/rest/V1/orders/1", headers=auth, timeout=10)
    validate_exchange(response)                       # request and response
    validate_response("GET", "/V1/orders/1", status=404, body=response.content)
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPEC_PATH = Path(__file__).resolve().parents[1] / "contracts" / "magento-2.4.7-admin-openapi.json"
SPEC_HOST = "http://example.com"
SPEC_PREFIX = "/rest/default"
QueryInput = Mapping[str, Any] | Iterable[tuple[str, Any]] | str | None
_lock = threading.Lock()


class ContractError(AssertionError):
    """A request or response does not match the (loosened) 2.4.7 spec; ``problems`` lists each mismatch."""

    def __init__(self, what: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{what} violates the Magento 2.4.7 contract:\n  " + "\n  ".join(problems))


def loosened_spec() -> dict[str, Any]:
    """A copy of the 2.4.7 spec with the three §7 loosenings applied (see module docstring)."""
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    payment = schemas["sales-data-order-payment-interface"]["properties"]
    for name in ("account_status", "cc_last4"):
        payment[name] = {**payment[name], "nullable": True}
    address = schemas["sales-data-order-address-interface"]["properties"]
    for name in ("telephone", "postcode"):
        address[name] = {**address[name], "nullable": True}
    info = payment["additional_information"]
    payment["additional_information"] = {**info, "items": {**info["items"], "nullable": True}}
    schemas["error-parameters"] = {
        "description": "Error parameters: an object for named placeholders, a list for %1, %2 (real Magento)",
        "oneOf": [{"type": "object"}, {"type": "array", "items": {}}],
    }
    return spec


def partial_spec() -> dict[str, Any]:
    """The loosened spec for answers cut down by ``fields=``: nothing required, nested lists and objects may be
    ``null`` (an empty one filtered) and objects ``[]`` (one the filter emptied)."""
    spec = loosened_spec()
    for schema in spec["components"]["schemas"].values():
        _partial_schema(schema)
    return spec


def _partial_schema(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    schema.pop("required", None)
    properties = schema.get("properties", {})
    for name, prop in list(properties.items()):
        _partial_schema(prop)
        if not isinstance(prop, dict):
            continue
        if "$ref" in prop or prop.get("type") == "object":
            # PHP writes an object the filter emptied as []; a $ref cannot carry siblings in OpenAPI 3.0
            properties[name] = {"anyOf": [prop, {"type": "array", "maxItems": 0}], "nullable": True}
        elif prop.get("type") == "array":
            prop["nullable"] = True
    _partial_schema(schema.get("items"))


@functools.cache
def magento_openapi(partial: bool = False) -> OpenAPI:
    """The loosened spec (or its :func:`partial_spec`) as an ``openapi_core.OpenAPI``, built once per process."""
    return OpenAPI.from_dict(copy.deepcopy(partial_spec() if partial else loosened_spec()))


def is_partial(query: QueryInput) -> bool:
    """Whether Magento cuts this request's answer down (``fields`` present and truthy to PHP)."""
    values = [value for key, value in _query_pairs(query) if key == "fields"]
    return bool(values) and values[-1] not in ("", "0")


def spec_path(path: str) -> str:
    """``/rest/<any store>/V1/x`` or ``/rest/V1/x`` or ``/V1/x`` → ``/rest/default/V1/x`` (path only)."""
    path = urlsplit(path).path if "://" in path else path.split("?", 1)[0]
    marker = path.find("/V1/")
    if marker < 0:
        raise ValueError(f"not a Magento REST path: {path!r}")
    return SPEC_PREFIX + path[marker:]


def _query_pairs(query: QueryInput) -> list[tuple[str, str]]:
    if query is None:
        return []
    if isinstance(query, str):
        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    items = query.items() if isinstance(query, Mapping) else query
    return [(str(k), str(v)) for k, v in items]


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _mock_request(
    method: str,
    path: str,
    *,
    query: QueryInput,
    headers: Mapping[str, Any] | None,
    body: Any,
    content_type: str,
) -> MockRequest:
    from werkzeug.datastructures import ImmutableMultiDict

    request = MockRequest(
        SPEC_HOST,
        method.lower(),
        spec_path(path),
        headers={
            str(k): v.decode("latin-1") if isinstance(v, bytes) else str(v)
            for k, v in (headers or {}).items()
        },
        data=_body_bytes(body) or None,
        content_type=content_type,
    )
    request.parameters.query = ImmutableMultiDict(_query_pairs(query))
    return request


def _describe(error: BaseException) -> list[str]:
    """Readable lines for an openapi-core failure: JSON path, message, and the offending value."""
    lines: list[str] = []
    chain: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(f"{type(current).__name__}: {current}")
        schema_errors = getattr(current, "schema_errors", None)
        if schema_errors:
            for schema_error in schema_errors:
                lines.extend(_schema_error_lines(schema_error))
        current = current.__cause__ or current.__context__
    return lines or [" <- ".join(chain)]


def _schema_error_lines(schema_error: Any) -> list[str]:
    location = "$" + "".join(
        f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in schema_error.absolute_path
    )
    value = json.dumps(schema_error.instance, default=str)
    if len(value) > 160:
        value = value[:157] + "..."
    lines = [f"{location}: {schema_error.message} (value: {value})"]
    for sub in schema_error.context or ():
        lines.extend(f"  {line}" for line in _schema_error_lines(sub))
    return lines


def validate_request(
    method: str,
    path: str,
    *,
    query: QueryInput = None,
    headers: Mapping[str, Any] | None = None,
    body: Any = None,
    content_type: str = "application/json",
) -> None:
    """Raise :class:`ContractError` unless the request matches an operation of the spec."""
    pairs = [(key, value) for key, value in _query_pairs(query) if key != "fields"]
    request = _mock_request(method, path, query=pairs, headers=headers, body=body, content_type=content_type)
    with _lock:
        try:
            magento_openapi().validate_request(request)
        except Exception as error:  # openapi-core raises a family of errors; all mean "not valid"
            raise ContractError(f"request {method.upper()} {path}", _describe(error)) from error


def validate_response(
    method: str,
    path: str,
    *,
    status: int,
    body: Any,
    query: QueryInput = None,
    headers: Mapping[str, str] | None = None,
    content_type: str = "application/json",
    request_body: Any = None,
) -> None:
    """Raise :class:`ContractError` unless ``body`` is what the operation may answer with ``status``."""
    request = _mock_request(
        method, path, query=query, headers=None, body=request_body, content_type="application/json"
    )
    mime = content_type.split(";", 1)[0].strip().lower()
    response = MockResponse(
        _body_bytes(body), status_code=status, headers=dict(headers or {}), content_type=mime
    )
    with _lock:
        try:
            magento_openapi(is_partial(query)).validate_response(request, response)
        except Exception as error:
            raise ContractError(f"response {status} to {method.upper()} {path}", _describe(error)) from error


def validate_exchange(response: Any, *, check_request: bool = True) -> None:
    """Validate a ``requests.Response`` or ``httpx.Response`` and, by default, the request that caused it."""
    request = response.request
    url = str(request.url)
    parts = urlsplit(url)
    body = getattr(request, "body", None)
    if body is None and hasattr(request, "content"):
        body = request.content
    request_type = request.headers.get("content-type", "application/json")
    if isinstance(request_type, bytes):  # requests-oauthlib leaves header values as bytes
        request_type = request_type.decode("latin-1")
    if check_request:
        validate_request(
            request.method,
            parts.path,
            query=parts.query,
            headers=dict(request.headers),
            body=body,
            content_type=request_type,
        )
    validate_response(
        request.method,
        parts.path,
        status=response.status_code,
        body=response.content,
        query=parts.query,
        headers=dict(response.headers),
        content_type=response.headers.get("content-type", "application/json"),
        request_body=body,
    )


def validate_error_response(status: int, body: Any, content_type: str = "application/json") -> None:
    """Check an answer to a path the spec does not have (e.g. "Request does not match any route.").

    Magento answers every unmatched route with an ``error-response``; this validates ``body`` against that
    schema through an operation whose default answer is ``error-response``.
    """
    validate_response("GET", "/V1/orders/1", status=status, body=body, content_type=content_type)
