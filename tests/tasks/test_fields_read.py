"""What the workflows read off Magento's orders is what they ask Magento for (``mappers/fields.py``).

The pull, the syncs it hands orders to (auto-payment on), syncs by id after the orders change, and the
reconcile's choice run inline against both sandboxes, on orders that note every key read from them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from typing import Any

import pytest

from connector_worker.errors import PermanentError
from connector_worker.magento.client import MagentoClient
from connector_worker.magento.search import SearchCriteria, SearchPage
from connector_worker.runtime import Runtime
from mappers.fields import ORDER_FIELDS
from tasks.pull import PullWindow, pull_orders
from tasks.reconcile import out_of_line_with_odoo
from tasks.sync import sync_order
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.support.recording import Path, record, selected_paths
from tests.tasks.conftest import INSTANCE


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> set[Path]:
    """Every order the Magento client returns records its reads here."""
    seen: set[Path] = set()
    search, get_order = MagentoClient.search, MagentoClient.get_order

    def recording_search(
        self: MagentoClient, path: str, criteria: SearchCriteria, page: int = 1
    ) -> SearchPage:
        result = search(self, path, criteria, page)
        return dataclasses.replace(result, items=record(result.items, seen)) if path == "/orders" else result

    def recording_get_order(self: MagentoClient, entity_id: int, fields: str | None = None) -> dict[str, Any]:
        return record(get_order(self, entity_id, fields), seen)  # type: ignore[no-any-return]

    monkeypatch.setattr(MagentoClient, "search", recording_search)
    monkeypatch.setattr(MagentoClient, "get_order", recording_get_order)
    return seen


def _sync(runtime: Runtime, entity_id: int, order: dict[str, Any] | None = None) -> None:
    with contextlib.suppress(PermanentError):  # the seed's legacy order has an unknown SKU: read all the same
        sync_order(runtime, INSTANCE, entity_id, order=order)


def test_every_field_the_workflows_read_is_asked_of_magento(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle, reads: set[Path]
) -> None:
    window = PullWindow(
        dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    )
    # a pull of every order, each synced with the payload the pull read
    pull_orders(
        runtime, INSTANCE, window, lambda orders: [_sync(runtime, int(o["entity_id"]), o) for o in orders]
    )
    # orders changing after import, each synced by id as a webhook would
    control = shop.control
    states = {entity_id: control.order(entity_id)["state"] for entity_id in control.order_ids()}
    new = [entity_id for entity_id, state in states.items() if state == "new"]
    processing = [entity_id for entity_id, state in states.items() if state == "processing"]
    changed = []
    if new:
        control.hold(new[0])
        changed.append(new[0])
    if len(new) > 1:
        control.cancel(new[1])
        changed.append(new[1])
    if processing:
        control.ship(processing[0])
        changed.append(processing[0])
    for entity_id in changed:
        _sync(runtime, entity_id)
    # and the reconcile's choice of what is out of line
    pull_orders(
        runtime,
        INSTANCE,
        window,
        lambda orders: None,
        select=out_of_line_with_odoo(runtime, INSTANCE),
        run="reconcile",
    )

    missing = sorted(".".join(path) for path in reads - selected_paths(ORDER_FIELDS))
    assert not missing, f"read but not asked of Magento (add them to mappers/fields.py): {missing}"
    # the recording reached the workflows' own reads, not only the mapping's
    assert {("state",), ("status",), ("total_paid",), ("updated_at",), ("increment_id",)} <= reads
    assert changed and odoo.read("sale.order", [("magento_order_id", "=", str(changed[0]))])
