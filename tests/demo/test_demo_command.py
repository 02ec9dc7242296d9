"""``connector demo`` as a user runs it: a subprocess that starts real processes, syncs, prints, cleans up.

Each test runs the command in a session of its own and checks, after it exited, that no process of that
session is left and that every port it announced is closed again.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from tests.demo.demo_process import (
    DemoRun,
    demo_environment,
    finish,
    kept_run_dirs,
    port_open,
    read,
    remove_kept,
    run_demo,
    session_processes,
    start_demo,
)
from tests.support.odoo_sandbox import OdooSandboxHandle, running_odoo_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

SEEDED, PLACED = 24, 3
IN_ODOO = SEEDED + PLACED - 1  # the seed's legacy-SKU order is a dead letter
LEGACY_SKU = "LEGACY-TEE-001"


def assert_nothing_left(run: DemoRun, *, users_redis: bool = False) -> None:
    """No process of the run's session, and every port of a process it started closed."""
    assert session_processes(run.session) == []
    ports = run.ports()
    assert {"redis", "magento", "webhook"} <= set(ports)
    if users_redis:  # the user's Redis (REDIS_URL) is not the demo's to stop
        assert "  redis    REDIS_URL on" in run.stdout
        del ports["redis"]
    assert [name for name, port in ports.items() if port_open(port)] == []


def assert_everything_synced(run: DemoRun) -> dict[str, Any]:
    assert run.returncode == 0, run.stdout + run.stderr
    summary = run.summary
    assert summary["ok"] and summary["problems"] == []
    assert (summary["magento_orders"], summary["placed_during_demo"]) == (SEEDED + PLACED, PLACED)
    assert summary["expected_in_odoo"] == summary["in_sync"] == summary["totals_match"] == IN_ODOO
    assert summary["created_by"] == {"pull": SEEDED - 1, "webhook": PLACED}
    assert summary["updated_by"].get("webhook", 0) >= 3  # an invoice, a shipment and a cancel
    assert summary["payments_registered"] == summary["payments_expected"] > 0
    assert summary["webhooks_accepted"] == summary["webhooks_sent"] > 0
    [letter] = summary["dead_letters"]
    assert letter["entity_id"] == "3" and LEGACY_SKU in letter["reason"]
    assert (
        f"totals checked:        {IN_ODOO}/{IN_ODOO} Odoo amount_total == Magento grand_total" in run.stdout
    )
    assert "Everything is in sync" in run.stdout
    assert "Magento Status" in run.stdout  # the orders table
    return summary


def test_the_demo_syncs_the_shop_with_real_processes_and_leaves_nothing_running(tmp_path: Path) -> None:
    # given no Redis configured: the demo starts its own, and the Odoo sandbox
    # when the demo runs
    run = run_demo([], tmp_path=tmp_path)

    # then every order is in Odoo as Magento has it, the unknown SKU is the only dead letter
    assert_everything_synced(run)
    for line in ("  redis    embedded Valkey", "  odoo     Odoo 19 sandbox", "  worker   Celery worker"):
        assert line in run.stdout
    # and nothing is left: no process, no open port, no log directory
    assert_nothing_left(run)
    assert kept_run_dirs(tmp_path) == []


@pytest.fixture(scope="module")
def odoo() -> Iterator[OdooSandboxHandle]:
    """A separately started Odoo 18 (XML-RPC, password), reached only through the command's flags."""
    with running_odoo_sandbox(version=18) as handle:
        yield handle


def real_odoo_args(
    odoo: OdooSandboxHandle, *, password: str | None = None, api_key: bool = False
) -> list[str]:
    secret = ["--odoo-api-key", odoo.api_key] if api_key else ["--odoo-password", password or odoo.password]
    return ["--odoo-url", odoo.url, "--odoo-db", odoo.db, "--odoo-login", odoo.login, *secret]


def test_against_a_real_odoo_the_demo_prepares_what_is_missing_and_syncs(
    odoo: OdooSandboxHandle, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    # given an Odoo with the module, no instance, and half of the shop's catalogue created by hand, so with
    # the company's default 15 % sale tax; and a Redis of the user's
    odoo.reset()
    catalogue = MagentoSandbox(SandboxConfig(seed=3, orders=8)).control.mirror_catalog()
    half = catalogue[: len(catalogue) // 2]
    odoo.call(
        "product.product",
        "create",
        [
            {"name": p.name, "default_code": p.sku, "list_price": float(p.price), "type": "consu"}
            for p in half
        ],
    )
    assert all(
        product["taxes_id"] for product in odoo.read("product.product", [("default_code", "!=", False)])
    )
    # ... and a "Pull from Magento" waiting in the outbox for one of the user's own instances
    shop = odoo.call(
        "magento.instance", "create", [{"name": "shop", "base_url": "https://shop.example.com"}]
    )[0]
    partner = odoo.call("res.partner", "create", [{"name": "A customer"}])[0]
    linked = {"partner_id": partner, "magento_instance_id": shop, "magento_order_id": "77"}
    order = odoo.call("sale.order", "create", [linked])[0]
    odoo.call("sale.order", "action_magento_pull", [order])

    # when the demo runs twice against it, with the password, then with the API key
    first = run_demo(real_odoo_args(odoo), tmp_path=tmp_path / "1", redis_url=redis_url)
    second = run_demo(real_odoo_args(odoo, api_key=True), tmp_path=tmp_path / "2", redis_url=redis_url)

    # then the first run created the instance and the missing products, found the bank journal, and synced
    # every order to Magento's total although half the products carry a default tax
    summary = assert_everything_synced(first)
    assert "Odoo 18 at" in first.stdout and "(xmlrpc)" in first.stdout
    assert f"products by SKU: {len(catalogue) - len(half)} created, {len(half)} already there" in first.stdout
    assert "bank journal for payments: found Bank (BNK1)" in first.stdout
    # and the second created no product again, under an instance of its own
    again = assert_everything_synced(second)
    assert f"products by SKU: 0 created, {len(catalogue)} already there" in second.stdout
    assert summary["instance"] != again["instance"]
    for name in (summary["instance"], again["instance"]):
        assert len(odoo.read("sale.order", [("magento_instance_id.name", "=", name)])) == IN_ODOO
    # and neither left a key in the user's Redis, nor a process, nor an open port
    assert list(redis_client.scan_iter(match="demo:*")) == []
    for run in (first, second):
        assert "Using the Redis of REDIS_URL" in run.stdout
        assert_nothing_left(run, users_redis=True)
        assert "odoo" not in run.ports()  # the user's Odoo is not the demo's to start or stop
    assert port_open(odoo.port)
    # and the user's outbox row was left alone (the demo's worker knows nothing of that instance)
    [row] = odoo.read("magento.outbox", [("instance_id", "=", shop)])
    assert (row["state"], row["attempts"]) == ("pending", 0)


def test_a_wrong_odoo_password_stops_the_demo_before_it_starts_anything(
    odoo: OdooSandboxHandle, tmp_path: Path
) -> None:
    run = run_demo(real_odoo_args(odoo, password="wrong-password"), tmp_path=tmp_path)

    assert run.returncode == 1
    assert f"demo failed: Odoo at {odoo.url}:" in run.stderr
    assert "Starting the demo stack" not in run.stdout
    assert session_processes(run.session) == []


def test_a_sync_that_does_not_finish_in_time_fails_with_what_is_missing_and_keeps_the_logs(
    tmp_path: Path,
) -> None:
    # given no time at all to sync
    run = run_demo(["--timeout", "0"], tmp_path=tmp_path)

    # then the demo says which orders are not in Odoo, keeps the logs, stops everything and exits 1
    assert run.returncode == 1
    assert "the history is not in line with Magento: no live changes" in run.stdout
    assert "NOT in sync after" in run.stdout and "(timed out):" in run.stdout
    assert "no Odoo orders instead of one" in run.stdout
    summary = run.summary
    assert (summary["ok"], summary["gave_up"], summary["placed_during_demo"]) == (False, "timed out", 0)
    [kept] = kept_run_dirs(tmp_path)
    assert f"Process logs kept in {kept}" in run.stdout
    assert {"worker.log", "beat.log", "webhook.log", "magento.log", "odoo.log", "redis.log"} <= {
        path.name for path in kept.iterdir()
    }
    assert_nothing_left(run)
    remove_kept(tmp_path)


def test_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    # given a demo whose processes are all up
    proc, out, _ = start_demo([], demo_environment(tmp_path, None), tmp_path)
    deadline = time.monotonic() + 90
    while "Pulling the shop's" not in read(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Pulling the shop's" in read(out), read(out)

    # when the user presses Ctrl-C
    proc.send_signal(signal.SIGINT)
    run = finish(proc, tmp_path)

    # then every process is stopped and the demo says so
    assert run.returncode == 130
    assert "interrupted: every process was stopped" in run.stderr
    assert "Stopping every process" in run.stdout
    assert_nothing_left(run)
    remove_kept(tmp_path)
