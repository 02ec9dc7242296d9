"""The sync workflow, inline against both sandboxes: one Magento order becomes one Odoo order, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

import tasks.sync
from connector_worker.errors import LockBusyError, MappingError, TransientError
from connector_worker.locks import RedisLock
from connector_worker.runtime import Runtime
from tasks.payments import PaymentOutcome, register_payment
from tasks.sync import sync_order
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.tasks.conftest import INSTANCE

LEGACY_SKU = "LEGACY-TEE-001"


def magento_order(shop: MagentoSandboxHandle, state: str) -> dict[str, Any]:
    for entity_id in shop.control.order_ids():
        order = shop.control.order(entity_id)
        skus = {item["sku"] for item in order["items"]}
        if order["state"] == state and LEGACY_SKU not in skus:
            return order
    raise AssertionError(f"the seed has no {state} order")


def odoo_orders(odoo: OdooSandboxHandle, entity_id: int) -> list[dict[str, Any]]:
    return odoo.read("sale.order", [("magento_order_id", "=", str(entity_id))])


def test_a_new_order_is_created_with_magentos_total_and_fields(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    order = magento_order(shop, "new")

    outcome = sync_order(runtime, INSTANCE, order["entity_id"])

    assert outcome.result == "created"
    [record] = odoo_orders(odoo, order["entity_id"])
    assert Decimal(str(record["amount_total"])) == Decimal(str(order["grand_total"]))
    assert record["magento_increment_id"] == order["increment_id"]
    assert record["magento_status"] == order["status"]
    assert record["magento_paid"] == "not_paid"
    assert record["state"] == "draft"  # pending stays a quotation


def test_a_paid_processing_order_is_confirmed_invoiced_and_paid_once(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    order = magento_order(shop, "processing")

    first = sync_order(runtime, INSTANCE, order["entity_id"])
    runtime.redis.delete(runtime.keys.order_synced(INSTANCE, order["entity_id"]))
    second = sync_order(runtime, INSTANCE, order["entity_id"])

    assert (first.result, first.payment) == ("created", "registered")
    assert (second.result, second.payment) == ("updated", "already_paid")
    [record] = odoo_orders(odoo, order["entity_id"])
    assert record["state"] == "sale"
    assert record["magento_paid"] == "paid"
    payments = odoo.read("account.payment", [])
    assert len(payments) == 1
    [invoice] = odoo.read("account.move", [("move_type", "=", "out_invoice")])
    assert invoice["payment_state"] == "paid"


def test_products_invoiced_on_delivery_are_invoiced_and_paid_once_delivered_never_overpaid(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given a paid order (shipping charged) whose products Odoo invoices on delivery, not yet shipped
    order = next(
        o
        for o in (shop.control.order(i) for i in shop.control.order_ids())
        if o["state"] == "processing"
        and Decimal(str(o.get("shipping_amount") or 0)) > 0
        and LEGACY_SKU not in {item["sku"] for item in o["items"]}
    )
    skus = sorted({item["sku"] for item in order["items"]})
    products = [row["id"] for row in odoo.read("product.product", [("default_code", "in", skus)], ["id"])]
    odoo.call("product.product", "write", products, {"invoice_policy": "delivery"})
    # when it is synced
    first = sync_order(runtime, INSTANCE, order["entity_id"])
    # then only what Odoo can invoice yet (the shipping) is invoiced, and paid by exactly its amount
    [record] = odoo_orders(odoo, order["entity_id"])
    [invoice] = odoo.read("account.move", [("id", "in", record["invoice_ids"])])
    assert first.payment == "registered"
    assert Decimal(str(invoice["amount_total"])) < Decimal(str(record["amount_total"]))
    assert _paid(odoo, record) == Decimal(str(invoice["amount_total"]))
    # when Magento ships everything and the order is synced again
    assert shop.control.ship(order["entity_id"])
    second = sync_order(runtime, INSTANCE, order["entity_id"])
    # then the delivered products are invoiced and paid too: the order is paid in full, once
    [record] = odoo_orders(odoo, order["entity_id"])
    assert "deliver" in second.actions and second.payment == "registered"
    assert len(record["invoice_ids"]) == 2
    assert _paid(odoo, record) == Decimal(str(record["amount_total"]))


def test_an_invoice_with_nothing_to_pay_is_posted_and_left_unpaid_not_refused(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given a confirmed order whose products Odoo invoices on delivery, and whose only line invoiceable now
    # is a free gift (so the invoice Odoo can make totals 0.00)
    order = magento_order(shop, "new")
    sync_order(runtime, INSTANCE, order["entity_id"])
    [record] = odoo_orders(odoo, order["entity_id"])
    lines = odoo.read("sale.order.line", [("order_id", "=", record["id"])], ["product_id"])
    products = sorted({line["product_id"][0] for line in lines if line["product_id"]})
    odoo.call("product.product", "write", products, {"invoice_policy": "delivery"})
    gift = odoo.call("product.product", "create", {"name": "Gift", "type": "service", "list_price": 0})
    odoo.call(
        "sale.order.line",
        "create",
        {"order_id": record["id"], "product_id": gift, "price_unit": 0.0, "product_uom_qty": 1},
    )
    gw = runtime.odoo()
    gw.confirm_order(record["id"])
    # when the payment step runs
    [status] = gw.order_status([record["id"]])
    journal = gw.bank_journal(None)
    outcome = register_payment(
        gw, status, journal=journal, memo="Magento #1", payment_date=dt.datetime.now(dt.UTC).date()
    )
    # then the 0.00 invoice is posted and nothing is paid (Odoo refuses a payment of nothing)
    assert outcome == PaymentOutcome.NOTHING_DUE
    [invoice] = odoo.read("account.move", [("id", "in", gw.order_status([record["id"]])[0]["invoice_ids"])])
    assert (invoice["state"], Decimal(str(invoice["amount_total"]))) == ("posted", Decimal(0))


def test_a_paid_order_whose_odoo_total_differs_from_magentos_is_confirmed_and_flagged_but_not_paid(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given a paid order whose grand_total holds 5.00 the mapping cannot reproduce (a charge it does not model)
    order = magento_order(shop, "processing")
    for key in ("grand_total", "base_grand_total", "total_paid", "base_total_paid", "total_invoiced"):
        if order.get(key) is not None:
            order[key] = str(Decimal(str(order[key])) + 5)
    # when it is synced
    outcome = sync_order(runtime, INSTANCE, order["entity_id"], order=order)
    # then it is confirmed and flagged, and no payment is booked for an amount Magento did not collect
    assert (outcome.result, outcome.mismatch, outcome.payment) == ("created", True, "amount_mismatch")
    [record] = odoo_orders(odoo, order["entity_id"])
    assert (record["state"], record["magento_amount_mismatch"], record["invoice_ids"]) == ("sale", True, [])


# The Odoo write after which the lock is lost, and the order's state that copy leaves behind.
STATE_LEFT = {"create_order": "draft", "confirm_order": "sale"}


@pytest.mark.parametrize("lost_after", sorted(STATE_LEFT))
def test_a_copy_whose_lock_lapsed_writes_nothing_more_and_its_retry_pays_once(
    monkeypatch: pytest.MonkeyPatch,
    runtime: Runtime,
    shop: MagentoSandboxHandle,
    odoo: OdooSandboxHandle,
    lost_after: str,
) -> None:
    # given a paid order whose sync loses its lock to another copy after one of its writes (its renewals
    # failed for a whole TTL, so the lock expired and the other copy took it; the next renewal tells it so)
    order = magento_order(shop, "processing")
    locks: list[RedisLock] = []
    real_order_lock = tasks.sync.order_lock

    @contextmanager
    def recorded_order_lock(*args: Any, **kwargs: Any) -> Iterator[RedisLock]:
        with real_order_lock(*args, **kwargs) as lock:
            locks.append(lock)
            yield lock

    gw = runtime.odoo()
    real_write = getattr(gw, lost_after)

    def write_then_lose_the_lock(*args: Any, **kwargs: Any) -> Any:
        result = real_write(*args, **kwargs)
        runtime.redis.set(locks[-1].key, "the other copy")
        assert not locks[-1].extend()
        return result

    monkeypatch.setattr(tasks.sync, "order_lock", recorded_order_lock)
    monkeypatch.setattr(gw, lost_after, write_then_lose_the_lock)
    # when it goes on
    with pytest.raises(LockBusyError):
        sync_order(runtime, INSTANCE, order["entity_id"])
    # then it writes nothing more (no confirmation, invoice or payment: the other copy may be making them),
    # and its retry, once the lock is free, confirms, invoices and pays once
    [record] = odoo_orders(odoo, order["entity_id"])
    assert record["state"] == STATE_LEFT[lost_after]
    assert odoo.read("account.move", [("move_type", "=", "out_invoice")]) == []
    assert odoo.read("account.payment", []) == []
    monkeypatch.undo()
    runtime.redis.delete(locks[-1].key)
    retry = sync_order(runtime, INSTANCE, order["entity_id"])
    assert (retry.result, retry.payment) == ("updated", "registered")
    assert len(odoo.read("account.payment", [])) == 1
    assert len(odoo.read("account.move", [("move_type", "=", "out_invoice")])) == 1


def _paid(odoo: OdooSandboxHandle, record: dict[str, Any]) -> Decimal:
    """What the payments against the order's invoices total."""
    payments = odoo.read("account.payment", [], ["amount", "reconciled_invoice_ids"])
    invoices = set(record["invoice_ids"])
    return sum(
        (Decimal(str(p["amount"])) for p in payments if invoices & set(p["reconciled_invoice_ids"] or [])),
        Decimal(0),
    )


def test_the_same_updated_at_again_costs_no_odoo_call(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    order = magento_order(shop, "new")
    sync_order(runtime, INSTANCE, order["entity_id"])
    odoo.reset_calls()

    again = sync_order(runtime, INSTANCE, order["entity_id"])

    assert again.result == "unchanged"
    assert odoo.calls() == 0
    assert len(odoo_orders(odoo, order["entity_id"])) == 1


def test_a_later_cancel_in_magento_cancels_the_odoo_order(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    order = magento_order(shop, "new")
    sync_order(runtime, INSTANCE, order["entity_id"])
    assert shop.control.cancel(order["entity_id"])

    outcome = sync_order(runtime, INSTANCE, order["entity_id"])

    assert outcome.result == "updated"
    assert outcome.actions == ("cancel",)
    [record] = odoo_orders(odoo, order["entity_id"])
    assert (record["state"], record["magento_state"]) == ("cancel", "canceled")


def test_a_reopened_order_whose_first_attempt_failed_half_way_is_reopened_by_the_retry(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given an order cancelled in Magento and so in Odoo, that Magento then shows processing again
    order = magento_order(shop, "new")
    sync_order(runtime, INSTANCE, order["entity_id"])
    assert shop.control.cancel(order["entity_id"])
    sync_order(runtime, INSTANCE, order["entity_id"])
    reopened = {**shop.control.order(order["entity_id"]), "state": "processing", "status": "processing"}
    reopened["updated_at"] = "2099-01-01 00:00:00"
    # when the first attempt to reopen it fails on Odoo's side (a serialization failure on the draft)
    odoo.fail_serialization(model="sale.order", method="action_draft")
    with pytest.raises(TransientError):
        sync_order(runtime, INSTANCE, order["entity_id"], order=reopened)
    # then the retry still knows the order was cancelled from Magento, and reopens and confirms it
    outcome = sync_order(runtime, INSTANCE, order["entity_id"], order=reopened)
    assert outcome.actions == ("draft", "confirm")
    [record] = odoo_orders(odoo, order["entity_id"])
    assert (record["state"], record["magento_state"]) == ("sale", "processing")


def test_an_unknown_sku_is_a_permanent_error_naming_it(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    legacy = next(
        shop.control.order(i)
        for i in shop.control.order_ids()
        if LEGACY_SKU in {item["sku"] for item in shop.control.order(i)["items"]}
    )

    with pytest.raises(MappingError, match=LEGACY_SKU):
        sync_order(runtime, INSTANCE, legacy["entity_id"])

    assert odoo_orders(odoo, legacy["entity_id"]) == []
