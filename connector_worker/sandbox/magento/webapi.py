"""The REST plumbing shared by the route modules: requests, replies, the route table and its matcher.

Paths are matched segment by segment on the *raw* path, each segment percent-decoded on its own, so
``/V1/products/a%2Fb`` reaches the product route with sku ``a/b`` (an ASGI server's decoded ``path``
would have split it). Literal segments win over parameters, as Magento's router prefers them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from connector_worker.sandbox.magento.errors import WebapiError
from connector_worker.sandbox.magento.fields_filter import FIELDS_PARAMETER, applies, partial
from connector_worker.sandbox.magento.render import clean, dumps
from connector_worker.sandbox.magento.search import (
    INVALID_TYPE_MESSAGE,
    SearchCriteria,
    parse_search_criteria,
)
from connector_worker.sandbox.magento.stores import StoreView

if TYPE_CHECKING:
    from connector_worker.sandbox.magento.instance import MagentoSandbox

JSON_TYPE = "application/json; charset=utf-8"
ANONYMOUS = "anonymous"


@dataclass
class Reply:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = JSON_TYPE
    # The route applied the request's ``fields`` selection itself (from its cache); dispatch must not again.
    filtered: bool = False


def json_reply(payload: Any, status: int = 200) -> Reply:
    """A JSON reply; records are cleaned (no NULL or ``_`` keys, numbers for money)."""
    return Reply(status, dumps(clean(payload)))


def partial_reply(reply: Reply, selection: str | None) -> Reply:
    """``reply`` cut down to ``selection`` as Magento does it: successful JSON answers only, once."""
    if (
        selection is None
        or reply.filtered
        or not 200 <= reply.status < 300
        or reply.content_type != JSON_TYPE
    ):
        return reply
    return Reply(
        reply.status, dumps(partial(json.loads(reply.body), selection)), reply.headers, filtered=True
    )


def error_reply(error: WebapiError) -> Reply:
    return Reply(error.status, dumps(clean(error.body())))


@dataclass
class Req:
    """One Magento REST request after routing and authentication."""

    sandbox: MagentoSandbox
    method: str
    store: StoreView
    params: dict[str, str]
    query: list[tuple[str, str]]
    body: Any
    caller: str | None

    @property
    def fields(self) -> str | None:
        """The ``fields`` selection when Magento applies one (the last value, as PHP reads repeated keys)."""
        values = [value for key, value in self.query if key == FIELDS_PARAMETER]
        return values[-1] if values and applies(values[-1]) else None

    def int_param(self, name: str) -> int:
        """A path parameter declared ``int`` in the service signature (Magento casts or refuses)."""
        value = self.params[name]
        try:
            return int(value)
        except ValueError:
            raise WebapiError(400, INVALID_TYPE_MESSAGE, {"value": value, "type": "int"}) from None

    def criteria(self) -> SearchCriteria:
        config = self.sandbox.config
        return parse_search_criteria(
            self.query,
            input_limits=config.input_limits,
            default_page_size=config.default_page_size,
            max_page_size=config.max_page_size,
        )


Handler = Callable[[Req], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    resource: str
    handler: Handler

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.strip("/").split("/"))

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        if method != self.method or len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for expected, given in zip(self.segments, segments, strict=True):
            if expected.startswith("{"):
                if given == "":
                    return None
                params[expected[1:-1]] = given
            elif expected != given:
                return None
        return params


class Router:
    """Routes by method and path segments; literal templates are tried before parametrised ones."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = sorted(routes, key=lambda r: sum(s.startswith("{") for s in r.segments))

    def resolve(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        segments = [unquote(segment) for segment in raw_path.strip("/").split("/")]
        for route in self.routes:
            params = route.match(method, segments)
            if params is not None:
                return route, params
        return None
