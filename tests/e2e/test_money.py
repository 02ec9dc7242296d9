"""Money, end to end: for every order of the seed corpus, Odoo's ``amount_total`` is Magento's ``grand_total``.

Three seeded shops (USD with sales tax excluded, EUR with 20 % VAT included, discounts, free and taxed
shipping, virtual orders, zero totals) are pulled by one worker into one Odoo, on Odoo 19 (JSON-2) and on
Odoo 17 (XML-RPC), whose tax-included rounding differs. The orders travel the real path: ``orders.pull``
pages the shop and queues one ``orders.sync`` per order with its payload.

The Odoo sandbox totals a globally rounded order the way Odoo 18 does, whatever the version it plays
(reported). Where that alone explains a difference, the lines the connector sent are checked against the
money model of the version played (a genuine Odoo 19 makes the untaxed amount follow the tax-included total
when every tax is included: ``account.tax._round_tax_details_base_lines``, mode "mixed") and the test is an
expected failure naming those orders; any other difference fails it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mappers.money import TaxedLine, TaxKey, odoo_totals
from mappers.payload import currency_decimals
from tests.e2e.stack import ShopSpec, Stack, start_stack
from tests.support.celery_worker import wait_until

SEEDS = {"seed3": 3, "seed5": 5, "seed8": 8}
ORDERS_PER_SHOP = 60
SANDBOX_ROUNDING_AS = 18  # the Odoo sandbox's globally rounded totals are Odoo 18's
IMPORT_TIMEOUT_SECONDS = 90.0


@pytest.fixture(scope="module", params=[19, 17], ids=["odoo19", "odoo17"])
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
    def imported() -> dict[str, list[dict[str, Any]]] | None:
        found = {name: stack.odoo_orders(name) for name in SEEDS}
        return found if all(len(rows) >= ORDERS_PER_SHOP for rows in found.values()) else None

    try:
        return wait_until(imported, timeout=IMPORT_TIMEOUT_SECONDS, interval=0.25)
    except AssertionError:
        counts = {name: len(stack.odoo_orders(name)) for name in SEEDS}
        raise AssertionError(f"not every order imported: {counts}\n{stack.tail_logs()}") from None


def test_every_paid_order_is_invoiced_and_paid_once_with_nothing_left_due(stack: Stack) -> None:
    imported = _all_imported(stack)
    payments = stack.odoo.read("account.payment", [])
    paid_invoices = [invoice for p in payments for invoice in p.get("invoice_ids") or []]
    # no invoice was paid twice
    assert len(paid_invoices) == len(set(paid_invoices))
    for name, records in imported.items():
        for record in records:
            if (record["state"], record["magento_paid"]) != ("sale", "paid"):
                assert not record["invoice_ids"], (name, record["magento_order_id"])
                continue
            # a paid, confirmed order has one posted invoice of its total, nothing left to pay
            [invoice] = stack.odoo.read("account.move", [("id", "in", record["invoice_ids"])])
            assert invoice["state"] == "posted"
            assert Decimal(str(invoice["amount_total"])) == Decimal(str(record["amount_total"]))
            assert Decimal(str(invoice["amount_residual"])) == 0, (name, record["magento_order_id"])


def _odoo_lines(stack: Stack, record: dict[str, Any]) -> list[TaxedLine]:
    """The order's lines as Odoo's tax engine sees them, read back from Odoo."""
    taxes = {row["id"]: row for row in stack.odoo.read("account.tax", [])}
    tax_field = "tax_ids" if stack.odoo.version >= 19 else "tax_id"
    lines = []
    for line in stack.odoo.read("sale.order.line", [("order_id", "=", record["id"])]):
        keys = tuple(
            TaxKey(Decimal(str(taxes[tax_id]["amount"])), bool(taxes[tax_id].get("price_include")))
            for tax_id in line.get(tax_field) or []
        )
        lines.append(
            TaxedLine(
                price_unit=Decimal(str(line["price_unit"])),
                quantity=Decimal(str(line["product_uom_qty"])),
                taxes=keys,
                discount=Decimal(str(line.get("discount") or 0)),
            )
        )
    return lines


def _explained_by_sandbox_rounding(stack: Stack, record: dict[str, Any], order: dict[str, Any]) -> bool:
    """True when the genuine version totals these very lines to ``grand_total`` and the sandbox's
    Odoo 18 rounding gives exactly what the sandbox shows."""
    lines = _odoo_lines(stack, record)
    decimals = currency_decimals(order["order_currency_code"])
    genuine = odoo_totals(lines, "round_globally", decimals, version=stack.odoo.version)
    sandbox = odoo_totals(lines, "round_globally", decimals, version=SANDBOX_ROUNDING_AS)
    return genuine.total == Decimal(str(order["grand_total"])) and sandbox.total == Decimal(
        str(record["amount_total"])
    )


def test_every_seeded_order_lands_with_magentos_grand_total(stack: Stack) -> None:
    imported = _all_imported(stack)
    unexplained: list[str] = []
    sandbox_rounding: list[str] = []
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
            if Decimal(str(record["amount_total"])) == Decimal(str(order["grand_total"])):
                continue
            label = f"{name}#{order['entity_id']} ({order['order_currency_code']} {order['grand_total']} vs {record['amount_total']})"
            if _explained_by_sandbox_rounding(stack, record, order):
                sandbox_rounding.append(label)
            else:
                unexplained.append(label)
    assert stores == {"USD", "EUR"}
    assert not unexplained, f"Odoo total differs from Magento's grand_total: {unexplained}"
    assert not stack.dead_letters(), [letter.reason for letter in stack.dead_letters()]
    if sandbox_rounding:
        pytest.xfail(
            f"{len(sandbox_rounding)} of {ORDERS_PER_SHOP * len(SEEDS)} orders differ only by the Odoo sandbox's "
            f"Odoo 18 rounding (the lines total grand_total on a genuine Odoo {stack.odoo.version}): "
            + ", ".join(sandbox_rounding)
        )
