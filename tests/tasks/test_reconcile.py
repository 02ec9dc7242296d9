"""The reconcile, inline against both sandboxes: it hands over exactly the orders Odoo lacks or holds at
another Magento status, forgets their synced markers so their syncs act, leaves dead-lettered orders and
the pull's watermark alone, and finds nothing once Odoo is in line again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from connector_worker.dlq import Attempt, DeadLetter, DeadLetterStore
from connector_worker.errors import PermanentError
from connector_worker.runtime import Runtime
from connector_worker.synced import synced_version
from connector_worker.watermarks import read_watermark
from mappers.errors import MappingError
from tasks.pull import PullOutcome, pull_orders
from tasks.reconcile import RUN, out_of_line_with_odoo, reconcile_window, resync
from tasks.resolve import Resolver
from tasks.sync import sync_order
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.tasks.conftest import INSTANCE
from tests.tasks.test_pull_page import whole_history
from tests.tasks.test_sync_workflow import LEGACY_SKU


def _reconcile(runtime: Runtime) -> tuple[PullOutcome, list[int]]:
    handed: list[Mapping[str, Any]] = []
    outcome = pull_orders(
        runtime,
        INSTANCE,
        whole_history(),
        resync(runtime, INSTANCE, handed.extend),
        select=out_of_line_with_odoo(runtime, INSTANCE),
        run=RUN,
    )
    return outcome, sorted(int(order["entity_id"]) for order in handed)


def import_all(runtime: Runtime, shop: MagentoSandboxHandle) -> int:
    """Sync every order of the shop; the one with an unknown SKU is dead-lettered as a worker would."""
    legacy = 0
    for entity_id in shop.control.order_ids():
        try:
            sync_order(runtime, INSTANCE, entity_id)
        except (MappingError, PermanentError) as exc:
            assert LEGACY_SKU in str(exc)
            legacy = entity_id
            DeadLetterStore(runtime.redis, runtime.keys).add(
                DeadLetter(
                    reason=str(exc),
                    task="orders.sync",
                    task_id=f"test-{entity_id}",
                    kwargs={"instance": INSTANCE, "entity_id": entity_id},
                    attempts=(Attempt.from_exception(1, exc),),
                    instance=INSTANCE,
                    entity_id=str(entity_id),
                    queue="orders.pull",
                    hostname=None,
                )
            )
    assert legacy
    return legacy


def test_the_reconcile_resyncs_what_odoo_lacks_or_holds_at_another_status_and_nothing_else(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    legacy = import_all(runtime, shop)
    imported = [e for e in shop.control.order_ids() if e != legacy]
    # given an order deleted in Odoo (a quotation), and one Magento cancelled without Odoo hearing of it
    gw = runtime.odoo()
    instance_id = Resolver(runtime, runtime.instance(INSTANCE)).instance_id()
    held = gw.find_orders(instance_id, imported, ("state", "magento_status"))
    deleted = next(e for e in imported if held[str(e)]["state"] == "draft")
    odoo.call("sale.order", "unlink", [held[str(deleted)]["id"]])
    stale = next(e for e in imported if e != deleted and held[str(e)]["magento_status"] == "pending")
    assert shop.control.cancel(stale)
    assert synced_version(runtime.redis, runtime.keys, INSTANCE, deleted) is not None
    watermark = read_watermark(runtime.redis, runtime.keys, INSTANCE)
    odoo.reset_calls()
    # when the reconcile runs over the whole history
    outcome, handed = _reconcile(runtime)
    # then it hands over those two, not the dead-lettered order nor any order in line
    assert handed == sorted([deleted, stale])
    assert outcome.seen == len(shop.control.order_ids())
    assert odoo.calls(model="sale.order", method="search_read") == 1  # one diff per page
    # with their markers forgotten, so their syncs act; and it leaves the pull's watermark alone
    assert synced_version(runtime.redis, runtime.keys, INSTANCE, deleted) is None
    assert read_watermark(runtime.redis, runtime.keys, INSTANCE) == watermark
    # when their syncs run, then Odoo holds the deleted order again and the other one cancelled
    assert sync_order(runtime, INSTANCE, deleted).result == "created"
    assert sync_order(runtime, INSTANCE, stale).result == "updated"
    back = gw.find_orders(instance_id, [deleted, stale], ("state", "magento_status"))
    assert back[str(deleted)]["magento_status"] == "pending"
    assert (back[str(stale)]["state"], back[str(stale)]["magento_status"]) == ("cancel", "canceled")
    # and a second reconcile finds nothing to do
    assert _reconcile(runtime)[1] == []


def test_the_reconcile_window_ends_where_the_pull_overlap_begins(runtime: Runtime) -> None:
    options = runtime.instance(INSTANCE).options
    now = dt.datetime(2026, 11, 27, 12, 0, 0, 123456, tzinfo=dt.UTC)
    window = reconcile_window(runtime, INSTANCE, now)
    assert window.until == now.replace(microsecond=0) - dt.timedelta(seconds=options.pull_overlap_seconds)
    assert window.until - window.start == dt.timedelta(seconds=options.reconcile_window_seconds)


def test_an_order_paid_without_changing_its_status_is_out_of_line_until_synced(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given a pending_payment order synced as an unpaid quotation
    entity_id = next(
        e for e in shop.control.order_ids() if shop.control.order(e)["state"] == "pending_payment"
    )
    sync_order(runtime, INSTANCE, entity_id)
    select = out_of_line_with_odoo(runtime, INSTANCE)
    assert select(runtime, INSTANCE, [shop.control.order(entity_id)]) == []
    # when Magento records its payment (an invoice; the status stays pending_payment) and no sync runs
    assert shop.control.invoice(entity_id)
    paid = shop.control.order(entity_id)
    assert paid["status"] == "pending_payment"
    # then the reconcile picks it, and no longer once its sync has run
    assert [order["entity_id"] for order in select(runtime, INSTANCE, [paid])] == [entity_id]
    sync_order(runtime, INSTANCE, entity_id)
    assert select(runtime, INSTANCE, [paid]) == []
