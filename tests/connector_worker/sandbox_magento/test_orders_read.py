"""Reading orders: GET /V1/orders/{id} and GET /V1/orders with searchCriteria, as Magento 2.4.7 answers."""

from __future__ import annotations

from decimal import Decimal

from tests.connector_worker.sandbox_magento.conftest import Api, search
from tests.support.magento_sandbox import MagentoSandboxHandle


def test_every_seeded_order_reads_back_valid_and_complete(api: Api, shop: MagentoSandboxHandle) -> None:
    # Given the seeded orders, when each is read by id, then each validates and carries the getList extras
    for entity_id in shop.control.order_ids():
        order = api.get(f"orders/{entity_id}").json()
        assert order["entity_id"] == entity_id
        extension = order["extension_attributes"]
        assert extension["shipping_assignments"][0]["items"] == order["items"]
        assert "payment_additional_info" in extension
        assert "shipping_address" not in order
        assert order["payment"]["cc_last4"] is None and order["payment"]["account_status"] is None


def test_unknown_order_is_a_404_with_magentos_words(api: Api) -> None:
    response = api.get("orders/999999")
    assert response.status_code == 404
    assert response.json() == {
        "message": "The entity that was requested doesn't exist. Verify the entity and try again."
    }


def test_non_numeric_id_is_refused_as_magento_casts_the_path_parameter(api: Api) -> None:
    response = api.get("orders/abc", check_request=False)
    assert response.status_code == 400
    assert response.json()["parameters"] == {"value": "abc", "type": "int"}


def test_list_items_are_as_complete_as_get(api: Api, shop: MagentoSandboxHandle) -> None:
    listed = api.get("orders", params=search(page_size=5, sort=[("entity_id", "ASC")])).json()
    for item in listed["items"]:
        assert item == api.get(f"orders/{item['entity_id']}").json()


def test_missing_search_criteria_is_the_required_field_error(api: Api) -> None:
    response = api.get("orders")
    assert response.status_code == 400
    assert response.json() == {
        "message": "%fieldName is a required field.",
        "parameters": {"fieldName": "searchCriteria"},
    }


def test_empty_search_criteria_without_page_size_returns_everything(
    api: Api, shop: MagentoSandboxHandle
) -> None:
    body = api.get("orders", params={"searchCriteria": ""}).json()
    assert body["total_count"] == len(shop.control.order_ids()) == len(body["items"])
    assert body["search_criteria"] == {"filter_groups": []}


def test_paging_by_total_count_visits_every_order_once(api: Api, shop: MagentoSandboxHandle) -> None:
    seen: list[int] = []
    page = 1
    while True:
        body = api.get(
            "orders",
            params=search(sort=[("updated_at", "ASC"), ("entity_id", "ASC")], page_size=7, page=page),
        ).json()
        seen += [o["entity_id"] for o in body["items"]]
        if 7 * page >= body["total_count"]:
            break
        page += 1
    assert sorted(seen) == shop.control.order_ids()
    assert len(seen) == len(set(seen))


def test_page_past_the_end_is_empty_with_the_true_total(api: Api) -> None:
    body = api.get("orders", params=search(page_size=10, page=99)).json()
    assert body["items"] == []
    assert body["total_count"] > 0
    assert body["search_criteria"]["current_page"] == 99


def test_filters_in_a_group_are_ored_and_groups_are_anded(api: Api, shop: MagentoSandboxHandle) -> None:
    orders = [shop.control.order(i) for i in shop.control.order_ids()]
    params = search(
        filters=[[("state", "new", "eq"), ("state", "complete", "eq")], [("store_id", "1", "eq")]]
    )
    body = api.get("orders", params=params).json()
    expected = {o["entity_id"] for o in orders if o["state"] in ("new", "complete") and o["store_id"] == 1}
    assert {o["entity_id"] for o in body["items"]} == expected
    assert body["search_criteria"]["filter_groups"][0]["filters"][1] == {
        "field": "state",
        "value": "complete",
        "condition_type": "eq",
    }


def test_condition_types_follow_mysql_semantics(api: Api, shop: MagentoSandboxHandle) -> None:
    orders = [shop.control.order(i) for i in shop.control.order_ids()]
    ids = sorted(o["entity_id"] for o in orders)
    middle = ids[len(ids) // 2]

    def found(field: str, value: str, condition: str) -> set[int]:
        body = api.get("orders", params=search(filters=[[(field, value, condition)]])).json()
        return {o["entity_id"] for o in body["items"]}

    assert found("entity_id", str(middle), "gt") == {i for i in ids if i > middle}
    assert found("entity_id", str(middle), "gteq") == {i for i in ids if i >= middle}
    assert found("entity_id", str(middle), "lt") == {i for i in ids if i < middle}
    assert found("entity_id", str(middle), "lteq") == {i for i in ids if i <= middle}
    assert found("entity_id", str(middle), "neq") == {i for i in ids if i != middle}
    assert found("entity_id", f"{ids[0]},{ids[1]}", "in") == {ids[0], ids[1]}
    assert found("entity_id", f"{ids[0]},{ids[1]}", "nin") == set(ids) - {ids[0], ids[1]}
    assert found("entity_id", str(middle), "from") == {i for i in ids if i >= middle}
    assert found("entity_id", str(middle), "to") == {i for i in ids if i <= middle}
    guests = {o["entity_id"] for o in orders if "customer_id" not in o}
    assert found("customer_id", "1", "null") == guests  # the value is ignored (the spec forbids an empty one)
    assert found("customer_id", "1", "notnull") == set(ids) - guests
    # like is case-insensitive with % wildcards; eq on text is case-insensitive (utf8_general_ci)
    email = next(o["customer_email"] for o in orders)
    assert middle in found("entity_id", str(middle), "eq")
    assert found("customer_email", email.upper(), "eq") == {
        o["entity_id"] for o in orders if o["customer_email"] == email
    }
    assert found("customer_email", "%@EXAMPLE.NET", "like") == {
        o["entity_id"] for o in orders if o["customer_email"].endswith("@example.net")
    }


def test_updated_at_filter_compares_dates_and_sorts_both_ways(api: Api, shop: MagentoSandboxHandle) -> None:
    orders = [shop.control.order(i) for i in shop.control.order_ids()]
    stamps = sorted(o["updated_at"] for o in orders)
    pivot = stamps[len(stamps) // 2]
    body = api.get(
        "orders", params=search(filters=[[("updated_at", pivot, "gteq")]], sort=[("updated_at", "ASC")])
    ).json()
    got = [o["updated_at"] for o in body["items"]]
    assert got == sorted(s for s in stamps if s >= pivot)
    down = api.get("orders", params=search(sort=[("updated_at", "DESC")], page_size=5)).json()
    assert [o["updated_at"] for o in down["items"]] == sorted(stamps, reverse=True)[:5]
    # a date-only value is midnight of that day, as MySQL casts it
    day = pivot[:10]
    body = api.get("orders", params=search(filters=[[("updated_at", day, "gteq")]])).json()
    assert body["total_count"] == sum(1 for s in stamps if s >= f"{day} 00:00:00")


def test_snake_case_spelling_is_accepted(api: Api) -> None:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "state",
        "searchCriteria[filter_groups][0][filters][0][value]": "new",
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "eq",
        "searchCriteria[sort_orders][0][field]": "entity_id",
        "searchCriteria[sort_orders][0][direction]": "desc",
        "searchCriteria[page_size]": "3",
        "searchCriteria[current_page]": "1",
    }
    body = api.get("orders", params=params).json()
    assert body["items"] and all(o["state"] == "new" for o in body["items"])
    ids = [o["entity_id"] for o in body["items"]]
    assert ids == sorted(ids, reverse=True)
    assert body["search_criteria"]["sort_orders"] == [{"field": "entity_id", "direction": "DESC"}]
    assert body["search_criteria"]["page_size"] == 3


def test_bad_sort_direction_and_unknown_column_fail_like_magento(api: Api) -> None:
    response = api.get("orders", params=search(sort=[("entity_id", "sideways")]))
    assert response.status_code == 400
    assert response.json()["parameters"] == ["ASC", "DESC"]
    response = api.get("orders", params=search(filters=[[("no_such_column", "1", "eq")]]))
    assert response.status_code == 500
    assert response.json()["message"].startswith(
        "Internal Error. Details are available in Magento log file. Report ID: webapi-"
    )


def test_lookup_by_quote_id_finds_the_one_order(api: Api, shop: MagentoSandboxHandle) -> None:
    order = shop.control.order(shop.control.order_ids()[3])
    body = api.get("orders", params=search(filters=[[("quote_id", str(order["quote_id"]), "eq")]])).json()
    assert [o["entity_id"] for o in body["items"]] == [order["entity_id"]]


def test_money_is_numbers_and_dates_are_magento_utc_strings(api: Api, shop: MagentoSandboxHandle) -> None:
    order = api.get(f"orders/{shop.control.order_ids()[0]}").json()
    assert isinstance(order["grand_total"], int | float)
    assert len(order["created_at"]) == 19 and order["created_at"][10] == " "
    assert Decimal(str(order["grand_total"])) >= 0
