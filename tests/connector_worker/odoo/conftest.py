"""Odoo sandboxes for the gateway tests: one per version for the whole session, and a gateway per test over
every (version, protocol) pair the gateway supports.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from config.settings import OdooSettings
from connector_worker.odoo import OdooGateway
from tests.support.odoo_sandbox import OdooSandboxHandle, running_odoo_sandbox

# Every protocol on every version that offers it: XML-RPC and JSON-RPC on 17-19, JSON-2 on 19.
TARGETS = [
    (17, "xmlrpc"),
    (17, "jsonrpc"),
    (18, "xmlrpc"),
    (18, "jsonrpc"),
    (19, "xmlrpc"),
    (19, "jsonrpc"),
    (19, "json2"),
]


class Sandboxes:
    """Starts each version's sandbox on first use and keeps it for the session."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._running: dict[int, OdooSandboxHandle] = {}

    def __getitem__(self, version: int) -> OdooSandboxHandle:
        if version not in self._running:
            self._running[version] = self._stack.enter_context(running_odoo_sandbox(version=version))
        return self._running[version]


@pytest.fixture(scope="session")
def sandboxes() -> Iterator[Sandboxes]:
    with ExitStack() as stack:
        yield Sandboxes(stack)


def settings_for(
    sandbox: OdooSandboxHandle, protocol: str, *, timeout: float = 10.0, **overrides: Any
) -> OdooSettings:
    """Settings as an operator would write them: JSON-2 with the API key, the others with the password."""
    values: dict[str, Any] = {
        "url": sandbox.url,
        "db": sandbox.db,
        "login": sandbox.login,
        "protocol": protocol,
        "timeout_seconds": timeout,
    }
    if protocol == "json2":
        values["api_key"] = SecretStr(sandbox.api_key)
    else:
        values["password"] = SecretStr(sandbox.password)
    values.update(overrides)
    return OdooSettings(**values)


@dataclass
class Target:
    """One (version, protocol) pair and its sandbox."""

    version: int
    protocol: str
    sandbox: OdooSandboxHandle


@pytest.fixture(params=TARGETS, ids=[f"odoo{v}-{p}" for v, p in TARGETS])
def target(request: pytest.FixtureRequest, sandboxes: Sandboxes) -> Iterator[Target]:
    version, protocol = request.param
    sandbox = sandboxes[version]
    yield Target(version, protocol, sandbox)
    sandbox.clear_faults()


@pytest.fixture
def sandbox(target: Target) -> OdooSandboxHandle:
    return target.sandbox


@pytest.fixture
def gateway(target: Target) -> Iterator[OdooGateway]:
    gw = OdooGateway.connect(settings_for(target.sandbox, target.protocol))
    try:
        yield gw
    finally:
        gw.close()


@contextmanager
def rpc_calls(gw: OdooGateway, sandbox: OdooSandboxHandle, expected: int) -> Iterator[None]:
    """Assert the block made exactly ``expected`` RPCs, counted by the gateway and by the sandbox."""
    gw_before, sandbox_before = gw.calls, sandbox.calls()
    yield
    assert (gw.calls - gw_before, sandbox.calls() - sandbox_before) == (expected, expected)


def unique(prefix: str) -> str:
    """A value no other test uses (the sandboxes live for the whole session)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Catalog:
    """What an order needs: a customer, two goods, a shipping service, a tax, an instance."""

    partner_id: int
    tee_id: int
    mug_id: int
    shipping_id: int
    tax_id: int
    instance_id: int


@pytest.fixture
def catalog(gateway: OdooGateway) -> Catalog:
    """Made through the gateway itself (one multi-create for the products)."""
    partner = gateway.create_partner({"name": "Jane Doe", "email": f"{unique('jane')}@example.com"})
    tee, mug, shipping = gateway.create(
        "product.product",
        [
            {"name": "Tee", "default_code": unique("TEE"), "list_price": 52.0, "type": "consu"},
            {"name": "Mug", "default_code": unique("MUG"), "list_price": 9.9, "type": "consu"},
            {"name": "Shipping", "default_code": unique("SHIP"), "type": "service", "taxes_id": [[6, 0, []]]},
        ],
    )
    return Catalog(
        partner_id=partner.partner_id,
        tee_id=tee,
        mug_id=mug,
        shipping_id=shipping,
        tax_id=gateway.ensure_tax(Decimal("8.25"), False),
        instance_id=gateway.ensure_instance(unique("shop"), "https://shop.example.com", "default"),
    )


def order_vals(catalog: Catalog, magento_id: str, **extra: Any) -> dict[str, Any]:
    """2 × 52.00 at 8.25 % excluded plus 5.00 untaxed shipping: 109.00 + 8.58 = 117.58 (odoo.md §7.13)."""
    return {
        "partner_id": catalog.partner_id,
        "magento_instance_id": catalog.instance_id,
        "magento_order_id": magento_id,
        "magento_increment_id": f"0000{magento_id}",
        "order_line": [
            (
                0,
                0,
                {
                    "product_id": catalog.tee_id,
                    "product_uom_qty": 2,
                    "price_unit": Decimal("52.00"),
                    "tax_ids": [(6, 0, [catalog.tax_id])],
                },
            ),
            (
                0,
                0,
                {
                    "product_id": catalog.shipping_id,
                    "product_uom_qty": 1,
                    "price_unit": Decimal("5.00"),
                    "tax_ids": [(6, 0, [])],
                },
            ),
        ],
        **extra,
    }
