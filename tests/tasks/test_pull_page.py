"""One pull page, inline against both sandboxes: its customers and products found (or made) in a few
batched calls before the orders are handed over, and an order the mapper refuses handed over too (its sync
fails it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
import redis

from connector_worker.errors import MappingError
from connector_worker.redis_keys import RedisKeys
from connector_worker.runtime import Runtime
from mappers.order import required_products
from tasks.pull import FIRST_PULL_FROM, PullWindow, pull_orders
from tasks.resolve import Resolver
from tasks.sync import sync_order
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.tasks.conftest import INSTANCE, make_settings
from tests.tasks.test_sync_workflow import LEGACY_SKU


def whole_history() -> PullWindow:
    return PullWindow(FIRST_PULL_FROM, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))


def test_a_page_is_prefetched_in_a_few_calls_and_its_syncs_then_cost_one_create_each(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given a shop whose orders Odoo has never seen (only the catalogue)
    handed: list[Mapping[str, Any]] = []
    odoo.reset_calls()
    # when it is pulled
    outcome = pull_orders(runtime, INSTANCE, whole_history(), handed.extend)
    # then every order is handed over after a few batched calls (products, countries; customers: search,
    # create, read of their addresses; returning customers' new addresses: search, create), none per order
    assert outcome.dispatched == len(handed) == len(shop.control.order_ids())
    assert odoo.calls() <= 7 < len(handed), odoo.call_log()
    # and a pending order's sync then costs its create alone
    pending = [
        order
        for order in handed
        if order["state"] == "new" and LEGACY_SKU not in {item["sku"] for item in order["items"]}
    ]
    sync_order(runtime, INSTANCE, int(pending[0]["entity_id"]), order=pending[0])  # reference data
    odoo.reset_calls()
    sync_order(runtime, INSTANCE, int(pending[1]["entity_id"]), order=pending[1])
    assert odoo.calls() == odoo.calls(model="sale.order", method="web_save") == 1


def test_an_order_the_mapper_refuses_is_handed_over_with_the_rest_of_its_page(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given an order Magento serves without its grand total
    broken = shop.control.order_ids()[3]
    stored = shop.sandbox.state.get_order(broken)
    del stored["grand_total"]
    shop.sandbox.state.forget_rendering(stored)
    handed: list[Mapping[str, Any]] = []
    # when the page is pulled
    outcome = pull_orders(runtime, INSTANCE, whole_history(), handed.extend)
    # then the page is handed over whole, the broken order included
    assert outcome.dispatched == len(shop.control.order_ids())
    assert broken in {int(order["entity_id"]) for order in handed}
    # and its sync fails it permanently, naming the field
    with pytest.raises(MappingError, match="grand_total"):
        sync_order(runtime, INSTANCE, broken, order=next(o for o in handed if o["entity_id"] == broken))


def test_with_unknown_sku_create_a_page_creates_its_missing_products_in_one_call(
    shop: MagentoSandboxHandle, odoo: OdooSandboxHandle, redis_url: str, key_prefix: str
) -> None:
    # given an instance that creates unknown products, and an Odoo without the catalogue
    odoo.reset()
    client = redis.Redis.from_url(redis_url)
    runtime = Runtime(
        make_settings(shop, odoo, redis_url, key_prefix, unknown_sku="create"), client, RedisKeys(key_prefix)
    )
    try:
        orders = [shop.control.order(entity_id) for entity_id in shop.control.order_ids()]
        skus = {key.sku for order in orders for key in required_products(order)}
        odoo.reset_calls()
        # when a page is prefetched
        found = Resolver(runtime, runtime.instance(INSTANCE)).prefetch(orders)
        # then every SKU became one product, all in one create, and every order is mappable
        assert odoo.calls(model="product.product", method="create") == 1
        made = odoo.read("product.product", [("default_code", "in", sorted(skus))], ["default_code"])
        assert sorted(row["default_code"] for row in made) == sorted(skus)
        assert not found.errors
        assert {found.products[key] for order in orders for key in required_products(order)} == {
            row["id"] for row in made
        }
    finally:
        runtime.close()
        client.close()
