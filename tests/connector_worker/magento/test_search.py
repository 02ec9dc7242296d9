"""searchCriteria: the builder renders exactly the parameters the 2.4.7 spec and the docs describe."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from connector_worker.magento.search import Filter, SearchCriteria, SearchPage, encode_query

SUBSET_SPEC = (
    Path(__file__).resolve().parents[2] / "contracts" / "magento-2.4.7-order-sync-subset.openapi.json"
)


def spec_query_parameters(path: str) -> set[str]:
    spec = json.loads(SUBSET_SPEC.read_text(encoding="utf-8"))
    return {p["name"] for p in spec["paths"][path]["get"]["parameters"] if p["in"] == "query"}


def test_incremental_pull_matches_the_reference_example() -> None:
    # given the incremental pull of reference §1.1
    since = datetime(2024, 5, 1, 10, tzinfo=UTC)
    criteria = SearchCriteria().updated_since(since).page_size(100)
    # when rendered for page 1
    params = criteria.query_params(1, default_page_size=20)
    # then it is the documented query, parameter for parameter
    assert params == [
        ("searchCriteria[filterGroups][0][filters][0][field]", "updated_at"),
        ("searchCriteria[filterGroups][0][filters][0][value]", "2024-05-01 10:00:00"),
        ("searchCriteria[filterGroups][0][filters][0][conditionType]", "gteq"),
        ("searchCriteria[sortOrders][0][field]", "updated_at"),
        ("searchCriteria[sortOrders][0][direction]", "ASC"),
        ("searchCriteria[sortOrders][1][field]", "entity_id"),
        ("searchCriteria[sortOrders][1][direction]", "ASC"),
        ("searchCriteria[pageSize]", "100"),
        ("searchCriteria[currentPage]", "1"),
    ]


@pytest.mark.parametrize(
    "path", ["/V1/orders", "/V1/invoices", "/V1/shipments", "/V1/products", "/V1/customers/search"]
)
def test_single_group_queries_use_only_names_the_spec_declares(path: str) -> None:
    criteria = SearchCriteria().where("order_id", "eq", 5).order_by("entity_id", "DESC").page_size(10)
    names = {name for name, _ in criteria.query_params(3, 20)}
    assert names == spec_query_parameters(path)


def test_filters_in_a_group_are_ored_and_groups_are_anded() -> None:
    criteria = (
        SearchCriteria()
        .any_of(Filter.of("status", "eq", "pending"), Filter.of("status", "eq", "processing"))
        .where("store_id", "in", [1, 2])
    )
    params = dict(criteria.query_params(2, default_page_size=50))
    assert params["searchCriteria[filterGroups][0][filters][0][value]"] == "pending"
    assert params["searchCriteria[filterGroups][0][filters][1][value]"] == "processing"
    assert params["searchCriteria[filterGroups][1][filters][0][field]"] == "store_id"
    assert params["searchCriteria[filterGroups][1][filters][0][value]"] == "1,2"
    assert params["searchCriteria[filterGroups][1][filters][0][conditionType]"] == "in"
    assert params["searchCriteria[pageSize]"] == "50"  # the instance default when none was set
    assert params["searchCriteria[currentPage]"] == "2"


def test_values_are_rendered_the_way_magento_compares_them() -> None:
    paris_noon = datetime.fromisoformat("2024-05-01T12:00:00+02:00")
    criteria = (
        SearchCriteria()
        .where("created_at", "lt", paris_noon)
        .where("customer_is_guest", "eq", True)
        .where("grand_total", "gteq", Decimal("10.50"))
        .where("customer_id", "null")
        .where("increment_id", "like", "2000%")
    )
    values = [value for key, value in criteria.query_params(1, 20) if key.endswith("[value]")]
    assert values == ["2024-05-01 10:00:00", "1", "10.50", "1", "2000%"]


def test_the_builder_refuses_what_magento_would_refuse_or_misread() -> None:
    with pytest.raises(ValueError, match="unknown condition"):
        SearchCriteria().where("status", "equals", "new")
    with pytest.raises(ValueError, match="between 1 and 300"):
        SearchCriteria().page_size(301)
    with pytest.raises(ValueError, match="between 1 and 300"):
        SearchCriteria().page_size(0)
    with pytest.raises(ValueError, match="cannot contain ','"):
        SearchCriteria().where("sku", "in", ["a,b", "c"])
    with pytest.raises(ValueError, match="list"):
        SearchCriteria().where("sku", "in", "a")
    with pytest.raises(ValueError, match="naive"):
        SearchCriteria().where("updated_at", "gteq", datetime(2024, 5, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="ASC or DESC"):
        SearchCriteria().order_by("entity_id", "asc")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a value"):
        SearchCriteria().where("status", "eq")


def test_builders_are_immutable_so_a_base_query_can_be_shared() -> None:
    base = SearchCriteria().where("store_id", "eq", 1)
    one = base.where("status", "eq", "new")
    two = base.page_size(5)
    assert len(base.filter_groups) == 1
    assert len(one.filter_groups) == 2
    assert base.size is None
    assert two.size == 5


def test_the_query_string_encodes_brackets_spaces_and_reserved_characters() -> None:
    criteria = SearchCriteria().where("updated_at", "gteq", datetime(2024, 5, 1, 10, tzinfo=UTC))
    criteria = criteria.where("sku", "eq", "A/B+C & D é%").fields("items[entity_id],total_count")
    query = encode_query(criteria.query_params(1, 100))
    assert "[" not in query
    assert "]" not in query
    assert " " not in query
    assert "+" not in query  # a "+" would be read back as a space by PHP
    assert (
        "searchCriteria%5BfilterGroups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bvalue%5D=2024-05-01%2010%3A00%3A00"
        in query
    )
    # and a PHP-style decoder gets every value back intact
    decoded = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=True))
    assert decoded["searchCriteria[filterGroups][1][filters][0][value]"] == "A/B+C & D é%"
    assert decoded["fields"] == "items[entity_id],total_count"


@pytest.mark.parametrize(
    ("page", "size", "total", "last"),
    [(1, 100, 0, True), (1, 100, 100, True), (1, 100, 101, False), (2, 100, 200, True), (2, 100, 250, False)],
)
def test_the_last_page_is_decided_by_total_count(page: int, size: int, total: int, last: bool) -> None:
    assert SearchPage(items=[], total_count=total, page=page, page_size=size).is_last is last
