"""The status map in motion: every Magento state against every Odoo order state, then whole lifecycles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from config.settings import InstanceOptions
from config.status_map import DEFAULT_STATUS_MAP, OdooTarget
from mappers import OdooOrderState, SaleAction, invoice_status, is_paid, magento_status_values
from mappers.status import is_refunded, sale_order_actions
from tests.mappers import payloads
from tests.mappers.contexts import resolved_context

CONFIRM, CANCEL, DRAFT = SaleAction.CONFIRM, SaleAction.CANCEL, SaleAction.DRAFT
LOCK, UNLOCK, DELIVER = SaleAction.LOCK, SaleAction.UNLOCK, SaleAction.DELIVER
DEFAULTS = InstanceOptions()

QUOTATION = OdooOrderState("draft")
SENT = OdooOrderState("sent")
CONFIRMED = OdooOrderState("sale", delivery_status="pending")
DELIVERED = OdooOrderState("sale", delivery_status="full")
LOCKED = OdooOrderState("sale", locked=True, delivery_status="full")
CANCELLED_IN_ODOO = OdooOrderState("cancel", magento_state="processing")
CANCELLED_FROM_MAGENTO = OdooOrderState("cancel", magento_state="canceled")

# Magento state → expected actions for each Odoo starting point (default map, auto_confirm on).
TRANSITIONS = {
    "new": {QUOTATION: [], SENT: [], CONFIRMED: [], LOCKED: [], CANCELLED_IN_ODOO: [], CANCELLED_FROM_MAGENTO: [DRAFT]},
    "pending_payment": {QUOTATION: [], CONFIRMED: [], LOCKED: [], CANCELLED_IN_ODOO: []},
    "payment_review": {QUOTATION: [], CONFIRMED: [], CANCELLED_IN_ODOO: []},
    "processing": {
        QUOTATION: [CONFIRM], SENT: [CONFIRM], CONFIRMED: [], DELIVERED: [], LOCKED: [],
        CANCELLED_IN_ODOO: [], CANCELLED_FROM_MAGENTO: [DRAFT, CONFIRM],
    },
    "complete": {
        QUOTATION: [CONFIRM, DELIVER], CONFIRMED: [DELIVER], DELIVERED: [], LOCKED: [],
        CANCELLED_IN_ODOO: [],
    },
    "closed": {
        QUOTATION: [CONFIRM, LOCK], CONFIRMED: [LOCK], DELIVERED: [LOCK], LOCKED: [], CANCELLED_IN_ODOO: [],
    },
    "canceled": {
        QUOTATION: [CANCEL], SENT: [CANCEL], CONFIRMED: [CANCEL], DELIVERED: [CANCEL], LOCKED: [UNLOCK, CANCEL],
        CANCELLED_IN_ODOO: [], CANCELLED_FROM_MAGENTO: [],
    },
    "holded": {QUOTATION: [], CONFIRMED: [], LOCKED: [], CANCELLED_IN_ODOO: [], CANCELLED_FROM_MAGENTO: []},
}  # fmt: skip


@pytest.mark.parametrize(
    ("magento_state", "odoo", "expected"),
    [(state, odoo, actions) for state, cases in TRANSITIONS.items() for odoo, actions in cases.items()],
)
def test_every_state_of_the_default_map(
    magento_state: str, odoo: OdooOrderState, expected: list[SaleAction]
) -> None:
    assert sale_order_actions(magento_state, None, odoo, DEFAULTS) == expected


def test_the_table_covers_every_state_of_the_default_map() -> None:
    assert set(TRANSITIONS) == set(DEFAULT_STATUS_MAP)


def test_a_state_the_map_does_not_know_does_nothing() -> None:
    assert sale_order_actions("archived_by_extension", "archived", QUOTATION, DEFAULTS) == []


def test_auto_confirm_off_never_confirms() -> None:
    manual = InstanceOptions(auto_confirm=False)
    assert sale_order_actions("processing", "processing", QUOTATION, manual) == []
    assert sale_order_actions("complete", "complete", QUOTATION, manual) == []
    assert sale_order_actions("closed", "closed", QUOTATION, manual) == []
    assert sale_order_actions("processing", "processing", CANCELLED_FROM_MAGENTO, manual) == [DRAFT]
    # but what needs no confirmation still happens
    assert sale_order_actions("complete", "complete", CONFIRMED, manual) == [DELIVER]
    assert sale_order_actions("canceled", "canceled", QUOTATION, manual) == [CANCEL]


def test_per_instance_overrides_win_status_over_state() -> None:
    # given a bank-transfer shop that confirms pending_payment orders, and a custom status on closed
    options = InstanceOptions(
        status_map={"pending_payment": OdooTarget.CONFIRMED, "closed_exchange_success": OdooTarget.DELIVERED}
    )
    assert sale_order_actions("pending_payment", "pending_payment", QUOTATION, options) == [CONFIRM]
    assert sale_order_actions("closed", "closed_exchange_success", CONFIRMED, options) == [DELIVER]
    assert sale_order_actions("closed", "closed", CONFIRMED, options) == [LOCK]


@pytest.mark.parametrize("magento_state", ["pending_payment", "payment_review"])
def test_an_order_awaiting_payment_is_a_quotation_until_magento_shows_it_paid(magento_state: str) -> None:
    # unpaid: a quotation; paid (say an offline payment invoiced without leaving pending_payment): confirmed
    assert sale_order_actions(magento_state, magento_state, QUOTATION, DEFAULTS, paid=False) == []
    assert sale_order_actions(magento_state, magento_state, QUOTATION, DEFAULTS, paid=True) == [CONFIRM]
    # and no further once confirmed, nor back to a quotation
    assert sale_order_actions(magento_state, magento_state, CONFIRMED, DEFAULTS, paid=True) == []
    # nor when confirming is left to people (auto_confirm off) or the shop maps the state to quotation
    manual = InstanceOptions(auto_confirm=False)
    assert sale_order_actions(magento_state, magento_state, QUOTATION, manual, paid=True) == []
    never = InstanceOptions(status_map={magento_state: OdooTarget.QUOTATION})
    assert sale_order_actions(magento_state, magento_state, QUOTATION, never, paid=True) == []


def test_a_suspected_fraud_status_follows_its_state() -> None:
    assert sale_order_actions("payment_review", "fraud", QUOTATION, DEFAULTS) == []
    assert sale_order_actions("processing", "fraud", QUOTATION, DEFAULTS) == [CONFIRM]


def apply(odoo: OdooOrderState, actions: list[SaleAction], magento_state: str) -> OdooOrderState:
    """What Odoo looks like after the worker ran ``actions`` (deliveries appear on confirmation)."""
    state, locked, delivery = odoo.state, odoo.locked, odoo.delivery_status
    for action in actions:
        if action is CONFIRM:
            state, delivery = "sale", "pending"
        elif action is CANCEL:
            state = "cancel"
        elif action is DRAFT:
            state, delivery = "draft", None
        elif action is LOCK or action is UNLOCK:
            locked = action is LOCK
        elif action is DELIVER:
            delivery = "full"
    return OdooOrderState(state, locked, delivery, magento_state)


def replay(history: list[tuple[str, str]], options: InstanceOptions = DEFAULTS) -> list[list[SaleAction]]:
    """Sync the same order once per Magento (state, status) in ``history``, from a new quotation."""
    odoo = OdooOrderState()
    steps = []
    for magento_state, status in history:
        actions = sale_order_actions(magento_state, status, odoo, options)
        steps.append(actions)
        odoo = apply(odoo, actions, magento_state)
    return steps


def test_lifecycle_paid_shipped_refunded() -> None:
    history = [
        ("new", "pending"),
        ("processing", "processing"),
        ("complete", "complete"),
        ("closed", "closed"),
    ]
    assert replay(history) == [[], [CONFIRM], [DELIVER], [LOCK]]


def test_lifecycle_on_hold_and_back_changes_nothing() -> None:
    history = [
        ("processing", "processing"),
        ("holded", "holded"),
        ("processing", "processing"),
        ("holded", "holded"),
    ]
    assert replay(history) == [[CONFIRM], [], [], []]


def test_lifecycle_never_regresses_to_quotation() -> None:
    history = [("processing", "processing"), ("pending_payment", "pending_payment"), ("new", "pending")]
    assert replay(history) == [[CONFIRM], [], []]


def test_lifecycle_cancelled_then_reopened_by_magento() -> None:
    history = [
        ("new", "pending"),
        ("canceled", "canceled"),
        ("canceled", "canceled"),
        ("processing", "processing"),
    ]
    assert replay(history) == [[], [CANCEL], [], [DRAFT, CONFIRM]]


def test_lifecycle_refund_after_lock_then_cancel_unlocks_first() -> None:
    history = [("complete", "complete"), ("closed", "closed"), ("canceled", "canceled")]
    assert replay(history) == [[CONFIRM, DELIVER], [LOCK], [UNLOCK, CANCEL]]


def test_a_quotation_order_is_not_paid_until_total_paid_covers_it() -> None:
    order = payloads.coupon_order()
    assert is_paid(order) is False and invoice_status(order) == "not_invoiced"
    order.update(total_paid=Decimal("50.00"), total_invoiced=Decimal("50.00"), total_due=Decimal("46.58"))
    assert is_paid(order) is False and invoice_status(order) == "not_invoiced"
    order.update(total_paid=Decimal("96.58"), total_invoiced=Decimal("96.5800"), total_due=0)
    assert is_paid(order) is True and invoice_status(order) == "invoiced"


def test_a_due_of_zero_counts_only_with_a_payment() -> None:
    order = payloads.coupon_order()
    order["total_due"] = 0
    assert is_paid(order) is False
    order["total_paid"] = Decimal("96.57")  # paid, with a cent written off by the gateway
    assert is_paid(order) is True


def test_a_zero_total_order_is_paid() -> None:
    assert is_paid(payloads.free_order()) is True


def test_status_values_written_on_every_sync() -> None:
    order = payloads.coupon_order()
    order.update(
        state="holded", status="holded", total_paid=Decimal("96.58"), total_invoiced=Decimal("96.58")
    )
    ctx = resolved_context(order)
    values = magento_status_values(order, ctx.synced_at, ctx.currency_decimals)
    assert values == {
        "magento_state": "holded",
        "magento_status": "holded",
        "magento_invoice_status": "invoiced",
        "magento_paid": "paid",
        "magento_amount": 96.58,
        "magento_order_date": "2024-05-01 10:00:00",
        "magento_on_hold": True,
        "magento_sync_date": "2024-05-01 10:05:30",
        "magento_sync_error": False,
    }


def test_an_order_refunded_in_full_is_told_apart_from_one_refunded_in_part() -> None:
    paid = {"grand_total": "50.00", "total_paid": "50.00", "total_due": "0.00"}
    assert not is_refunded(paid)
    assert is_refunded({**paid, "total_refunded": "50.00"})
    assert not is_refunded({**paid, "total_refunded": "10.00"})
