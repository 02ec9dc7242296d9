"""Magento ``searchCriteria`` as an immutable builder that renders the bracketed query string.

Filters in one group are ORed and groups are ANDed (reference/magento.md §1.1); every builder method returns
a new object, so a base query can be shared and paged without one caller's page leaking into another's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

from connector_worker.magento.parsing import format_magento_datetime

MAX_PAGE_SIZE = 300  # webapi/validation/maximum_page_size default; above it Magento answers 400 (§4.4)
CONDITION_TYPES = frozenset(
    {
        "eq",
        "finset",
        "from",
        "gt",
        "gteq",
        "in",
        "like",
        "lt",
        "lteq",
        "moreq",
        "neq",
        "nfinset",
        "nin",
        "nlike",
        "notnull",
        "null",
        "to",
    }
)
_LIST_CONDITIONS = frozenset({"in", "nin"})
# Magento's SQL builder ignores the value of null/notnull but needs one to be set (isset), so send "1".
_VALUELESS_CONDITIONS = frozenset({"null", "notnull"})

Direction = Literal["ASC", "DESC"]
FilterValue = str | int | Decimal | bool | datetime | date | Sequence[str | int] | None


def render_value(condition: str, value: FilterValue) -> str:
    """The query-string text of a filter value: UTC timestamps, 1/0 booleans, comma lists for in/nin."""
    if condition in _VALUELESS_CONDITIONS:
        return "1"
    if value is None:
        raise ValueError(f"condition {condition!r} needs a value")
    if condition in _LIST_CONDITIONS:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise ValueError(f"condition {condition!r} takes a list of values")
        rendered = [str(item) for item in value]
        if not rendered:
            raise ValueError(f"condition {condition!r} needs at least one value")
        if any("," in item for item in rendered):
            raise ValueError(f"a value for {condition!r} cannot contain ',' (Magento splits on it)")
        return ",".join(rendered)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return format_magento_datetime(value)
    if isinstance(value, str | int | Decimal):
        return str(value)
    raise ValueError(f"condition {condition!r} takes a single value, not {type(value).__name__}")


@dataclass(frozen=True)
class Filter:
    """One ``field <condition> value`` test; the value is rendered when the filter is built."""

    field: str
    condition: str
    value: str

    @classmethod
    def of(cls, field: str, condition: str, value: FilterValue = None) -> Filter:
        """A filter with ``condition`` checked against Magento's list and ``value`` rendered for the query."""
        if condition not in CONDITION_TYPES:
            known = ", ".join(sorted(CONDITION_TYPES))
            raise ValueError(f"unknown condition type {condition!r} (Magento knows: {known})")
        if not field:
            raise ValueError("a filter needs a field name")
        return cls(field, condition, render_value(condition, value))


@dataclass(frozen=True)
class SortOrder:
    """A sort key; Magento's default direction is DESC, so it is always sent explicitly."""

    field: str
    direction: Direction = "ASC"


@dataclass(frozen=True)
class SearchCriteria:
    """``searchCriteria`` for a Magento list endpoint (orders, invoices, shipments, customers, products)."""

    filter_groups: tuple[tuple[Filter, ...], ...] = ()
    sort_orders: tuple[SortOrder, ...] = ()
    size: int | None = None
    field_selection: str | None = None

    def where(self, field: str, condition: str, value: FilterValue = None) -> SearchCriteria:
        """AND a single test (a filter group of one)."""
        return self.any_of(Filter.of(field, condition, value))

    def any_of(self, *filters: Filter) -> SearchCriteria:
        """AND a group whose filters are ORed: ``any_of(Filter.of("status", "eq", "new"), ...)``."""
        if not filters:
            raise ValueError("a filter group needs at least one filter")
        return replace(self, filter_groups=(*self.filter_groups, tuple(filters)))

    def order_by(self, field: str, direction: Direction = "ASC") -> SearchCriteria:
        """Add a sort key after the existing ones."""
        if direction not in ("ASC", "DESC"):
            raise ValueError(f"sort direction must be ASC or DESC, not {direction!r}")
        return replace(self, sort_orders=(*self.sort_orders, SortOrder(field, direction)))

    def page_size(self, size: int) -> SearchCriteria:
        """Set the page size (1..300: Magento's default maximum, above which it answers 400)."""
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(f"page size must be between 1 and {MAX_PAGE_SIZE}, not {size}")
        return replace(self, size=size)

    def fields(self, selection: str) -> SearchCriteria:
        """Partial response, e.g. ``items[entity_id,updated_at],total_count`` (keep ``total_count`` in it)."""
        return replace(self, field_selection=selection)

    def updated_since(self, since: datetime, field: str = "updated_at") -> SearchCriteria:
        """The incremental pull: ``field >= since``, sorted by ``field`` then ``entity_id`` ascending.

        The second key makes the order total: many rows share one second of ``updated_at``, and without a
        tiebreaker the database may order them differently on each page, losing or repeating rows.
        """
        return self.where(field, "gteq", since).order_by(field, "ASC").order_by("entity_id", "ASC")

    def query_params(self, current_page: int, default_page_size: int) -> list[tuple[str, str]]:
        """The bracketed parameters for one page, in a stable order (camelCase, as the 2.4.7 spec names them)."""
        if current_page < 1:
            raise ValueError(f"pages start at 1, not {current_page}")
        params: list[tuple[str, str]] = []
        for g, group in enumerate(self.filter_groups):
            for f, item in enumerate(group):
                prefix = f"searchCriteria[filterGroups][{g}][filters][{f}]"
                params.append((f"{prefix}[field]", item.field))
                params.append((f"{prefix}[value]", item.value))
                params.append((f"{prefix}[conditionType]", item.condition))
        for i, order in enumerate(self.sort_orders):
            params.append((f"searchCriteria[sortOrders][{i}][field]", order.field))
            params.append((f"searchCriteria[sortOrders][{i}][direction]", order.direction))
        params.append(("searchCriteria[pageSize]", str(self.size or default_page_size)))
        params.append(("searchCriteria[currentPage]", str(current_page)))
        if self.field_selection:
            params.append(("fields", self.field_selection))
        return params

    def effective_page_size(self, default_page_size: int) -> int:
        """The page size this query is sent with."""
        return self.size or default_page_size


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """RFC 3986 percent-encoding of every reserved character, brackets included, and ``%20`` for spaces.

    ``+`` for a space (form encoding) would be read back as a space by PHP but is a literal ``+`` to other
    parsers; encoding everything the same way keeps the OAuth base string identical on both ends.
    """
    return "&".join(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in params)


@dataclass
class SearchPage:
    """One page of a Magento search result."""

    items: list[dict[str, Any]] = field(default_factory=list)
    total_count: int = 0
    page: int = 1
    page_size: int = 0

    @property
    def is_last(self) -> bool:
        """True when no later page can hold a match: decided by ``total_count``, never by an empty page."""
        return self.page * self.page_size >= self.total_count
