"""Webhook path, end to end: Magento's signed webhook → ``connector webhook`` → Redis → worker → Odoo.

One stack for the module: a Magento sandbox that starts empty and delivers signed webhooks to the receiver
process, one worker process (two pool processes), beat (it releases delayed retries) and the Odoo 19
sandbox. Every order here is placed or changed in Magento after start and the periodic pull runs once an
hour, so only a webhook can have brought a change to Odoo.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.shop_actions import invoices_of, later, payments_of, place, refund
from tests.e2e.stack import SYNC_TIMEOUT_SECONDS, ShopSpec, Stack, start_stack
from tests.support.celery_worker import wait_until

SHOP = "web"


@pytest.fixture(scope="module")
def stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    spec = ShopSpec(
        SHOP, sandbox={"seed": 21, "orders": 0}, options={"pull_interval_seconds": 3600}, webhooks=True
    )
    with start_stack(redis_url, [spec], tmp_dir=Path(tmp_path_factory.mktemp("web"))) as running:
        yield running


def _magento(stack: Stack, entity_id: int) -> dict[str, Any]:
    return stack.shops[SHOP].control.order(entity_id)


def _in_step(stack: Stack, entity_id: int, **expected: Any) -> dict[str, Any]:
    """Wait until Magento's current version of the order is synced, and Odoo shows every ``expected`` value."""
    stack.wait_synced(SHOP, entity_id)
    return stack.wait_for_order(
        SHOP,
        entity_id,
        lambda record: all(record.get(key) == value for key, value in expected.items()),
        timeout=2,
    )


def test_a_placed_order_reaches_odoo_through_a_signed_webhook(stack: Stack) -> None:
    # when a customer places an order in Magento
    entity_id = place(stack.shops[SHOP], "new")
    # then the webhook brings it to Odoo as a quotation with Magento's total and fields
    record = stack.wait_for_order(SHOP, entity_id)
    order = _magento(stack, entity_id)
    assert record["state"] == "draft"
    assert Decimal(str(record["amount_total"])) == Decimal(str(order["grand_total"]))
    assert (record["magento_increment_id"], record["magento_status"]) == (order["increment_id"], "pending")
    assert record["magento_paid"] == "not_paid"
    # and the receiver queued it from an HMAC-signed delivery
    assert stack.receiver is not None
    deliveries = [d for d in stack.receiver.deliveries() if d.get("entity_id") == entity_id]
    assert [(d["outcome"], d["scheme"]) for d in deliveries] == [("queued", "hmac")]


@pytest.mark.parametrize(
    ("magento_state", "expected"),
    [
        ("new", {"state": "draft", "locked": False, "magento_paid": "not_paid"}),
        ("pending_payment", {"state": "draft", "magento_paid": "not_paid"}),
        ("payment_review", {"state": "draft", "magento_paid": "not_paid"}),
        ("processing", {"state": "sale", "magento_paid": "paid", "magento_invoice_status": "invoiced"}),
        ("complete", {"state": "sale", "delivery_status": "full", "magento_paid": "paid"}),
        ("closed", {"state": "sale", "locked": True, "magento_paid": "paid"}),
        ("canceled", {"state": "cancel", "magento_paid": "not_paid"}),
        ("holded", {"state": "draft", "magento_on_hold": True}),
    ],
)
def test_an_order_first_seen_in_each_magento_state_lands_as_the_status_map_says(
    stack: Stack, magento_state: str, expected: dict[str, Any]
) -> None:
    # when an order is placed and walked to a state before the connector hears of it
    paid = expected.get("magento_paid") == "paid"
    entity_id = place(stack.shops[SHOP], magento_state, physical=True, paid_in_full=paid)
    # then Odoo shows the status map's target for that state, and Magento's own fields
    record = _in_step(stack, entity_id, magento_state=magento_state, **expected)
    order = _magento(stack, entity_id)
    assert record["magento_status"] == order["status"]
    assert Decimal(str(record["magento_amount"])) == Decimal(str(order["grand_total"]))
    # and a paid order is paid in Odoo exactly once, unless Magento refunded it already (closed): no
    # payment is booked for money given back
    assert len(payments_of(stack, record)) == (1 if paid and magento_state != "closed" else 0)


def test_an_order_awaiting_payment_is_confirmed_and_paid_once_magento_invoices_it(stack: Stack) -> None:
    shop = stack.shops[SHOP]
    # given a bank-transfer order imported as a quotation while it awaits payment
    entity_id = place(shop, "pending_payment", physical=True, priced=True)
    first = _in_step(
        stack, entity_id, state="draft", magento_state="pending_payment", magento_paid="not_paid"
    )
    # when the payment arrives and Magento invoices it (the order stays pending_payment there)
    later(shop)
    shop.control.invoice(entity_id)
    # then the Odoo order is confirmed and paid, once
    paid = _in_step(stack, entity_id, state="sale", magento_state="pending_payment", magento_paid="paid")
    assert paid["id"] == first["id"]
    assert len(payments_of(stack, paid)) == 1


def test_an_order_follows_magento_from_quotation_to_paid_delivered_and_locked(stack: Stack) -> None:
    shop = stack.shops[SHOP]
    # given a new order imported as a quotation
    entity_id = place(shop, "new", physical=True, priced=True)
    first = _in_step(stack, entity_id, state="draft", magento_state="new")
    # when Magento invoices it, then it is confirmed, invoiced and paid in Odoo
    later(shop)
    shop.control.invoice(entity_id)
    paid = _in_step(stack, entity_id, state="sale", magento_state="processing", magento_paid="paid")
    [invoice] = invoices_of(stack, paid)
    assert (invoice["state"], invoice["payment_state"]) == ("posted", "paid")
    assert len(payments_of(stack, paid)) == 1
    # when Magento ships everything, then the Odoo delivery is done
    later(shop)
    shop.control.ship(entity_id)
    _in_step(stack, entity_id, magento_state="complete", delivery_status="full")
    # when Magento refunds it (closed), then the Odoo order is locked
    later(shop)
    refund(shop, entity_id)
    locked = _in_step(stack, entity_id, magento_state="closed", locked=True)
    # and through it all: one Odoo order, one invoice, one payment, Magento's fields on every sync
    assert locked["id"] == first["id"]
    assert len(invoices_of(stack, locked)) == 1
    assert len(payments_of(stack, locked)) == 1
    assert locked["magento_status"] == "closed"
    assert locked["magento_sync_date"] >= first["magento_sync_date"]


def test_hold_marks_the_order_on_hold_and_unhold_clears_it(stack: Stack) -> None:
    shop = stack.shops[SHOP]
    # given a paid, confirmed order
    entity_id = place(shop, "processing", paid_in_full=True)
    _in_step(stack, entity_id, state="sale", magento_paid="paid", magento_on_hold=False)
    # when Magento holds it, then Odoo flags it on hold and leaves it confirmed
    later(shop)
    shop.control.hold(entity_id)
    _in_step(stack, entity_id, state="sale", magento_state="holded", magento_on_hold=True)
    # when Magento releases it, then the flag is cleared and it is still confirmed, paid once
    later(shop)
    shop.control.unhold(entity_id)
    record = _in_step(stack, entity_id, state="sale", magento_state="processing", magento_on_hold=False)
    assert len(payments_of(stack, record)) == 1


def test_a_quotation_confirmed_then_cancelled_in_magento_is_cancelled_in_odoo(stack: Stack) -> None:
    shop = stack.shops[SHOP]
    # given a quotation
    entity_id = place(shop, "new", physical=True)
    _in_step(stack, entity_id, state="draft")
    # when Magento ships it before payment (processing), then Odoo confirms it, unpaid
    later(shop)
    shop.control.ship(entity_id)
    confirmed = _in_step(stack, entity_id, state="sale", magento_state="processing", magento_paid="not_paid")
    assert payments_of(stack, confirmed) == []
    # when Magento cancels it, then Odoo cancels it
    later(shop)
    assert shop.control.cancel(entity_id)
    _in_step(stack, entity_id, state="cancel", magento_state="canceled")


def test_a_change_that_leaves_the_order_as_it_was_costs_no_second_payment(stack: Stack) -> None:
    shop = stack.shops[SHOP]
    # given a complete, paid order
    entity_id = place(shop, "complete", physical=True, paid_in_full=True)
    before = _in_step(stack, entity_id, state="sale", delivery_status="full", magento_paid="paid")
    syncs = len(stack.syncs_of(SHOP, entity_id))
    # when an admin saves it again (updated_at moves, nothing else), then it is synced again...
    later(shop)
    shop.control.touch(entity_id)
    wait_until(lambda: len(stack.syncs_of(SHOP, entity_id)) > syncs, timeout=SYNC_TIMEOUT_SECONDS)
    assert stack.syncs_of(SHOP, entity_id)[-1]["result"] == "updated"
    after = stack.odoo_order(SHOP, entity_id)
    assert after is not None
    # ...and stays one order with one invoice and one payment
    assert after["id"] == before["id"]
    assert len(invoices_of(stack, after)) == 1
    assert len(payments_of(stack, after)) == 1
    # and a sync re-run by hand (the synced marker forgotten) changes nothing either
    stack.client.delete(stack.keys.order_synced(SHOP, entity_id))
    result = stack.task_result(stack.sync(SHOP, entity_id))
    assert result["result"] == "updated"
    again = stack.odoo_order(SHOP, entity_id)
    assert again is not None
    assert len(payments_of(stack, again)) == 1
    assert len(stack.odoo_orders(SHOP, [entity_id])) == 1


def test_a_change_in_the_second_of_the_last_sync_is_brought_in_by_its_own_webhook(stack: Stack) -> None:
    shop = stack.shops[SHOP]
    receiver = stack.receiver
    assert receiver is not None
    # given an order placed and synced while Magento's clock stands in one second
    later(shop, 2)
    shop.control.freeze_clock()
    try:
        entity_id = place(shop, "new", priced=True)
        _in_step(stack, entity_id, state="draft")
        wait_until(lambda: stack.syncs_of(SHOP, entity_id), timeout=SYNC_TIMEOUT_SECONDS)
        # when Magento invoices it within that same second (updated_at does not move)
        shop.control.invoice(entity_id)
        # then its webhook differs from the first by state and status: it is queued, not dropped
        wait_until(lambda: len(_queued(receiver, entity_id)) == 2, timeout=SYNC_TIMEOUT_SECONDS)
        # and Odoo catches up without waiting for a pull: confirmed and paid, once
        record = _in_step(stack, entity_id, state="sale", magento_state="processing", magento_paid="paid")
        assert len(payments_of(stack, record)) == 1
    finally:
        shop.control.resume_clock()
    duplicates = [
        d for d in receiver.deliveries() if d.get("entity_id") == entity_id and d["outcome"] == "duplicate"
    ]
    assert duplicates == []


def _queued(receiver: Any, entity_id: int) -> list[dict[str, Any]]:
    return [d for d in receiver.deliveries() if d.get("entity_id") == entity_id and d["outcome"] == "queued"]


def test_every_sync_writes_magentos_fields_again(stack: Stack) -> None:
    shop = stack.shops[SHOP]
    # given an imported, paid order whose Magento fields someone changed in Odoo
    entity_id = place(shop, "processing", paid_in_full=True)
    record = _in_step(stack, entity_id, state="sale")
    tampered = {
        "magento_status": "edited",
        "magento_invoice_status": "not_invoiced",
        "magento_paid": "not_paid",
        "magento_amount": 1.0,
        "magento_order_date": "2000-01-01 00:00:00",
    }
    stack.odoo.call("sale.order", "write", [record["id"]], tampered)
    # when Magento saves the order again
    later(shop)
    shop.control.touch(entity_id)
    # then the next sync writes Magento's values back
    after = _in_step(stack, entity_id)
    order = _magento(stack, entity_id)
    assert (after["magento_status"], after["magento_invoice_status"], after["magento_paid"]) == (
        order["status"],
        "invoiced",
        "paid",
    )
    assert Decimal(str(after["magento_amount"])) == Decimal(str(order["grand_total"]))
    assert after["magento_order_date"] == order["created_at"]
    assert len(payments_of(stack, after)) == 1
