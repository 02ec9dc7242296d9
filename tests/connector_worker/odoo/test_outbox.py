"""The module's outbox: rows written by Odoo buttons are claimed once, then marked done or failed."""

from __future__ import annotations

import pytest

from connector_worker.errors import PermanentError
from connector_worker.odoo import OdooGateway
from connector_worker.odoo.outbox import MAX_ERROR_CHARS
from tests.connector_worker.odoo.conftest import Catalog, order_vals, rpc_calls, unique
from tests.support.odoo_sandbox import OdooSandboxHandle


def test_claimed_rows_are_not_claimed_again_and_their_outcome_is_recorded(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, catalog: Catalog
) -> None:
    orders = [gateway.create_order(order_vals(catalog, unique("out")))["id"] for _ in range(2)]
    for order_id in orders:  # a user pressing "Pull from Magento" in Odoo
        sandbox.call("sale.order", "action_magento_pull", [order_id])
    with rpc_calls(gateway, sandbox, 1):
        claimed = [row for row in gateway.claim_outbox(limit=200) if row["sale_order_id"] in orders]
    assert sorted(row["sale_order_id"] for row in claimed) == sorted(orders)
    row = claimed[0]
    assert set(row) == {
        "id",
        "instance_id",
        "instance_name",
        "sale_order_id",
        "event",
        "trigger",
        "payload",
        "attempts",
    }
    assert (row["event"], row["trigger"], row["attempts"]) == ("pull", "button", 1)
    assert not [again for again in gateway.claim_outbox(limit=200) if again["sale_order_id"] in orders]

    done, failed = claimed[0]["id"], claimed[1]["id"]
    with rpc_calls(gateway, sandbox, 1):
        gateway.outbox_done([done])
    with rpc_calls(gateway, sandbox, 1):
        gateway.outbox_failed([failed], "Magento said no: " + "x" * 5000)
    rows = {
        r["id"]: r
        for r in sandbox.read("magento.outbox", [("id", "in", [done, failed])], ["state", "last_error"])
    }
    assert rows[done]["state"] == "done" and rows[done]["last_error"] is False
    assert rows[failed]["state"] == "failed"
    assert (
        rows[failed]["last_error"].startswith("Magento said no: ")
        and len(rows[failed]["last_error"]) == MAX_ERROR_CHARS
    )
    with rpc_calls(gateway, sandbox, 0):
        gateway.outbox_done([])
        gateway.outbox_failed([], "nothing")


def test_a_claim_of_pull_rows_leaves_the_pushes_for_later(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, catalog: Catalog
) -> None:
    # given an order with a pull, a create and an update row
    order = gateway.create_order(order_vals(catalog, unique("evt")))["id"]
    rows = {
        event: sandbox.call(
            "magento.outbox",
            "create",
            {"instance_id": catalog.instance_id, "sale_order_id": order, "event": event},
        )
        for event in ("create", "pull", "update")
    }
    # when the pull relay claims pull rows, in one RPC
    with rpc_calls(gateway, sandbox, 1):
        pulled = [
            row for row in gateway.claim_outbox(limit=200, events=["pull"]) if row["sale_order_id"] == order
        ]
    # then it gets the pull row only; a claim of every event gets the others
    assert [row["id"] for row in pulled] == [rows["pull"]]
    others = [row for row in gateway.claim_outbox(limit=200) if row["sale_order_id"] == order]
    assert sorted(row["id"] for row in others) == sorted([rows["create"], rows["update"]])


def test_an_unknown_event_is_a_permanent_error(gateway: OdooGateway) -> None:
    with pytest.raises(PermanentError) as caught:
        gateway.claim_outbox(limit=1, events=["push"])
    assert "Unknown Magento outbox events: push." in str(caught.value)


def test_a_claim_for_some_instances_leaves_the_other_deployments_rows_pending(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    # given one Odoo shared by two connector deployments, each with its own instance and outbox rows
    ours, theirs = unique("ours"), unique("theirs")
    rows = {
        name: sandbox.call(
            "magento.outbox",
            "create",
            {"instance_id": gateway.ensure_instance(name, "https://m", "default"), "event": "pull"},
        )
        for name in (ours, theirs)
    }
    # when our worker claims for its instances, in one RPC
    with rpc_calls(gateway, sandbox, 1):
        claimed = gateway.claim_outbox(limit=200, events=["pull"], instances=[ours])
    # then it gets its own row only, and the other deployment's row is still pending and untouched
    assert [(row["id"], row["instance_name"]) for row in claimed] == [(rows[ours], ours)]
    (other,) = sandbox.read("magento.outbox", [("id", "=", rows[theirs])], ["state", "attempts"])
    assert (other["state"], other["attempts"]) == ("pending", 0)
    # and a worker with no instances claims nothing
    assert gateway.claim_outbox(limit=200, instances=[]) == []
