"""``outbox.relay``: Odoo's *Pull from Magento* button, relayed to ``orders.sync``.

First the relay inline against the Odoo sandbox (what it claims, sends and fails, and its RPCs), then the
whole path on a real worker and beat: a user presses the button in Odoo → beat's relay tick → the sync on
the worker → the row is done (or failed with the reason) and the Odoo order shows Magento's news.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from config.settings import BearerAuth, InstanceConfig, Settings
from connector_worker.runtime import Runtime
from tasks.outbox import relay_pull_rows, sync_request
from tests.e2e.shop_actions import place
from tests.e2e.stack import ShopSpec, Stack, start_stack
from tests.support.celery_worker import TEST_TUNING, wait_until
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.tasks.conftest import INSTANCE

# --- the relay inline ----------------------------------------------------------------------------------------


def _instance(odoo: OdooSandboxHandle, name: str = INSTANCE) -> int:
    found = odoo.read("magento.instance", [("name", "=", name)], ["id"])
    if found:
        return int(found[0]["id"])
    instance: int = odoo.call("magento.instance", "create", {"name": name, "base_url": f"https://{name}"})
    return instance


def _order(odoo: OdooSandboxHandle, instance: int | None, magento_id: str | None) -> tuple[int, str]:
    partner = odoo.call("res.partner", "create", {"name": "Button presser"})
    product = odoo.call("product.product", "create", {"name": "Relay tee", "list_price": 10.0})
    vals: dict[str, Any] = {"partner_id": partner, "order_line": [(0, 0, {"product_id": product})]}
    if instance:
        vals.update(magento_instance_id=instance, magento_order_id=magento_id or False)
    order_id = odoo.call("sale.order", "create", vals)
    return order_id, odoo.read("sale.order", [("id", "=", order_id)], ["name"])[0]["name"]


def _rows(odoo: OdooSandboxHandle, ids: list[int]) -> dict[int, tuple[str, Any]]:
    rows = odoo.read("magento.outbox", [("id", "in", ids)], ["state", "last_error"])
    return {row["id"]: (row["state"], row["last_error"]) for row in rows}


def _pressed(odoo: OdooSandboxHandle, order_id: int) -> int:
    """Press *Pull from Magento* on an order; the outbox row it wrote."""
    assert odoo.call("sale.order", "action_magento_pull", [order_id]) is True
    rows = odoo.read("magento.outbox", [("sale_order_id", "=", order_id)], ["id"])
    return int(rows[-1]["id"])


def test_each_pull_row_becomes_one_sync_request_in_one_claim_and_one_read(
    runtime: Runtime, odoo: OdooSandboxHandle
) -> None:
    # given three orders linked to Magento whose Pull button was pressed, and one Create in Magento row
    instance = _instance(odoo)
    orders = [_order(odoo, instance, str(entity_id))[0] for entity_id in (101, 102, 103)]
    rows = [_pressed(odoo, order_id) for order_id in orders]
    unlinked, _ = _order(odoo, instance, None)
    odoo.call("sale.order", "action_magento_create", [unlinked])
    gateway = runtime.odoo()
    sent: list[dict[str, Any]] = []
    before = gateway.calls
    # when the relay runs
    outcome = relay_pull_rows(runtime, sent.append)
    # then each pull row is one orders.sync request, in claim order, from two RPCs (claim, read)
    assert sent == [
        {"instance": INSTANCE, "entity_id": entity_id, "source": "outbox", "outbox_id": row}
        for entity_id, row in zip((101, 102, 103), rows, strict=True)
    ]
    assert (outcome.claimed, outcome.sent, outcome.failed) == (3, rows, {})
    assert gateway.calls - before == 2
    # and the rows wait queued for their sync; the push row is left for the push consumer
    assert {state for state, _ in _rows(odoo, rows).values()} == {"queued"}
    create_rows = odoo.read("magento.outbox", [("event", "=", "create")], ["state"])
    assert [row["state"] for row in create_rows] == ["pending"]


def test_rows_of_instances_this_worker_does_not_serve_are_left_to_their_own_worker(
    runtime: Runtime, odoo: OdooSandboxHandle
) -> None:
    # given an Odoo shared with another connector deployment: its instance "elsewhere" has a pressed Pull
    # button and a row naming no order, and our instance has one pressed Pull button
    elsewhere = _instance(odoo, "elsewhere")
    stranger, _ = _order(odoo, elsewhere, "7")
    theirs = [
        _pressed(odoo, stranger),
        odoo.call("magento.outbox", "create", {"instance_id": elsewhere, "event": "pull"}),
    ]
    mine = _pressed(odoo, _order(odoo, _instance(odoo), "9")[0])
    sent: list[dict[str, Any]] = []
    # when our relay runs
    outcome = relay_pull_rows(runtime, sent.append)
    # then it claims and relays our row only; the other deployment's rows stay pending, never attempted
    assert (outcome.claimed, outcome.sent, outcome.failed) == (1, [mine], {})
    assert [request["outbox_id"] for request in sent] == [mine]
    rows = odoo.read("magento.outbox", [("id", "in", theirs)], ["state", "attempts", "last_error"])
    assert [(row["state"], row["attempts"], row["last_error"]) for row in rows] == [("pending", 0, False)] * 2


def test_rows_the_worker_cannot_act_on_fail_at_once_with_the_reason(
    runtime: Runtime, odoo: OdooSandboxHandle
) -> None:
    # given pull rows of our instance for an order since linked to an instance the worker does not know,
    # an order unlinked after the press, an order whose Magento ID is not a number, and a row naming no
    # order at all
    ours, elsewhere = _instance(odoo), _instance(odoo, "elsewhere")
    moved, moved_name = _order(odoo, ours, "7")
    unlinked, unlinked_name = _order(odoo, ours, "8")
    odd, odd_name = _order(odoo, ours, "A-100")
    rows = [_pressed(odoo, order_id) for order_id in (moved, unlinked, odd)]
    sync = {"magento_connector_sync": True}
    odoo.call("sale.order", "write", [moved], {"magento_instance_id": elsewhere}, context=sync)
    odoo.call("sale.order", "write", [unlinked], {"magento_order_id": False}, context=sync)
    orphan = odoo.call("magento.outbox", "create", {"instance_id": ours, "event": "pull"})
    sent: list[dict[str, Any]] = []
    # when the relay runs
    outcome = relay_pull_rows(runtime, sent.append)
    # then nothing is sent and each row is failed with a sentence a user can act on
    reasons = {
        rows[0]: f"Magento instance 'elsewhere' of Sale order {moved_name} is not configured in the "
        f"connector worker (configured: {INSTANCE}).",
        rows[1]: f"Sale order {unlinked_name} is not linked to a Magento order (it has no Magento instance "
        "or Magento ID).",
        rows[2]: f"Sale order {odd_name} has Magento ID 'A-100', which is not a Magento order id (a whole "
        "number).",
        orphan: "The outbox row names no sale order, so there is nothing to pull from Magento.",
    }
    assert sent == [] and outcome.failed == reasons
    assert _rows(odoo, [*rows, orphan]) == {row: ("failed", reason) for row, reason in reasons.items()}


def test_a_tick_claims_again_while_rows_remain_up_to_its_bound(
    runtime: Runtime, odoo: OdooSandboxHandle
) -> None:
    # given seven pressed Pull buttons
    instance = _instance(odoo)
    rows = [_pressed(odoo, _order(odoo, instance, str(200 + n))[0]) for n in range(7)]
    sent: list[dict[str, Any]] = []
    # when a tick may claim twice, three rows a claim
    first = relay_pull_rows(runtime, sent.append, limit=3, max_claims=2)
    # then it relays six and leaves one for the next tick, which takes it with a short claim
    assert (first.claimed, len(sent)) == (6, 6)
    second = relay_pull_rows(runtime, sent.append, limit=3, max_claims=2)
    assert second.claimed == 1 and [request["outbox_id"] for request in sent] == rows
    assert relay_pull_rows(runtime, sent.append).claimed == 0


def test_a_sync_request_reads_the_instance_name_from_the_orders_link() -> None:
    auth = BearerAuth(type="bearer", token=SecretStr("not-a-secret"))
    settings = Settings(instances={"main": InstanceConfig(name="main", base_url="https://m", auth=auth)})
    row = {"id": 9, "sale_order_id": 4, "payload": {"order_name": "S00004"}}
    order = {"id": 4, "name": "S00004", "magento_instance_id": [1, "main"], "magento_order_id": " 42 "}
    assert sync_request(row, order, settings) == (
        {"instance": "main", "entity_id": 42, "source": "outbox", "outbox_id": 9},
        "",
    )
    # an order deleted since the press is named from the row's payload
    gone = sync_request(row, None, settings)
    assert gone == (None, "Sale order S00004 no longer exists, so there is nothing to pull from Magento.")


# --- the whole path on a real worker and beat ----------------------------------------------------------------

SHOP = "main"
RELAY_TIMEOUT_SECONDS = 20.0


@pytest.fixture(scope="module")
def stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # beat relays the outbox twice a second; the periodic pull waits an hour, so only the button pulls
    tuning = dataclasses.replace(TEST_TUNING, outbox_relay_every_seconds=0.5)
    spec = ShopSpec(SHOP, sandbox={"seed": 31, "orders": 0}, options={"pull_interval_seconds": 3600})
    with start_stack(
        redis_url, [spec], tuning=tuning, tmp_dir=Path(tmp_path_factory.mktemp("relay"))
    ) as running:
        yield running


def _row_settled(stack: Stack, row_id: int) -> dict[str, Any]:
    def settled() -> dict[str, Any] | None:
        (row,) = stack.odoo.read("magento.outbox", [("id", "=", row_id)], ["state", "last_error", "attempts"])
        return row if row["state"] in ("done", "failed") else None

    try:
        return wait_until(settled, timeout=RELAY_TIMEOUT_SECONDS, interval=0.1)
    except AssertionError:
        raise AssertionError(f"outbox row {row_id} not settled\n{stack.tail_logs()}") from None


def test_pressing_pull_from_magento_brings_magentos_change_and_marks_the_row_done(stack: Stack) -> None:
    # given an order in Odoo, imported from Magento
    entity_id = place(stack.shops[SHOP], "processing", physical=True)
    stack.task_result(stack.sync(SHOP, entity_id))
    record = stack.wait_for_order(SHOP, entity_id)
    assert record["magento_on_hold"] is False
    # and Magento puts it on hold, which nobody told the connector about
    stack.shops[SHOP].control.hold(entity_id)
    # when a user presses Pull from Magento in Odoo
    row_id = _pressed(stack.odoo, record["id"])
    # then beat's relay hands it to orders.sync, which marks the row done and brings the hold (nothing else
    # could have: no webhooks, and the periodic pull is an hour away)
    row = _row_settled(stack, row_id)
    assert (row["state"], row["last_error"], row["attempts"]) == ("done", False, 1)
    updated = stack.wait_for_order(SHOP, entity_id)
    assert (updated["magento_on_hold"], updated["magento_status"]) == (True, "holded")


def test_a_pull_of_an_order_magento_does_not_have_fails_the_row_with_the_reason(stack: Stack) -> None:
    # given an Odoo order linked to a Magento ID the shop does not have
    instance = stack.instance_id(SHOP) or stack.odoo.call(
        "magento.instance", "create", {"name": SHOP, "base_url": "https://main"}
    )
    order_id, _ = _order(stack.odoo, instance, "987654")
    # when a user presses Pull from Magento
    row_id = _pressed(stack.odoo, order_id)
    # then the sync's permanent failure is written on the row for the user, and the task is dead-lettered
    # (the sync writes the Magento client's error as it stands: Magento's 404 text)
    row = _row_settled(stack, row_id)
    assert (row["state"], row["last_error"]) == (
        "failed",
        "The entity that was requested doesn't exist. Verify the entity and try again.",
    )
    letter = stack.wait_for_dead_letter(lambda found: found.kwargs.get("outbox_id") == row_id)
    assert letter.task == "orders.sync" and letter.kwargs["source"] == "outbox"


def test_pushes_to_magento_are_left_for_their_consumer(stack: Stack) -> None:
    # given an order with a Create in Magento row and another order whose Pull button was pressed
    instance = stack.instance_id(SHOP) or stack.odoo.call(
        "magento.instance", "create", {"name": SHOP, "base_url": "https://main"}
    )
    push_order, _ = _order(stack.odoo, None, None)
    stack.odoo.call("sale.order", "write", [push_order], {"magento_instance_id": instance})
    stack.odoo.call("sale.order", "action_magento_create", [push_order])
    entity_id = place(stack.shops[SHOP], "new")
    stack.task_result(stack.sync(SHOP, entity_id))
    pulled = _pressed(stack.odoo, stack.wait_for_order(SHOP, entity_id)["id"])
    # when the relay has handled the pull row
    assert _row_settled(stack, pulled)["state"] == "done"
    # then the create row is still pending, untouched
    (push,) = stack.odoo.read(
        "magento.outbox", [("sale_order_id", "=", push_order)], ["event", "state", "attempts"]
    )
    assert (push["event"], push["state"], push["attempts"]) == ("create", "pending", 0)
