"""Failures, end to end: what is retried, what is dead-lettered at once, and how an operator replays it.

One stack for the module: a Magento sandbox whose seed holds an order with a SKU Odoo does not know, one
worker process, beat (it releases delayed retries) and the Odoo 19 sandbox. The instance allows 2 retries,
so a transient failure runs 3 times before it is dead-lettered. The task time limits are longer than the
default test tuning so a Magento call can spend its own in-process retries (three tries, about 2 s) within one
attempt. Syncs are queued directly, as the webhook receiver queues them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from connector_worker.dlq import DeadLetter
from tests.e2e.processes import run_connector
from tests.e2e.shop_actions import edit_order, invoices_of, later, payments_of
from tests.e2e.stack import ShopSpec, Stack, start_stack
from tests.support.celery_worker import TEST_TUNING

SHOP = "ops"
MAX_RETRIES = 2
LEGACY_SKU = "LEGACY-TEE-001"
FAULT_TUNING = dataclasses.replace(
    TEST_TUNING, soft_time_limit_seconds=8, time_limit_seconds=9, visibility_timeout_seconds=12
)
RETRY_TIMEOUT_SECONDS = 45.0


@pytest.fixture(scope="module")
def stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    spec = ShopSpec(
        SHOP,
        sandbox={"seed": 11, "orders": 24, "legacy_order": True},
        options={"pull_interval_seconds": 3600, "max_retries": MAX_RETRIES},
    )
    tmp = Path(tmp_path_factory.mktemp("ops"))
    with start_stack(redis_url, [spec], tuning=FAULT_TUNING, tmp_dir=tmp) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults(stack: Stack) -> Iterator[None]:
    yield
    stack.shops[SHOP].control.clear_faults()
    stack.odoo.clear_faults()


def _order_without_legacy_sku(stack: Stack, state: str, *, paid_in_full: bool = False) -> int:
    """A fresh order (placed now, never synced) that Odoo's catalogue covers; ``paid_in_full``: invoiced
    and paid entirely, with something to pay (the seed invoices some orders in part)."""
    control = stack.shops[SHOP].control
    for _ in range(50):
        [entity_id] = control.create_orders(1, state=state)
        order = control.order(entity_id)
        if any(item["sku"] == LEGACY_SKU for item in order["items"]):
            continue
        if not paid_in_full or 0 < order["grand_total"] == order.get("total_paid"):
            return entity_id
    raise AssertionError(f"no suitable {state} order")


def _letter_of(stack: Stack, entity_id: int, timeout: float = RETRY_TIMEOUT_SECONDS) -> DeadLetter:
    return stack.wait_for_dead_letter(
        lambda letter: letter.instance == SHOP and letter.entity_id == str(entity_id), timeout=timeout
    )


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_an_unknown_sku_is_dead_lettered_at_once_and_imported_after_the_fix_and_a_replay(
    stack: Stack,
) -> None:
    control = stack.shops[SHOP].control
    legacy = next(
        i for i in control.order_ids() if LEGACY_SKU in {item["sku"] for item in control.order(i)["items"]}
    )
    # when the shop is pulled while Odoo has no product with that order's SKU
    pulled = stack.task_result(stack.pull(SHOP))
    assert pulled["dispatched"] == len(control.order_ids())
    # then that order is dead-lettered after one attempt, saying which SKU, instance and order
    letter = _letter_of(stack, legacy)
    assert letter.task == "orders.sync"
    assert letter.kwargs["source"] == "pull" and int(letter.kwargs["order"]["entity_id"]) == legacy
    assert letter.reason.startswith("permanent error: MappingError: unknown SKU in Odoo: 'LEGACY-TEE-001'")
    assert [(a.number, a.error) for a in letter.attempts] == [(1, "MappingError")]
    assert stack.odoo_order(SHOP, legacy) is None
    listed = run_connector(stack.env, "dlq", "list")
    assert listed.returncode == 0, listed.stderr
    assert letter.id is not None and letter.id in listed.stdout and f"order={legacy}" in listed.stdout
    # when someone creates the product in Odoo and replays the dead letter
    stack.odoo.call(
        "product.product",
        "create",
        [{"name": "Legacy tee", "default_code": LEGACY_SKU, "type": "consu", "taxes_id": [[6, 0, []]]}],
    )
    replayed = run_connector(stack.env, "dlq", "replay", letter.id)
    # then the order is imported and the dead letter is gone
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 1 dead letter(s)" in replayed.stdout
    record = stack.wait_for_order(SHOP, legacy)
    assert Decimal(str(record["magento_amount"])) == Decimal(str(control.order(legacy)["grand_total"]))
    assert all(x.id != letter.id for x in stack.dead_letters())
    # and every other order of the pull is in Odoo, none dead-lettered
    others = [i for i in control.order_ids() if i != legacy]
    for entity_id in others:
        stack.wait_synced(SHOP, entity_id)
    assert not stack.dead_letters()


def test_a_magento_that_keeps_failing_is_retried_with_backoff_then_dead_lettered_with_every_attempt(
    stack: Stack,
) -> None:
    entity_id = _order_without_legacy_sku(stack, "new")
    # given Magento answering 503 to every read of this order
    stack.shops[SHOP].control.set_faults(
        error_rate=1.0, error_status=503, path_pattern=rf"/V1/orders/{entity_id}$"
    )
    # when the order is synced
    stack.sync(SHOP, entity_id)
    # then it ran max_retries + 1 times, each a transient error, further apart each time, then gave up
    letter = _letter_of(stack, entity_id)
    assert letter.reason.startswith(f"gave up after {MAX_RETRIES + 1} attempts: MagentoTransientError")
    assert [a.number for a in letter.attempts] == [1, 2, 3]
    assert {a.error for a in letter.attempts} == {"MagentoTransientError"}
    assert letter.attempts[0].message == "Service Unavailable"
    ends = [_at(a.at) for a in letter.attempts]
    assert ends == sorted(ends)
    # each retry waited base * 2**n with equal jitter (between half and all of it), as the worker logged
    delays = [
        e["delay_seconds"]
        for e in stack.log_events("task_retry_scheduled")
        if e.get("task_id") == letter.task_id
    ]
    base = FAULT_TUNING.retry_backoff_base_seconds
    assert len(delays) == MAX_RETRIES
    for n, delay in enumerate(delays):
        assert base * 2**n / 2 <= delay <= base * 2**n, delays
    assert stack.odoo_order(SHOP, entity_id) is None
    # and once Magento is back, a replay imports it
    stack.shops[SHOP].control.clear_faults()
    assert letter.id is not None
    assert run_connector(stack.env, "dlq", "replay", letter.id).returncode == 0
    stack.wait_for_order(SHOP, entity_id)


def test_odoo_serialization_failures_are_retried_and_the_order_imported_once(stack: Stack) -> None:
    entity_id = _order_without_legacy_sku(stack, "processing", paid_in_full=True)
    retries_before = len(stack.log_events("task_retry_scheduled"))
    # given Odoo failing the next two order creations with a serialization failure (nothing written)
    stack.odoo.fail_serialization(times=2, model="sale.order", method="web_save")
    # when the order is synced
    stack.sync(SHOP, entity_id)
    # then the third attempt imports it, confirmed and paid, once
    record = stack.wait_synced(SHOP, entity_id)
    assert (record["state"], record["magento_paid"]) == ("sale", "paid")
    retries = [
        e for e in stack.log_events("task_retry_scheduled")[retries_before:] if e.get("order_id") == entity_id
    ]
    assert [e["attempt"] for e in retries] == [1, 2]
    assert len(stack.odoo_orders(SHOP, [entity_id])) == 1
    assert not [x for x in stack.dead_letters() if x.entity_id == str(entity_id)]
    assert not record["magento_sync_error"]


def test_an_odoo_answer_lost_after_the_create_does_not_create_the_order_twice(stack: Stack) -> None:
    entity_id = _order_without_legacy_sku(stack, "processing", paid_in_full=True)
    # given Odoo committing the next order creation and a proxy losing its answer (504)
    stack.odoo.lose_response(times=1, model="sale.order", method="web_save")
    # when the order is synced
    stack.sync(SHOP, entity_id)
    # then the sync finds the order it created and carries on: one order, confirmed and paid once
    record = stack.wait_synced(SHOP, entity_id)
    assert (record["state"], record["magento_paid"]) == ("sale", "paid")
    assert len(stack.odoo_orders(SHOP, [entity_id])) == 1
    payments = stack.odoo.read("account.payment", [])
    increment = stack.shops[SHOP].control.order(entity_id)["increment_id"]
    assert len([p for p in payments if p.get("memo") == f"Magento #{increment}"]) == 1


def test_odoo_down_through_every_retry_is_dead_lettered_then_replayed(stack: Stack) -> None:
    entity_id = _order_without_legacy_sku(stack, "new")
    # given Odoo behind a proxy answering 502 for longer than the retries last
    stack.odoo.down(60, mode="502")
    stack.sync(SHOP, entity_id)
    letter = _letter_of(stack, entity_id)
    assert letter.reason.startswith(f"gave up after {MAX_RETRIES + 1} attempts")
    assert len(letter.attempts) == MAX_RETRIES + 1
    assert all("502" in a.message for a in letter.attempts), letter.attempts
    # when Odoo is back and the dead letter is replayed, then the order is imported
    stack.odoo.up()
    stack.odoo.clear_faults()
    assert letter.id is not None
    assert run_connector(stack.env, "dlq", "replay", letter.id).returncode == 0
    stack.wait_for_order(SHOP, entity_id)


def test_a_free_order_is_confirmed_and_invoiced_with_nothing_to_pay(stack: Stack) -> None:
    control = stack.shops[SHOP].control
    # given an order paid in full by a 100 % coupon with free shipping (grand_total 0)
    entity_id = next(
        i
        for _ in range(300)
        for i in control.create_orders(1, state="processing")
        if Decimal(str(control.order(i)["grand_total"])) == 0
    )
    # when it is synced
    task_id = stack.sync(SHOP, entity_id)
    # then it is confirmed with a posted invoice of nothing, no payment, and no dead letter
    assert stack.task_result(task_id)["result"] == "created"
    record = stack.wait_for_order(SHOP, entity_id, lambda r: r["state"] == "sale")
    [invoice] = invoices_of(stack, record)
    assert (invoice["state"], invoice["amount_total"], invoice["amount_residual"]) == ("posted", 0.0, 0.0)
    assert payments_of(stack, record) == []
    assert record["magento_paid"] == "paid" and not record["magento_sync_error"]
    assert not [x for x in stack.dead_letters() if x.entity_id == str(entity_id)]


def test_an_order_gone_from_magento_is_dead_lettered_at_once(stack: Stack) -> None:
    entity_id = _order_without_legacy_sku(stack, "new")
    stack.shops[SHOP].control.delete_order(entity_id)

    stack.sync(SHOP, entity_id)

    letter = _letter_of(stack, entity_id)
    assert letter.reason.startswith("permanent error: MagentoNotFoundError: The entity that was requested")
    assert len(letter.attempts) == 1


def test_an_order_whose_total_odoo_cannot_reach_is_flagged_and_logged(stack: Stack) -> None:
    shop = stack.shops[SHOP]
    entity_id = _order_without_legacy_sku(stack, "new")

    # given a third-party surcharge Magento added to grand_total and to nothing else
    def surcharge(order: dict[str, object]) -> None:
        for key in ("grand_total", "base_grand_total", "total_due", "base_total_due"):
            order[key] = Decimal(str(order[key])) + Decimal("5.00")

    edit_order(shop, entity_id, surcharge)
    # when it is synced
    stack.sync(SHOP, entity_id)
    # then Odoo gets the order flagged as a mismatch (no made-up line to hide it), and the worker says so
    record = stack.wait_for_order(SHOP, entity_id)
    grand_total = Decimal(str(shop.control.order(entity_id)["grand_total"]))
    assert record["magento_amount_mismatch"] is True
    assert Decimal(str(record["magento_amount"])) == grand_total
    assert Decimal(str(record["amount_total"])) == grand_total - Decimal("5.00")
    [logged] = [e for e in stack.log_events("amount_mismatch") if e.get("order_id") == entity_id]
    assert Decimal(logged["magento_total"]) == grand_total
    assert Decimal(logged["tolerance"]) == Decimal("0.01")


def test_a_late_copy_with_an_older_payload_writes_nothing_older_over_newer(stack: Stack) -> None:
    shop = stack.shops[SHOP]
    entity_id = _order_without_legacy_sku(stack, "new")
    # given the order as a pull read it while new, and the order synced since then as invoiced
    old_payload = stack.magento_order(SHOP, entity_id)
    assert stack.task_result(stack.sync(SHOP, entity_id))["result"] == "created"
    later(shop)
    shop.control.invoice(entity_id)
    assert stack.task_result(stack.sync(SHOP, entity_id))["result"] == "updated"
    # when a late copy carrying the old payload runs (a queued pull message, a retry, a replayed dead letter)
    late = stack.task_result(stack.sync(SHOP, entity_id, source="pull", order=old_payload))
    # then it reads the order again, finds that version synced, and Odoo keeps the newer data
    assert late["result"] == "unchanged"
    record = stack.odoo_order(SHOP, entity_id)
    assert record is not None
    assert (record["state"], record["magento_state"], record["magento_invoice_status"]) == (
        "sale",
        "processing",
        "invoiced",
    )
