"""The demo's verdict: Odoo in line with Magento order by order, and only the unknown-SKU order dead-lettered.

The Magento side is the real seed (the sandbox's domain code, no server); the Odoo side is written the way a
correct sync leaves it, then spoiled one way per test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from config.settings import InstanceOptions
from connector_worker.demo.checks import DeadLetterView, Verdict, compare, unknown_sku_orders
from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from mappers.status import is_paid, is_refunded

OPTIONS = InstanceOptions()
ODOO_STATE = {"processing": "sale", "complete": "sale", "closed": "sale", "canceled": "cancel"}


@pytest.fixture(scope="module")
def shop() -> tuple[list[dict[str, Any]], set[str]]:
    """The seed's orders as REST returns them, and the SKUs a demo mirrors into Odoo."""
    sandbox = MagentoSandbox(SandboxConfig(seed=3, orders=24, legacy_order=True))
    orders = [sandbox.control.order(entity_id) for entity_id in sandbox.control.order_ids()]
    return orders, {product.sku for product in sandbox.control.mirror_catalog()}


def synced(orders: list[dict[str, Any]], unknown: set[str]) -> tuple[list[dict[str, Any]], dict[int, Any]]:
    """Odoo as a correct sync leaves it: one order per known order, a paid invoice where one is due."""
    rows, invoices = [], {}
    for odoo_id, order in enumerate(orders, start=1):
        if str(order["entity_id"]) in unknown:
            continue
        state = ODOO_STATE.get(order["state"], "draft")
        paid = is_paid(order) and not is_refunded(order) and state == "sale"
        if paid:
            invoices[odoo_id] = {
                "id": odoo_id,
                "move_type": "out_invoice",
                "state": "posted",
                "payment_state": "paid",
            }
        rows.append(
            {
                "id": odoo_id,
                "name": f"S{odoo_id:05d}",
                "state": state,
                "amount_total": float(order["grand_total"]),
                "invoice_ids": [odoo_id] if paid else [],
                "magento_order_id": str(order["entity_id"]),
                "magento_state": order["state"],
                "magento_status": order["status"],
            }
        )
    return rows, invoices


def letter(entity_id: str) -> DeadLetterView:
    return DeadLetterView(entity_id, "permanent error: MappingError: unknown SKU in Odoo: 'LEGACY-TEE-001'")


def verdict_of(
    orders: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    invoices: Mapping[int, Any],
    letters: list[DeadLetterView],
    skus: set[str],
) -> Verdict:
    return compare(orders, rows, invoices, letters, known_skus=skus, options=OPTIONS)


def test_the_legacy_order_is_the_one_odoo_cannot_map(shop: tuple[list[dict[str, Any]], set[str]]) -> None:
    orders, skus = shop

    unknown = unknown_sku_orders(orders, skus)

    [entity_id] = unknown
    order = next(o for o in orders if str(o["entity_id"]) == entity_id)
    assert "LEGACY-TEE-001" in {item["sku"] for item in order["items"]}


def test_a_correct_sync_is_in_line(shop: tuple[list[dict[str, Any]], set[str]]) -> None:
    orders, skus = shop
    unknown = unknown_sku_orders(orders, skus)
    rows, invoices = synced(orders, unknown)

    verdict = verdict_of(orders, rows, invoices, [letter(e) for e in unknown], skus)

    assert verdict.problems == []
    assert verdict.ok
    assert verdict.expected_in_odoo == verdict.in_line == verdict.totals_match == len(orders) - 1
    assert verdict.payments == verdict.payments_expected == len(invoices) > 0


def test_a_total_a_cent_off_is_named_with_both_amounts(shop: tuple[list[dict[str, Any]], set[str]]) -> None:
    orders, skus = shop
    unknown = unknown_sku_orders(orders, skus)
    rows, invoices = synced(orders, unknown)
    rows[0]["amount_total"] = round(rows[0]["amount_total"] + 0.01, 2)

    verdict = verdict_of(orders, rows, invoices, [letter(e) for e in unknown], skus)

    [problem] = verdict.problems
    assert problem.startswith(f"order {rows[0]['magento_order_id']} ")
    assert "differs from Magento's grand_total" in problem
    assert verdict.totals_match == verdict.expected_in_odoo - 1


def test_a_missing_order_a_stale_status_and_an_unpaid_invoice_are_each_a_problem(
    shop: tuple[list[dict[str, Any]], set[str]],
) -> None:
    orders, skus = shop
    unknown = unknown_sku_orders(orders, skus)
    rows, invoices = synced(orders, unknown)
    missing = rows.pop(0)
    stale = next(row for row in rows if row["magento_state"] == "processing")
    stale.update(magento_state="new", magento_status="pending")
    unpaid = next(row for row in rows if row["invoice_ids"] and row is not stale)
    invoices[unpaid["invoice_ids"][0]]["payment_state"] = "not_paid"

    verdict = verdict_of(orders, rows, invoices, [letter(e) for e in unknown], skus)

    assert not verdict.ok
    assert len(verdict.problems) == 3
    text = "\n".join(verdict.problems)
    assert f"order {missing['magento_order_id']} " in text and "no Odoo orders instead of one" in text
    assert "Magento is processing/processing, Odoo shows new/pending" in text
    assert f"({unpaid['name']}): paid in Magento, but no paid invoice in Odoo" in text


def test_the_dead_letters_must_be_exactly_the_unknown_sku_orders(
    shop: tuple[list[dict[str, Any]], set[str]],
) -> None:
    orders, skus = shop
    unknown = unknown_sku_orders(orders, skus)
    rows, invoices = synced(orders, unknown)
    [legacy] = unknown

    not_yet = verdict_of(orders, rows, invoices, [], skus)
    twice = verdict_of(orders, rows, invoices, [letter(legacy), letter(legacy)], skus)
    stray = verdict_of(orders, rows, invoices, [letter(legacy), DeadLetterView("5", "gave up")], skus)

    assert not_yet.problems == [f"order {legacy}: expected in the dead letters, not there (yet)"]
    assert twice.ok  # each pull that reads the order tries it again
    assert stray.problems == ["order 5: unexpected dead letter: gave up"]


def test_a_confirmed_order_with_nothing_to_pay_needs_no_payment(
    shop: tuple[list[dict[str, Any]], set[str]],
) -> None:
    # given a processing order whose 100 % coupon leaves nothing to pay, confirmed in Odoo without a payment
    orders, skus = shop
    orders = [dict(order) for order in orders]
    free = next(order for order in orders if order["state"] == "processing")
    free["grand_total"] = 0
    unknown = unknown_sku_orders(orders, skus)
    rows, invoices = synced(orders, unknown)
    row = next(row for row in rows if row["magento_order_id"] == str(free["entity_id"]))
    invoices.pop(row["invoice_ids"][0], None)
    row.update(invoice_ids=[], amount_total=0.0)

    verdict = verdict_of(orders, rows, invoices, [letter(e) for e in unknown], skus)

    # then it is in line, and counted neither as a payment nor as one expected
    assert verdict.ok, verdict.problems
    assert verdict.payments == verdict.payments_expected == len(invoices)
