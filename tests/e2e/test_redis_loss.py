"""Redis lost whole, end to end: DESIGN.md's "losing Redis may delay work; it must never lose or duplicate an
order". A shop is imported by beat's pulls; then Redis loses its data (restarted empty, failed over to an empty
replica): every key the connector kept is gone (queues and their bindings, unacked messages, the watermark,
the synced markers, the caches, the dead letters, beat's schedule and its lock). The processes keep running.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector_worker.redis_keys import drop_prefix
from tests.e2e.shop_actions import payments_due, payments_of
from tests.e2e.stack import ShopSpec, Stack, start_stack
from tests.support.celery_worker import wait_until

SHOP = "lost"
SEEDED = 20
PULL_INTERVAL_SECONDS = 10
IMPORT_TIMEOUT_SECONDS = 60.0


@pytest.fixture(scope="module")
def stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    spec = ShopSpec(
        SHOP,
        sandbox={"seed": 5, "orders": SEEDED},
        options={"pull_interval_seconds": PULL_INTERVAL_SECONDS, "page_size": 10},
        auth="bearer",
    )
    with start_stack(redis_url, [spec], tmp_dir=Path(tmp_path_factory.mktemp("lost"))) as running:
        yield running


def _lose_data(stack: Stack) -> int:
    """Delete every key under the connector's prefix; how many there were.

    A real restart also drops every connection. They stay open here: connections are shared with whatever
    else uses the test's Redis, and open ones are the harder case (no client re-declares its queues).
    """
    return drop_prefix(stack.client, stack.keys.prefix)


def test_after_redis_is_lost_beat_pulls_again_and_odoo_keeps_one_order_per_magento_order(
    stack: Stack,
) -> None:
    control = stack.shops[SHOP].control
    # given the shop imported by beat's pulls
    wait_until(lambda: len(stack.odoo_orders(SHOP)) >= SEEDED, timeout=IMPORT_TIMEOUT_SECONDS, interval=0.2)
    for entity_id in control.order_ids():
        stack.wait_synced(SHOP, entity_id)
    before = {int(r["magento_order_id"]): r["id"] for r in stack.odoo_orders(SHOP)}
    # when Redis loses every key the connector kept there
    assert _lose_data(stack) > SEEDED
    # and Magento then takes an order and invoices a quotation (no webhooks: only a pull can bring them)
    [placed] = control.create_orders(1, state="new")
    quotation = next(
        r for r in stack.odoo_orders(SHOP) if (r["state"], r["magento_state"]) == ("draft", "new")
    )
    invoiced = int(quotation["magento_order_id"])
    control.invoice(invoiced)
    # then beat goes on pulling: both changes reach Odoo
    wait = 3 * PULL_INTERVAL_SECONDS + IMPORT_TIMEOUT_SECONDS
    stack.wait_for_order(SHOP, placed, timeout=wait)
    paid = stack.wait_for_order(
        SHOP, invoiced, lambda r: (r["state"], r["magento_paid"]) == ("sale", "paid"), timeout=wait
    )
    assert stack.beat is not None and "beat_schedule_restored" in stack.beat.log_text()
    # and the whole history, pulled again from the start, is one Odoo order per Magento order, the same ones
    for entity_id in control.order_ids():
        stack.wait_synced(SHOP, entity_id, timeout=wait)
    after = {int(r["magento_order_id"]): r["id"] for r in stack.odoo_orders(SHOP)}
    assert len(after) == len(stack.odoo_orders(SHOP)) == SEEDED + 1
    assert {e: after[e] for e in before} == before
    # with every paid order paid once
    for record in stack.odoo_orders(SHOP):
        assert len(payments_of(stack, record)) == payments_due(record), record["magento_order_id"]
    assert len(payments_of(stack, paid)) == 1
