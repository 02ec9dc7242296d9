"""Money, end to end: for every order of the seed corpus, Odoo's ``amount_total`` is Magento's ``grand_total``.

Three seeded shops (USD with sales tax excluded, EUR with 20 % VAT included, discounts, free and taxed
shipping, virtual orders, zero totals) are pulled by one worker into one Odoo, on Odoo 19 (JSON-2), 18 and
17 (XML-RPC), which round tax-included totals differently. The orders travel the real path: ``orders.pull``
pages the shop and queues one ``orders.sync`` per order with its payload.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import ShopSpec, Stack, start_stack
from tests.support.celery_worker import wait_until

SEEDS = {"seed3": 3, "seed5": 5, "seed8": 8}
ORDERS_PER_SHOP = 60
IMPORT_TIMEOUT_SECONDS = 90.0


@pytest.fixture(scope="module", params=[19, 18, 17], ids=["odoo19", "odoo18", "odoo17"])
def stack(
    request: pytest.FixtureRequest, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    specs = [
        ShopSpec(
            name, sandbox={"seed": seed, "orders": ORDERS_PER_SHOP}, options={"pull_interval_seconds": 3600}
        )
        for name, seed in SEEDS.items()
    ]
    tmp = Path(tmp_path_factory.mktemp(f"money{request.param}"))
    with start_stack(redis_url, specs, odoo_version=request.param, tmp_dir=tmp) as running:
        for name in SEEDS:
            running.pull(name)
        yield running


def _all_imported(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    """Every seeded order, once the sync of its current version has finished (payment included)."""

    def imported() -> dict[str, list[dict[str, Any]]] | None:
        found = {name: stack.odoo_orders(name) for name in SEEDS}
        return found if all(len(rows) >= ORDERS_PER_SHOP for rows in found.values()) else None

    try:
        wait_until(imported, timeout=IMPORT_TIMEOUT_SECONDS, interval=0.25)
    except AssertionError:
        counts = {name: len(stack.odoo_orders(name)) for name in SEEDS}
        raise AssertionError(f"not every order imported: {counts}\n{stack.tail_logs()}") from None
    for name in SEEDS:
        for entity_id in stack.shops[name].control.order_ids():
            stack.wait_synced(name, entity_id)
    return {name: stack.odoo_orders(name) for name in SEEDS}


def test_every_paid_order_is_invoiced_and_paid_once_with_nothing_left_due(stack: Stack) -> None:
    imported = _all_imported(stack)
    payments = stack.odoo.read("account.payment", [])
    paid_invoices = [invoice for p in payments for invoice in p.get("invoice_ids") or []]
    # no invoice was paid twice
    assert len(paid_invoices) == len(set(paid_invoices))
    for name, records in imported.items():
        for record in records:
            invoiced = (record["state"], record["magento_paid"]) == ("sale", "paid")
            refunded = record["magento_state"] == "closed" and record["amount_total"]  # in full, already
            if not invoiced or refunded:
                assert not record["invoice_ids"], (name, record["magento_order_id"])
                continue
            # a paid, confirmed order has one posted invoice of its total, nothing left to pay
            [invoice] = stack.odoo.read("account.move", [("id", "in", record["invoice_ids"])])
            assert invoice["state"] == "posted"
            assert Decimal(str(invoice["amount_total"])) == Decimal(str(record["amount_total"]))
            assert Decimal(str(invoice["amount_residual"])) == 0, (name, record["magento_order_id"])


def test_every_seeded_order_lands_with_magentos_grand_total(stack: Stack) -> None:
    imported = _all_imported(stack)
    different: list[str] = []
    stores: set[str] = set()
    for name, records in imported.items():
        control = stack.shops[name].control
        assert len(records) == ORDERS_PER_SHOP == len(control.order_ids())
        for record in records:
            order = control.order(int(record["magento_order_id"]))
            stores.add(order["order_currency_code"])
            # the order is in Magento's currency, not flagged, with Magento's amount recorded
            currency = record["currency_id"]
            assert (currency[1] if isinstance(currency, list) else currency) == order["order_currency_code"]
            assert not record["magento_amount_mismatch"], (name, order["entity_id"])
            assert Decimal(str(record["magento_amount"])) == Decimal(str(order["grand_total"]))
            if Decimal(str(record["amount_total"])) != Decimal(str(order["grand_total"])):
                currency, total = order["order_currency_code"], order["grand_total"]
                different.append(
                    f"{name}#{order['entity_id']} ({currency} {total} vs {record['amount_total']})"
                )
    assert stores == {"USD", "EUR"}
    assert not different, f"Odoo's total differs from Magento's grand_total: {different}"
    assert not stack.dead_letters(), [letter.reason for letter in stack.dead_letters()]
