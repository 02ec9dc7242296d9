"""``searchCriteria``: parsing the PHP-style query, filtering, sorting and paging like Magento's collections.

Filters in one group are ORed, groups are ANDed. Comparisons follow MySQL: numbers compare as numbers,
text case-insensitively (``utf8_general_ci``), dates as dates, and nothing matches NULL except ``null``.
Both spellings of the query are accepted (``filterGroups``/``filter_groups``, ``conditionType``/
``condition_type``, ...). With input limits on, a missing ``pageSize`` becomes the default page size and
one above the maximum is refused, as ``SearchCriteriaValidator`` and ``DefaultPageSizeSetter`` do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connector_worker.sandbox.magento.errors import WebapiError, bad_request, required_field

MAX_PAGE_SIZE_MESSAGE = "Maximum SearchCriteria pageSize is %max"
INVALID_TYPE_MESSAGE = (
    'The "%value" value\'s type is invalid. The "%type" type was expected. Verify and try again.'
)
SORT_DIRECTION_MESSAGE = (
    "The sort order has to be specified as %1 for ascending order or %2 for descending order."
)
_KEY_ALIASES = {
    "filter_groups": "filterGroups",
    "sort_orders": "sortOrders",
    "page_size": "pageSize",
    "current_page": "currentPage",
    "condition_type": "conditionType",
}
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


class UnknownColumnError(Exception):
    """A filter or sort on a column the table does not have (MySQL error → Magento HTTP 500)."""


@dataclass(frozen=True)
class Filter:
    field: str
    value: str
    condition_type: str | None = None


@dataclass
class SearchCriteria:
    filter_groups: list[list[Filter]] = field(default_factory=list)
    sort_orders: list[tuple[str, str]] = field(default_factory=list)
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict[str, Any]:
        """``search_criteria`` as Magento returns it in a search result."""
        echoed: dict[str, Any] = {
            "filter_groups": [{"filters": [_echo_filter(f) for f in group]} for group in self.filter_groups]
        }
        if self.sort_orders:
            echoed["sort_orders"] = [{"field": f, "direction": d} for f, d in self.sort_orders]
        if self.page_size is not None:
            echoed["page_size"] = self.page_size
        if self.current_page is not None:
            echoed["current_page"] = self.current_page
        return echoed


def _echo_filter(item: Filter) -> dict[str, Any]:
    echoed = {"field": item.field, "value": item.value}
    if item.condition_type is not None:
        echoed["condition_type"] = item.condition_type
    return echoed


def parse_nested_query(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """PHP's ``parse_str`` for bracketed keys: ``a[b][0][c]=v`` → ``{"a": {"b": {"0": {"c": "v"}}}}``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        parts = [head, *_BRACKETS.findall(key[len(head) :])]
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return root


def _canonical(node: Any) -> Any:
    if isinstance(node, dict):
        return {_KEY_ALIASES.get(key, key): _canonical(value) for key, value in node.items()}
    return node


def _indexed(node: Any) -> list[Any]:
    """A PHP array given as ``[0]``, ``[1]`` keys, in index order."""
    if not isinstance(node, dict):
        return []
    return [
        node[key] for key in sorted(node, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    ]


def _as_int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise WebapiError(400, INVALID_TYPE_MESSAGE, {"value": str(value), "type": "int"}) from None


def parse_search_criteria(
    pairs: Iterable[tuple[str, str]],
    *,
    input_limits: bool = False,
    default_page_size: int = 20,
    max_page_size: int = 300,
) -> SearchCriteria:
    """The criteria of a list request; 400 when ``searchCriteria`` is missing or the page is too big."""
    parsed = parse_nested_query(pairs)
    if "searchCriteria" not in parsed:
        raise required_field("searchCriteria")
    raw = _canonical(parsed["searchCriteria"])
    criteria = SearchCriteria()
    if isinstance(raw, dict):
        for group in _indexed(raw.get("filterGroups")):
            filters = [
                Filter(str(f.get("field", "")), str(f.get("value", "")), f.get("conditionType"))
                for f in _indexed(group.get("filters") if isinstance(group, dict) else None)
                if isinstance(f, dict)
            ]
            criteria.filter_groups.append(filters)
        for order in _indexed(raw.get("sortOrders")):
            if isinstance(order, dict):
                criteria.sort_orders.append((str(order.get("field", "")), _direction(order.get("direction"))))
        if raw.get("pageSize") not in (None, ""):
            criteria.page_size = _as_int(raw["pageSize"])
        if raw.get("currentPage") not in (None, ""):
            criteria.current_page = _as_int(raw["currentPage"])
    if input_limits:
        if criteria.page_size is None:
            criteria.page_size = default_page_size
        elif criteria.page_size > max_page_size:
            raise bad_request(MAX_PAGE_SIZE_MESSAGE, {"max": max_page_size})
    return criteria


def _direction(value: Any) -> str:
    if value is None:
        return "DESC"  # "By default, search results are returned in descending order"
    normalized = str(value).upper()
    if normalized not in ("ASC", "DESC"):
        raise bad_request(SORT_DIRECTION_MESSAGE, ["ASC", "DESC"])
    return normalized


# -- evaluation ----------------------------------------------------------------------------------------

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return Decimal(0)  # MySQL casts a non-numeric string to 0


def _moment(text: str) -> datetime | None:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip()[:19], fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _comparable(column: str, stored: Any, given: str) -> tuple[Any, Any]:
    """Both sides in the type MySQL would compare them in."""
    if isinstance(stored, bool):
        stored = int(stored)
    if isinstance(stored, int | Decimal):
        return Decimal(stored), _number(given)
    if column.endswith("_at") or column == "customer_dob":
        left, right = _moment(str(stored)), _moment(given)
        if left is not None and right is not None:
            return left, right
    return str(stored).casefold(), given.casefold()


def _like(pattern: str) -> re.Pattern[str]:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gteq": lambda a, b: a >= b,
    "moreq": lambda a, b: a >= b,
    "from": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lteq": lambda a, b: a <= b,
    "to": lambda a, b: a <= b,
}


def compile_filter(item: Filter, columns: frozenset[str]) -> Predicate:
    """A predicate over records for one filter; unknown condition types behave as ``eq``, as in Magento."""
    column = item.field
    if column not in columns:
        raise UnknownColumnError(column)
    condition = (item.condition_type or "eq").lower()
    if condition == "null":
        return lambda r: r.get(column) is None
    if condition == "notnull":
        return lambda r: r.get(column) is not None
    if condition in ("like", "nlike"):
        pattern, negate = _like(item.value), condition == "nlike"
        return lambda r: r.get(column) is not None and bool(pattern.match(str(r[column]))) != negate
    if condition in ("in", "nin"):
        values, negate = item.value.split(","), condition == "nin"
        return lambda r: r.get(column) is not None and _in(column, r[column], values) != negate
    if condition in ("finset", "nfinset"):
        negate = condition == "nfinset"
        return lambda r: r.get(column) is not None and (item.value in str(r[column]).split(",")) != negate
    compare = _COMPARE.get(condition, _COMPARE["eq"])
    return lambda r: r.get(column) is not None and compare(*_comparable(column, r[column], item.value))


def _in(column: str, stored: Any, values: list[str]) -> bool:
    return any(left == right for left, right in (_comparable(column, stored, v) for v in values))


def _sort_key(column: str) -> Callable[[Record], Any]:
    def key(record: Record) -> Any:
        value = record.get(column)
        if value is None:
            return (0, "")  # MySQL: NULL sorts first ascending, last descending
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return (1, Decimal(value))
        return (1, str(value).casefold())

    return key


def apply_criteria(
    records: Iterable[Record], criteria: SearchCriteria, columns: frozenset[str], *, clamp_page: bool = False
) -> tuple[list[Record], int]:
    """The page of ``records`` the criteria select, and ``total_count`` before paging."""
    groups = [[compile_filter(f, columns) for f in group] for group in criteria.filter_groups if group]
    matched = [r for r in records if all(any(p(r) for p in group) for group in groups)]
    for column, direction in reversed(criteria.sort_orders):
        if column not in columns:
            raise UnknownColumnError(column)
        matched.sort(key=_sort_key(column), reverse=direction == "DESC")
    total = len(matched)
    size = criteria.page_size
    if not size:
        return matched, total
    page = max(criteria.current_page or 1, 1)
    if clamp_page and total:
        page = min(page, (total + size - 1) // size)
    start = (page - 1) * size
    return matched[start : start + size], total
