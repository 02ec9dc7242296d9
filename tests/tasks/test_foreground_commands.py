"""``connector pull`` and ``connector reconcile``: the workflows in the foreground, as an operator runs them
(the instances file, Redis and Odoo from the environment), against both sandboxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from config.render import instances_toml, odoo_environment
from config.settings import InstanceOptions
from connector_worker.cli.main import cli
from connector_worker.cli.sync_cmd import IsoMoment
from connector_worker.dlq import DeadLetterStore
from connector_worker.runtime import Runtime
from tasks.resolve import Resolver
from tests.e2e.setup_files import odoo_settings
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.tasks.conftest import INSTANCE
from tests.tasks.test_reconcile import import_all
from tests.tasks.test_sync_workflow import LEGACY_SKU


def _operator_env(runtime: Runtime, odoo: OdooSandboxHandle, tmp_path: Path) -> dict[str, str]:
    """The operator's files: the instance (no pull overlap, so a reconcile's window ends now and takes in the
    orders seeded a moment ago), Redis and Odoo."""
    config = tmp_path / "instances.toml"
    instance = runtime.instance(INSTANCE)
    options = InstanceOptions.model_validate(
        {**instance.options.model_dump(exclude_unset=True), "pull_overlap_seconds": 0}
    )
    config.write_text(instances_toml([instance.model_copy(update={"options": options})]))
    return {
        "CONNECTOR_CONFIG": str(config),
        "REDIS_URL": runtime.settings.redis_url,
        "CONNECTOR_KEY_PREFIX": runtime.settings.key_prefix,
        **odoo_environment(odoo_settings(odoo)),
    }


def test_connector_pull_syncs_the_history_inline_and_names_the_order_it_could_not(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle, tmp_path: Path
) -> None:
    env = _operator_env(runtime, odoo, tmp_path)
    # when the operator pulls the shop's whole history into an Odoo that has only the catalogue
    result = CliRunner().invoke(cli, ["pull", "--instance", INSTANCE, "--since", "1970-01-01"], env=env)
    # then every order is created but the one with an unknown SKU, which is named and dead-lettered
    total = len(shop.control.order_ids())
    assert result.exit_code == 1, result.output
    assert f"{total} orders read in 1 pages: {total - 1} created, 0 updated, 0 unchanged, 1 failed" in (
        result.output
    )
    assert LEGACY_SKU in result.output
    # and the progress bar counted the failure as one (it used to say "synced or queued" for every order)
    assert f"{total}/{total} orders read, {total - 1} synced, 1 failed, 0 unchanged" in result.output
    # and a second pull finds every order unchanged (the failed one is tried again, and fails again)
    again = CliRunner().invoke(cli, ["pull", "--instance", INSTANCE, "--since", "1970-01-01"], env=env)
    assert f"0 created, 0 updated, {total - 1} unchanged, 1 failed" in again.output


def test_connector_reconcile_syncs_inline_what_odoo_lacks_and_reports_it(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle, tmp_path: Path
) -> None:
    legacy = import_all(runtime, shop)
    instance_id = Resolver(runtime, runtime.instance(INSTANCE)).instance_id()
    imported = [e for e in shop.control.order_ids() if e != legacy]
    held = runtime.odoo().find_orders(instance_id, imported, ("state", "magento_status"))
    # given an order deleted in Odoo, and one whose Magento status Odoo holds wrong (a sync that never ran)
    pending = [
        e for e in imported if (held[str(e)]["state"], held[str(e)]["magento_status"]) == ("draft", "pending")
    ]
    deleted, stale = pending[:2]
    odoo.call("sale.order", "unlink", [held[str(deleted)]["id"]])
    odoo.call("sale.order", "write", [held[str(stale)]["id"]], {"magento_status": "holded"})
    env = _operator_env(runtime, odoo, tmp_path)
    odoo.reset_calls()
    # when `connector reconcile --since` looks at the whole history
    result = CliRunner().invoke(cli, ["reconcile", "--instance", INSTANCE, "--since", "1970-01-01"], env=env)
    # then it syncs the deleted order back and the other in line, and counts the rest as in line (the dead
    # letter left alone)
    assert result.exit_code == 0, result.output
    total = len(shop.control.order_ids())
    assert (
        f"{total} orders read in 1 pages: 1 created, 1 updated, {total - 2} in line with Odoo, 0 failed"
        in (result.output)
    )
    back = runtime.odoo().find_orders(instance_id, [deleted, stale], ("magento_status",))
    assert (back[str(deleted)]["magento_status"], back[str(stale)]["magento_status"]) == (
        "pending",
        "pending",
    )
    # the order Odoo held was looked up, not sent as a create Odoo refuses: one create in all
    assert odoo.calls(model="sale.order", method="web_save") == 1


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("2026-05-01", "2026-05-01T00:00:00+00:00"),
        ("2026-05-01T10:00:00", "2026-05-01T10:00:00+00:00"),
        ("2026-05-01 10:00:00", "2026-05-01T10:00:00+00:00"),
        ("2026-05-01T10:00:00Z", "2026-05-01T10:00:00+00:00"),
        ("2026-05-01T12:00:00+02:00", "2026-05-01T10:00:00+00:00"),
    ],
)
def test_since_reads_iso_times_as_pull_history_from_does(given: str, meant: str) -> None:
    assert IsoMoment().convert(given, None, None).isoformat() == meant


def test_since_names_a_value_it_cannot_read() -> None:
    result = CliRunner().invoke(cli, ["pull", "--instance", INSTANCE, "--since", "yesterday"])
    assert result.exit_code == 2
    assert "'yesterday' is not an ISO date or date-time" in result.output


def test_connector_sync_of_an_id_magento_lacks_says_so_and_leaves_no_dead_letter(
    runtime: Runtime, odoo: OdooSandboxHandle, tmp_path: Path
) -> None:
    env = _operator_env(runtime, odoo, tmp_path)
    result = CliRunner().invoke(cli, ["sync", "--instance", INSTANCE, "999999"], env=env)
    assert result.exit_code == 1, result.output
    assert "order 999999: Magento answered 404 (" in result.output
    assert "no order with this entity_id, or the instance's base_url or store_code is wrong" in result.output
    assert DeadLetterStore(runtime.redis, runtime.keys).count() == 0
