"""What "everything is synced" means for the demo, checked from both ends: Magento's orders against Odoo's.

Every order whose products Odoo knows must be in Odoo once, with Magento's state and status, the sale
order state the status map asks for, Magento's ``grand_total`` as its ``amount_total`` and, when Magento
says paid and the order is confirmed, a paid invoice. Every other order must be a dead letter, and
nothing else may be one (an order may be dead-lettered more than once: each pull that reads it tries again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from config.settings import InstanceOptions
from config.status_map import OdooTarget
from connector_worker.odoo.invoicing import PAID_STATES
from mappers.errors import MappingError
from mappers.order import required_products
from mappers.status import QUOTATION_STATES, is_paid, is_refunded, order_target

# Fields the check reads of each Odoo order.
ORDER_FIELDS = (
    "id",
    "name",
    "state",
    "amount_total",
    "invoice_ids",
    "magento_order_id",
    "magento_state",
    "magento_status",
)
INVOICE_FIELDS = ("id", "move_type", "state", "payment_state")
ODOO_STATES: dict[OdooTarget, frozenset[str]] = {
    OdooTarget.QUOTATION: QUOTATION_STATES,
    OdooTarget.CONFIRMED: frozenset({"sale"}),
    OdooTarget.DELIVERED: frozenset({"sale"}),
    OdooTarget.CLOSED: frozenset({"sale"}),
    OdooTarget.CANCELLED: frozenset({"cancel"}),
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class DeadLetterView:
    """The part of a dead letter the demo shows."""

    entity_id: str | None
    reason: str


@dataclass
class Verdict:
    """The comparison of one moment: what is in line, and one line per thing that is not."""

    expected_in_odoo: int = 0
    in_line: int = 0
    totals_match: int = 0
    payments: int = 0
    payments_expected: int = 0
    dead_letters: list[DeadLetterView] = field(default_factory=list)
    expected_dead_letters: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    gave_up: str = ""  # why the wait ended before everything was in line (timed out, no progress)

    @property
    def ok(self) -> bool:
        return not self.problems


def unknown_sku_orders(orders: Iterable[Mapping[str, Any]], known_skus: set[str]) -> set[str]:
    """Entity ids of the orders with a product Odoo will not find by SKU (they must be dead letters)."""
    found = set()
    for order in orders:
        try:
            keys = required_products(order)
        except MappingError:
            found.add(str(order["entity_id"]))
            continue
        if any(key.sku not in known_skus for key in keys):
            found.add(str(order["entity_id"]))
    return found


def compare(
    magento_orders: Sequence[Mapping[str, Any]],
    odoo_orders: Sequence[Mapping[str, Any]],
    invoices: Mapping[int, Mapping[str, Any]],
    dead_letters: Sequence[DeadLetterView],
    *,
    known_skus: set[str],
    options: InstanceOptions,
) -> Verdict:
    """Check every Magento order against Odoo and the dead letters (see the module docstring)."""
    verdict = Verdict(dead_letters=list(dead_letters))
    verdict.expected_dead_letters = unknown_sku_orders(magento_orders, known_skus)
    by_id: dict[str, list[Mapping[str, Any]]] = {}
    for row in odoo_orders:
        by_id.setdefault(str(row.get("magento_order_id")), []).append(row)
    for order in magento_orders:
        entity_id = str(order["entity_id"])
        rows = by_id.get(entity_id, [])
        if entity_id in verdict.expected_dead_letters:
            if rows:
                verdict.problems.append(
                    f"{_label(order)} has an unknown SKU but is in Odoo as {rows[0]['name']}"
                )
            continue
        verdict.expected_in_odoo += 1
        if len(rows) != 1:
            verdict.problems.append(f"{_label(order)}: {len(rows) or 'no'} Odoo orders instead of one")
            continue
        _check_order(verdict, order, rows[0], invoices, options)
    _check_dead_letters(verdict)
    return verdict


def _check_order(
    verdict: Verdict,
    order: Mapping[str, Any],
    row: Mapping[str, Any],
    invoices: Mapping[int, Mapping[str, Any]],
    options: InstanceOptions,
) -> None:
    label = f"{_label(order)} ({row['name']})"
    problems = []
    state, status = str(order.get("state") or ""), order.get("status")
    if (row.get("magento_state"), row.get("magento_status")) != (state, status):
        problems.append(
            f"{label}: Magento is {state}/{status}, Odoo shows {row.get('magento_state')}/{row.get('magento_status')}"
        )
    target = order_target(state, status, options, paid=is_paid(order))
    wanted = ODOO_STATES.get(target) if target is not None else None
    if wanted is not None and row.get("state") not in wanted:
        problems.append(f"{label}: sale order is {row.get('state')}, expected {'/'.join(sorted(wanted))}")
    grand_total = Decimal(str(order["grand_total"])).quantize(CENT)
    amount_total = Decimal(str(row.get("amount_total") or 0)).quantize(CENT)
    if grand_total == amount_total:
        verdict.totals_match += 1
    else:
        problems.append(
            f"{label}: Odoo total {amount_total} differs from Magento's grand_total {grand_total}"
        )
    # A payment is due for a confirmed order Magento says is paid, unless there is nothing to pay (a 100 %
    # coupon): Odoo refuses a payment of nothing, and the connector rightly registers none.
    paid = grand_total > 0 and _has_paid_invoice(row, invoices)
    verdict.payments += paid
    # One refunded in full before Odoo was paid gets no payment; one paid before its refund keeps it.
    if is_refunded(order):
        verdict.payments_expected += paid
    elif options.auto_payment and is_paid(order) and grand_total > 0 and row.get("state") == "sale":
        verdict.payments_expected += 1
        if not paid:
            problems.append(f"{label}: paid in Magento, but no paid invoice in Odoo")
    verdict.problems.extend(problems)
    verdict.in_line += not problems


def _has_paid_invoice(row: Mapping[str, Any], invoices: Mapping[int, Mapping[str, Any]]) -> bool:
    for invoice_id in row.get("invoice_ids") or []:
        invoice = invoices.get(int(invoice_id))
        if (
            invoice is not None
            and invoice.get("move_type") == "out_invoice"
            and invoice.get("state") == "posted"
            and invoice.get("payment_state") in PAID_STATES
        ):
            return True
    return False


def _check_dead_letters(verdict: Verdict) -> None:
    """Exactly the expected orders, each at least once (a later pull may dead-letter one again)."""
    seen = {letter.entity_id or "?": letter.reason for letter in verdict.dead_letters}
    for entity_id in sorted(verdict.expected_dead_letters - set(seen)):
        verdict.problems.append(f"order {entity_id}: expected in the dead letters, not there (yet)")
    for entity_id, reason in sorted(seen.items()):
        if entity_id not in verdict.expected_dead_letters:
            verdict.problems.append(f"order {entity_id}: unexpected dead letter: {reason}")


def _label(order: Mapping[str, Any]) -> str:
    return f"order {order['entity_id']} (#{order.get('increment_id')})"
