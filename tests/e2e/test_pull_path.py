"""Pull path, end to end: beat → ``orders.pull`` → ``orders.sync`` per changed order → Odoo.

One stack for the module: a Magento sandbox holding a seeded history of 60 orders in both stores (pages of
25), one worker process, beat (pulling every 10 s, the shortest interval allowed; the first pull comes one
interval after start) and the Odoo 19 sandbox. Nothing but beat starts a pull of the shop's watermark.
Before anything starts, two of the seed's guests are made to return: one with the same e-mail as an
earlier guest (in capitals), one as a registered customer who had ordered as a guest before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connector_worker.redis_keys import RedisKeys
from connector_worker.watermarks import read_watermark
from tasks.pull import PullWindow, default_window, pull_orders
from tests.e2e.stack import ShopSpec, Stack, start_stack
from tests.support.celery_worker import wait_until
from tests.support.magento_sandbox import MagentoSandboxHandle

SHOP = "pull"
SLOW = "slow"  # a second shop, pulled only when a test asks, whose order searches a test makes slow
SLOW_ORDERS = 40
SEEDED = 60
PAGE_SIZE = 25
PULL_INTERVAL_SECONDS = 10
IMPORT_TIMEOUT_SECONDS = 60.0


@dataclass
class Prepared:
    """Orders the module's story is about, chosen from the seed before the first pull."""

    returning_guest: tuple[int, int] = (0, 0)  # (first order, second order with the same e-mail)
    guest_then_customer: tuple[int, int] = (0, 0)  # (guest order, later order of the registered customer)
    emails: dict[int, str] = field(default_factory=dict)


PREPARED = Prepared()


def _set_email(shop: MagentoSandboxHandle, entity_id: int, email: str) -> None:
    order = shop.sandbox.state.get_order(entity_id)
    order["customer_email"] = email
    order["billing_address"]["email"] = email
    shop.sandbox.state.forget_rendering(order)


def _prepare(shops: dict[str, MagentoSandboxHandle]) -> None:
    """Make two guests return (Magento has no route to place a guest order with a chosen e-mail)."""
    shop = shops[SHOP]
    orders = sorted(
        (shop.control.order(i) for i in shop.control.order_ids()),
        key=lambda o: (o["updated_at"], o["entity_id"]),
    )
    guests = [o for o in orders if o.get("customer_is_guest")]
    registered = [o for o in orders if o.get("customer_id")]
    first, second = guests[0], guests[-1]
    _set_email(shop, second["entity_id"], first["customer_email"].upper())
    customer = registered[-1]
    guest = next(o for o in guests[1:-1] if (o["updated_at"], o["entity_id"]) < (customer["updated_at"], 0))
    _set_email(shop, guest["entity_id"], customer["customer_email"])
    PREPARED.returning_guest = (first["entity_id"], second["entity_id"])
    PREPARED.guest_then_customer = (guest["entity_id"], customer["entity_id"])


@pytest.fixture(scope="module")
def stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    spec = ShopSpec(
        SHOP,
        sandbox={"seed": 7, "orders": SEEDED},
        options={"pull_interval_seconds": PULL_INTERVAL_SECONDS, "page_size": PAGE_SIZE},
        auth="bearer",
    )
    slow = ShopSpec(
        SLOW,
        sandbox={"seed": 9, "orders": SLOW_ORDERS},
        options={"pull_interval_seconds": 3600, "page_size": 10},
        auth="bearer",
    )
    tmp = Path(tmp_path_factory.mktemp("pull"))
    with start_stack(redis_url, [spec, slow], tmp_dir=tmp, prepare=_prepare) as running:
        yield running


@pytest.fixture(scope="module")
def imported(stack: Stack) -> list[dict[str, Any]]:
    """Every seeded order, once beat's first pull and its syncs are done."""
    wait_until(lambda: len(stack.odoo_orders(SHOP)) >= SEEDED, timeout=IMPORT_TIMEOUT_SECONDS, interval=0.2)
    for entity_id in stack.shops[SHOP].control.order_ids():
        stack.wait_synced(SHOP, entity_id)  # every sync done, payments and all (none still retrying)
    return stack.odoo_orders(SHOP)


def _magento_orders(stack: Stack) -> dict[int, dict[str, Any]]:
    control = stack.shops[SHOP].control
    return {entity_id: control.order(entity_id) for entity_id in control.order_ids()}


def _m2o(value: Any) -> int | None:
    """A many2one as read (``[id, name]``, an id, or False) → the id."""
    if isinstance(value, list | tuple):
        return int(value[0]) if value else None
    return int(value) if value else None


def _partner(stack: Stack, partner_id: int | None) -> dict[str, Any]:
    [row] = stack.odoo.read("res.partner", [("id", "=", partner_id)])
    return row


def test_beat_pulls_every_order_once_with_magentos_fields(
    stack: Stack, imported: list[dict[str, Any]]
) -> None:
    magento = _magento_orders(stack)
    # then every Magento order is in Odoo exactly once
    by_id = {int(record["magento_order_id"]): record for record in imported}
    assert len(imported) == len(by_id) == SEEDED
    assert set(by_id) == set(magento)
    # with Magento's fields (the money has a module of its own: test_money)
    for entity_id, order in magento.items():
        record = by_id[entity_id]
        assert Decimal(str(record["magento_amount"])) == Decimal(str(order["grand_total"])), entity_id
        assert record["magento_state"] == order["state"]
        assert record["magento_increment_id"] == order["increment_id"]
        assert record["magento_order_date"] == order["created_at"]
    currencies = {order["order_currency_code"] for order in magento.values()}
    assert currencies == {"USD", "EUR"}


def test_the_watermark_ends_at_the_newest_order_pulled(stack: Stack, imported: list[dict[str, Any]]) -> None:
    newest = max(order["updated_at"] for order in _magento_orders(stack).values())
    expected = dt.datetime.strptime(newest, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)

    try:
        wait_until(lambda: read_watermark(stack.client, stack.keys, SHOP) == expected, timeout=5)
    except AssertionError:
        pytest.fail(f"watermark {read_watermark(stack.client, stack.keys, SHOP)}, newest order {expected}")


def test_a_returning_guest_is_one_contact_not_one_per_order(
    stack: Stack, imported: list[dict[str, Any]]
) -> None:
    first, second = (stack.odoo_order(SHOP, i) for i in PREPARED.returning_guest)
    assert first is not None and second is not None
    # then both orders belong to one contact
    assert _m2o(first["partner_id"]) == _m2o(second["partner_id"])
    email = _partner(stack, _m2o(first["partner_id"]))["email_normalized"]
    heads = stack.odoo.read("res.partner", [("email_normalized", "=", email), ("parent_id", "=", False)])
    assert len(heads) == 1


def test_a_guest_who_registers_later_gets_the_magento_customer_id(
    stack: Stack, imported: list[dict[str, Any]]
) -> None:
    guest_order, customer_order = (stack.odoo_order(SHOP, i) for i in PREPARED.guest_then_customer)
    assert guest_order is not None and customer_order is not None
    customer_id = _magento_orders(stack)[PREPARED.guest_then_customer[1]]["customer_id"]
    # then the guest's contact is the customer's, and it now carries the Magento customer id
    assert _m2o(guest_order["partner_id"]) == _m2o(customer_order["partner_id"])
    partner = _partner(stack, _m2o(customer_order["partner_id"]))
    assert partner["magento_customer_id"] == str(customer_id)


def test_customers_have_their_addresses_as_child_contacts_and_their_magento_id(
    stack: Stack, imported: list[dict[str, Any]]
) -> None:
    magento = _magento_orders(stack)
    partners = {row["id"]: row for row in stack.odoo.read("res.partner", [])}
    heads_by_email: dict[str, set[int]] = {}
    for record in imported:
        order = magento[int(record["magento_order_id"])]
        partner_id = _m2o(record["partner_id"])
        assert partner_id is not None
        partner = partners[partner_id]
        invoice = partners[_m2o(record["partner_invoice_id"])]
        delivery = partners[_m2o(record["partner_shipping_id"])]
        # the order's customer is a contact of its own, with the billing and shipping addresses as children
        assert not _m2o(partner.get("parent_id"))
        assert (_m2o(invoice["parent_id"]), invoice["type"]) == (partner_id, "invoice")
        if order["is_virtual"]:
            assert delivery["id"] == invoice["id"]
        else:
            assert (_m2o(delivery["parent_id"]), delivery["type"]) == (partner_id, "delivery")
        if order.get("customer_id"):
            assert partner["magento_customer_id"] == str(order["customer_id"])
        heads_by_email.setdefault(partner["email_normalized"], set()).add(partner_id)
    # and one contact per e-mail
    assert all(len(ids) == 1 for ids in heads_by_email.values()), heads_by_email


def test_changes_made_in_magento_after_the_import_come_with_the_next_pull(
    stack: Stack, imported: list[dict[str, Any]]
) -> None:
    control = stack.shops[SHOP].control
    by_state: dict[str, list[int]] = {}
    for entity_id, order in sorted(_magento_orders(stack).items()):
        by_state.setdefault(order["state"], []).append(entity_id)
    invoiced, cancelled, held = by_state["new"][0], by_state["new"][1], by_state["processing"][0]
    syncs_before = len(stack.syncs_of_instance(SHOP))
    # when Magento invoices one order, cancels another and holds a third
    control.invoice(invoiced)
    assert control.cancel(cancelled)
    control.hold(held)
    # then beat's next pull brings the three changes to Odoo
    wait = PULL_INTERVAL_SECONDS + 10
    stack.wait_for_order(
        SHOP, invoiced, lambda r: (r["state"], r["magento_paid"]) == ("sale", "paid"), timeout=wait
    )
    stack.wait_for_order(SHOP, cancelled, lambda r: r["state"] == "cancel", timeout=wait)
    stack.wait_for_order(
        SHOP, held, lambda r: (r["state"], r["magento_on_hold"]) == ("sale", True), timeout=wait
    )
    # and syncs nothing else: the unchanged orders it re-read are skipped
    for entity_id in (invoiced, cancelled, held):
        stack.wait_synced(SHOP, entity_id)
    synced = [entry["order_id"] for entry in stack.syncs_of_instance(SHOP)[syncs_before:]]
    assert sorted(synced) == sorted([invoiced, cancelled, held])
    assert len(stack.odoo_orders(SHOP)) == SEEDED


class _BrokerDown(RuntimeError):
    """The queue refused a task (Redis gone): the page was not handed over."""


def test_a_page_not_handed_over_leaves_the_watermark_at_the_last_page_handed_over(
    stack: Stack, imported: list[dict[str, Any]]
) -> None:
    # given a pull of its own (fresh keys) whose queue fails at the second page
    runtime = stack.runtime()
    runtime.keys = RedisKeys(f"{stack.keys.prefix}inline:")
    ordered = sorted(_magento_orders(stack).values(), key=lambda o: (o["updated_at"], o["entity_id"]))
    handed: list[Mapping[str, Any]] = []

    def failing(orders: Sequence[Mapping[str, Any]]) -> None:
        if len(handed) == PAGE_SIZE:
            raise _BrokerDown("queue unavailable")
        handed.extend(orders)

    try:
        window = default_window(runtime, SHOP)
        with pytest.raises(_BrokerDown):
            pull_orders(runtime, SHOP, window, failing)
        # then the watermark stands at the newest order of the first page, not beyond
        first_page_newest = ordered[PAGE_SIZE - 1]["updated_at"]
        mark = read_watermark(runtime.redis, runtime.keys, SHOP)
        assert mark is not None
        assert mark.strftime("%Y-%m-%d %H:%M:%S") == first_page_newest
        assert [int(o["entity_id"]) for o in handed] == [o["entity_id"] for o in ordered[:PAGE_SIZE]]
        # and the next run reads on from there, to the newest order
        rest: list[Mapping[str, Any]] = []
        again = default_window(runtime, SHOP)
        pull_orders(runtime, SHOP, PullWindow(again.start, again.until), rest.extend)
        assert {int(o["entity_id"]) for o in rest} >= {o["entity_id"] for o in ordered[PAGE_SIZE:]}
        final = read_watermark(runtime.redis, runtime.keys, SHOP)
        assert final is not None
        assert final.strftime("%Y-%m-%d %H:%M:%S") == ordered[-1]["updated_at"]
    finally:
        runtime.close()
        runtime.redis.close()


def test_a_pull_longer_than_its_time_budget_hands_over_instead_of_being_cut_short(stack: Stack) -> None:
    # given a Magento whose order searches take 0.6 s, and a history of four pages (more than the task's
    # soft time limit of the test tuning, 2 s, to read in one run)
    control = stack.shops[SLOW].control
    control.set_faults(latency_ms=600, path_pattern=r"/V1/orders$")
    until = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        # when the whole history is pulled again (an explicit window, as a continuation also carries)
        stack.pull(SLOW, since="1970-01-01T00:00:00+00:00", until=until.isoformat())
        # then every order arrives
        wait_until(lambda: len(stack.odoo_orders(SLOW)) == SLOW_ORDERS, timeout=IMPORT_TIMEOUT_SECONDS)
    finally:
        control.clear_faults()
    # through runs that each handed over to a continuation in time, none cut short by the time limit
    runs = [entry for entry in stack.log_events("pull_done") if entry.get("instance") == SLOW]
    assert len(runs) > 1 and runs[-1]["resumes_from"] is None
    assert all(run["resumes_from"] for run in runs[:-1])
    retried = [e for e in stack.log_events("task_retry_scheduled") if e.get("task") == "orders.pull"]
    assert retried == []
    assert not [letter for letter in stack.dead_letters() if letter.instance == SLOW]


def test_the_reconcile_brings_back_an_order_deleted_in_odoo_that_the_pull_considers_synced(
    stack: Stack, imported: list[dict[str, Any]]
) -> None:
    # given an imported quotation deleted in Odoo: its synced marker still says it is there, so pulls skip it
    victim = next(r for r in stack.odoo_orders(SHOP) if r["state"] == "draft")
    entity_id = int(victim["magento_order_id"])
    stack.odoo.call("sale.order", "unlink", [victim["id"]])
    assert stack.odoo_order(SHOP, entity_id) is None
    # when the worker runs a reconcile over the shop's history (beat's runs cover the last days)
    until = dt.datetime.now(dt.UTC).replace(microsecond=0)
    result = stack.producer.send_task(
        "orders.reconcile",
        kwargs={"instance": SHOP, "since": "1970-01-01T00:00:00+00:00", "until": until.isoformat()},
        queue="orders.pull",
    )
    # then it hands over that order alone, and its sync creates it again
    syncs = len(stack.syncs_of(SHOP, entity_id))
    outcome = stack.task_result(str(result.id), timeout=IMPORT_TIMEOUT_SECONDS)
    assert (outcome["seen"], outcome["dispatched"]) == (SEEDED, 1)
    found = [e["order_id"] for e in stack.log_events("order_out_of_line") if e.get("instance") == SHOP]
    assert found == [entity_id]
    record = stack.wait_for_order(SHOP, entity_id, timeout=IMPORT_TIMEOUT_SECONDS)
    assert record["magento_increment_id"] == victim["magento_increment_id"]
    assert len(stack.odoo_orders(SHOP)) == SEEDED
    wait_until(lambda: len(stack.syncs_of(SHOP, entity_id)) > syncs, timeout=IMPORT_TIMEOUT_SECONDS)
    assert stack.syncs_of(SHOP, entity_id)[-1]["result"] == "created"
