"""The Odoo module's outbox: claim pending rows (locked server-side, ``SKIP LOCKED``) and report outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connector_worker.odoo.rpc import OdooRpc

# Odoo stores last_error as Text; a page of traceback helps nobody reading the outbox list.
MAX_ERROR_CHARS = 2000


class OutboxOps(OdooRpc):
    """``magento.outbox`` methods from the module (ODOO_MODULE.md); one RPC each."""

    def claim_outbox(
        self, limit: int = 50, events: Sequence[str] | None = None, instances: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Take up to ``limit`` rows (pending, or queued and stale) and mark them queued; their dicts.

        ``events`` (e.g. ``["pull"]``) leaves rows of other events to other consumers; ``instances``
        (instance names) leaves the rows of other instances to the deployments that serve them, so
        several connectors can share one Odoo database. None claims every event / every instance; an
        empty list claims nothing.
        Each dict: ``id, instance_id, instance_name, sale_order_id (int or False), event, trigger, payload,
        attempts``. Two workers never get the same row. The module refuses an unknown event name.
        """
        kwargs: dict[str, Any] = {"limit": limit}
        # XML-RPC cannot carry None: "every event" / "every instance" is the argument left out
        if events is not None:
            kwargs["events"] = list(events)
        if instances is not None:
            kwargs["instances"] = list(instances)
        rows: list[dict[str, Any]] = self.call("magento.outbox", "claim", **kwargs)
        return rows

    def outbox_done(self, ids: Sequence[int]) -> None:
        """The rows were handled."""
        if ids:
            self.call("magento.outbox", "mark_done", ids=ids)

    def outbox_failed(self, ids: Sequence[int], error: str) -> None:
        """The rows failed for good (``action_retry`` in Odoo puts them back); ``error`` is shown to users."""
        if ids:
            self.call("magento.outbox", "mark_failed", ids=ids, error=error[:MAX_ERROR_CHARS])
