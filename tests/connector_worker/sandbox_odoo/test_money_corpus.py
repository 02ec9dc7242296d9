"""The mappers' prediction of Odoo's totals against the Odoo sandbox's own computation, on the Magento
sandbox's seed corpus: every seeded order is mapped, created in the sandbox of each version under each
rounding method, and its stored amounts read back.

The two sides are independent implementations of Odoo's tax rounding (``mappers.money`` in exact
fractions, the sandbox's ``tax_lines``/``tax_rounding`` as Odoo's float code), so agreement on 480 real-
looking orders is evidence for both. Every corpus currency has two decimals, so the orders are created in
the company's currency (the rounding is the same).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from connector_worker.magento.parsing import loads
from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from mappers import OrderContext, magento_order_to_odoo
from mappers.money import ROUND_GLOBALLY, ROUND_PER_LINE, TaxKey
from tests.connector_worker.sandbox_odoo.helpers import tax_values
from tests.mappers.contexts import odoo_totals_of, resolved_context
from tests.support.odoo_sandbox import OdooSandboxHandle

SEEDS = (1, 2, 3, 4, 5, 6)
ORDERS_PER_SEED = 80
AMOUNTS = ["amount_untaxed", "amount_tax", "amount_total"]
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Seeded:
    name: str
    order: dict[str, Any]


@pytest.fixture(scope="module")
def corpus() -> Iterator[list[Seeded]]:
    orders = []
    for seed in SEEDS:
        sandbox = MagentoSandbox(SandboxConfig(seed=seed, orders=ORDERS_PER_SEED))
        try:
            for entity_id in sandbox.control.order_ids():
                order = loads(json.dumps(sandbox.control.order(entity_id)))
                orders.append(Seeded(f"seed {seed} order {entity_id}", order))
        finally:
            sandbox.close()
    yield orders


class OdooOrders:
    """Creates mapped orders in one sandbox: one partner, one product, a tax per mapper tax key."""

    def __init__(self, odoo: OdooSandboxHandle) -> None:
        self.odoo = odoo
        self.partner = odoo.call("res.partner", "create", {"name": "Corpus"})
        self.product = odoo.call("product.product", "create", {"name": "Corpus item", "list_price": 1.0})
        self.taxes: dict[TaxKey, int] = {}

    def tax(self, key: TaxKey) -> int:
        if key not in self.taxes:
            vals = tax_values(
                self.odoo.version, float(key.rate), key.price_include, name=f"Corpus {key.label}"
            )
            self.taxes[key] = self.odoo.call("account.tax", "create", vals)
        return self.taxes[key]

    def create(self, values: dict[str, Any], ctx: OrderContext) -> int:
        keys = {tax_id: key for key, tax_id in ctx.taxes.items()}
        field = "tax_ids" if self.odoo.version >= 19 else "tax_id"
        lines = [
            (
                0,
                0,
                {
                    "product_id": self.product,
                    "product_uom_qty": line["product_uom_qty"],
                    "price_unit": line["price_unit"],
                    "discount": line.get("discount", 0.0),
                    field: [(6, 0, [self.tax(keys[tax_id]) for tax_id in line["tax_ids"][0][2]])],
                },
            )
            for _, _, line in values["order_line"]
        ]
        order_id: int = self.odoo.call(
            "sale.order", "create", {"partner_id": self.partner, "order_line": lines}
        )
        return order_id


def predicted(values: dict[str, Any], ctx: OrderContext) -> tuple[Decimal, Decimal, Decimal]:
    totals = odoo_totals_of(values, ctx)
    return totals.untaxed, totals.tax, totals.total


@pytest.mark.parametrize(
    ("version", "method"),
    [
        (17, ROUND_GLOBALLY),
        (17, ROUND_PER_LINE),
        (18, ROUND_GLOBALLY),
        (18, ROUND_PER_LINE),
        (19, ROUND_GLOBALLY),
        (19, ROUND_PER_LINE),
    ],
)
def test_the_mappers_predict_the_sandboxs_totals_for_every_seeded_order(
    corpus: list[Seeded], request: pytest.FixtureRequest, version: int, method: str
) -> None:
    odoo: OdooSandboxHandle = request.getfixturevalue(f"odoo{version}")
    odoo.call("res.company", "write", [1], {"tax_calculation_rounding_method": method})
    try:
        # given every seeded order mapped for this version and rounding method, created in the sandbox
        orders, expected = OdooOrders(odoo), {}
        for seeded in corpus:
            ctx = resolved_context(seeded.order, rounding_method=method, odoo_version=version)
            mapping = magento_order_to_odoo(seeded.order, ctx)
            expected[orders.create(mapping.values, ctx)] = (seeded.name, predicted(mapping.values, ctx))
        # when the sandbox's stored amounts are read back
        rows = odoo.read("sale.order", [("id", "in", list(expected))], AMOUNTS)
    finally:
        odoo.call("res.company", "write", [1], {"tax_calculation_rounding_method": ROUND_GLOBALLY})
    # then untaxed, tax and total are the mappers' prediction to the cent, order by order
    got = {row["id"]: tuple(Decimal(str(row[name])).quantize(CENT) for name in AMOUNTS) for row in rows}
    wrong = [
        (name, want, got[order_id]) for order_id, (name, want) in expected.items() if got[order_id] != want
    ]
    assert len(got) == len(corpus) == len(SEEDS) * ORDERS_PER_SEED
    assert wrong == [], f"{len(wrong)} orders differ, e.g. {wrong[:3]}"
