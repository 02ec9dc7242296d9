"""One pull page, inline against both sandboxes: its customers and products found in a few batched calls
before the orders are handed over, and an order the mapper refuses handed over too (its sync fails it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from connector_worker.errors import MappingError
from connector_worker.runtime import Runtime
from tasks.pull import FIRST_PULL_FROM, PullWindow, pull_orders
from tasks.sync import sync_order
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.tasks.conftest import INSTANCE
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
    outcome = pull_orders(runtime, INSTANCE, whole_history(), handed.append)
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
    outcome = pull_orders(runtime, INSTANCE, whole_history(), handed.append)
    # then the page is handed over whole, the broken order included
    assert outcome.dispatched == len(shop.control.order_ids())
    assert broken in {int(order["entity_id"]) for order in handed}
    # and its sync fails it permanently, naming the field
    with pytest.raises(MappingError, match="grand_total"):
        sync_order(runtime, INSTANCE, broken, order=next(o for o in handed if o["entity_id"] == broken))
