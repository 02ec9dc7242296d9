"""One sandbox server per version for the whole sandbox test package (each test resets what it needs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.odoo_sandbox import OdooSandboxHandle, running_odoo_sandbox


@pytest.fixture(scope="package")
def odoo17() -> Iterator[OdooSandboxHandle]:
    with running_odoo_sandbox(version=17) as handle:
        yield handle


@pytest.fixture(scope="package")
def odoo18() -> Iterator[OdooSandboxHandle]:
    with running_odoo_sandbox(version=18) as handle:
        yield handle


@pytest.fixture(scope="package")
def odoo19() -> Iterator[OdooSandboxHandle]:
    with running_odoo_sandbox(version=19) as handle:
        yield handle


@pytest.fixture(params=[17, 18, 19], ids=lambda v: f"odoo{v}")
def odoo(request: pytest.FixtureRequest) -> OdooSandboxHandle:
    """Each version's server in turn, with its counters and faults cleared."""
    handle: OdooSandboxHandle = request.getfixturevalue(f"odoo{request.param}")
    handle.clear_faults()
    handle.reset_calls()
    return handle
