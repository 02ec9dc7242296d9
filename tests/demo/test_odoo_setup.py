"""Preparing an Odoo for the demo: only what is missing is created, products untaxed, a bank journal found or made."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict

import pytest

from config.settings import InstanceConfig, OdooSettings
from connector_worker.demo.odoo_setup import DEMO_JOURNAL, ensure_bank_journal, prepare_odoo
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from tests.support.odoo_sandbox import OdooSandboxHandle, running_odoo_sandbox

INSTANCE = InstanceConfig.model_validate(
    {"name": "demo-x", "base_url": "http://127.0.0.1:9", "auth": {"type": "bearer", "token": "not-a-secret"}}
)


@pytest.fixture(scope="module")
def odoo() -> Iterator[OdooSandboxHandle]:
    with running_odoo_sandbox(version=18) as handle:
        yield handle


@pytest.fixture
def gw(odoo: OdooSandboxHandle) -> Iterator[OdooGateway]:
    odoo.reset()
    settings = OdooSettings(url=odoo.url, db=odoo.db, login=odoo.login, password=odoo.password)
    with OdooGateway.connect(settings) as gateway:
        yield gateway


def catalog() -> list[dict[str, object]]:
    sandbox = MagentoSandbox(SandboxConfig(seed=3, orders=8))
    return [asdict(product) for product in sandbox.control.mirror_catalog()]


def test_a_fresh_odoo_gets_the_instance_and_untaxed_products_and_keeps_its_bank_journal(
    gw: OdooGateway, odoo: OdooSandboxHandle
) -> None:
    products = catalog()

    done = prepare_odoo(gw, INSTANCE, products)

    assert (done.instance_created, done.products_created, done.journal_created) == (
        True,
        len(products),
        False,
    )
    assert done.journal.code == "BNK1"
    [instance] = odoo.read("magento.instance", [("name", "=", "demo-x")])
    assert instance["id"] == done.instance_id
    created = odoo.read("product.product", [("default_code", "in", [p["sku"] for p in products])])
    assert len(created) == len(products)
    assert all(product["taxes_id"] == [] for product in created)  # never Odoo's default sale tax
    assert done.lines()[0] == f"Magento instance record: created (id {done.instance_id})"


def test_a_second_preparation_creates_nothing(gw: OdooGateway, odoo: OdooSandboxHandle) -> None:
    products = catalog()
    first = prepare_odoo(gw, INSTANCE, products)
    odoo.reset_calls()

    again = prepare_odoo(gw, INSTANCE, products)

    assert (again.instance_created, again.products_created, again.journal_created) == (False, 0, False)
    assert again.instance_id == first.instance_id
    assert odoo.calls(method="create") == 0
    assert f"0 created, {len(products)} already there" in again.lines()[1]


def test_a_bank_journal_is_created_only_when_odoo_has_none(gw: OdooGateway, odoo: OdooSandboxHandle) -> None:
    [bank] = odoo.read("account.journal", [("type", "=", "bank")])
    odoo.call("account.journal", "write", [bank["id"]], {"type": "general"})

    journal, created = ensure_bank_journal(gw)
    again, created_again = ensure_bank_journal(gw)

    assert created and not created_again
    assert (journal.code, journal.name) == (DEMO_JOURNAL["code"], DEMO_JOURNAL["name"])
    assert again.id == journal.id
    assert len(odoo.read("account.journal", [("type", "=", "bank")])) == 1
