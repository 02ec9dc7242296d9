"""``outbox.relay``: turn the rows Odoo's *Pull from Magento* button writes into ``orders.sync`` runs.

Beat ticks the relay on the control queue (``config/beat.py``). Each tick claims ``pull`` rows from the
module's outbox (the module locks them with ``FOR UPDATE SKIP LOCKED`` and marks them queued), reads the
Magento link of their sale orders in one call, and sends one ``orders.sync`` per row on the webhook queue,
where a person pressing a button is not kept behind a bulk pull. The sync marks the row done, or failed
with the reason when the failure is permanent. Only the rows of the instances in this worker's instances
file are claimed: several connector deployments (or a demo) may share one Odoo database, and each leaves
the others' rows pending for them. A row the worker cannot act on (its order has no Magento ID, or the
order is linked to an instance this worker does not serve) is marked failed at once with a sentence
saying why; *Retry* in Odoo puts it back once fixed. ``create``/``update`` rows (pushes to Magento) are
not claimed here: they wait for the push consumer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from config.settings import Settings
from connector_worker import task_names
from connector_worker.log import get_logger
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.redis_keys import QUEUE_WEBHOOK
from connector_worker.runtime import Runtime, get_runtime
from tasks.base import connector_task

log = get_logger(__name__)

PULL_EVENT = "pull"
# Rows per claim, and claims per tick: a tick relays at most 250 rows, so it stays a short control task
# and a burst of button presses drains over a few ticks (beat runs one every 10 s by default).
CLAIM_LIMIT = 50
MAX_CLAIMS_PER_TICK = 5
LINK_FIELDS = ("id", "name", "magento_instance_id", "magento_order_id")

SyncSender = Callable[[dict[str, Any]], None]


@dataclass
class RelayOutcome:
    """What one tick did: outbox ids sent to ``orders.sync`` and ids failed with their reason."""

    claimed: int = 0
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"claimed": self.claimed, "sent": self.sent, "failed": self.failed}


def relay_pull_rows(
    runtime: Runtime, send: SyncSender, *, limit: int = CLAIM_LIMIT, max_claims: int = MAX_CLAIMS_PER_TICK
) -> RelayOutcome:
    """Claim and relay the pull rows of this worker's instances, until none are left or ``max_claims``."""
    outcome = RelayOutcome()
    instances = sorted(runtime.settings.instances)
    if not instances:
        return outcome
    gateway = runtime.odoo()
    for _ in range(max_claims):
        rows = gateway.claim_outbox(limit=limit, events=[PULL_EVENT], instances=instances)
        outcome.claimed += len(rows)
        _relay(gateway, runtime.settings, rows, send, outcome)
        if len(rows) < limit:
            break
    if outcome.claimed:
        log.info(
            "outbox_relayed", claimed=outcome.claimed, sent=len(outcome.sent), failed=len(outcome.failed)
        )
    return outcome


def _relay(
    gateway: OdooGateway,
    settings: Settings,
    rows: Sequence[Mapping[str, Any]],
    send: SyncSender,
    outcome: RelayOutcome,
) -> None:
    order_ids = sorted({int(row["sale_order_id"]) for row in rows if row.get("sale_order_id")})
    orders = {int(order["id"]): order for order in gateway.read_orders(order_ids, LINK_FIELDS)}
    failed: dict[int, str] = {}
    for row in rows:
        order = orders.get(int(row["sale_order_id"])) if row.get("sale_order_id") else None
        request, reason = sync_request(row, order, settings)
        if request is None:
            failed[int(row["id"])] = reason
            continue
        send(request)
        outcome.sent.append(int(row["id"]))
    by_reason: dict[str, list[int]] = defaultdict(list)
    for row_id, reason in failed.items():
        by_reason[reason].append(row_id)
    for reason, row_ids in by_reason.items():
        gateway.outbox_failed(row_ids, reason)
        log.warning("outbox_row_failed", outbox_ids=row_ids, reason=reason)
    outcome.failed.update(failed)


def sync_request(
    row: Mapping[str, Any], order: Mapping[str, Any] | None, settings: Settings
) -> tuple[dict[str, Any] | None, str]:
    """The ``orders.sync`` kwargs for one pull row, or None and the reason the row cannot be relayed."""
    if not row.get("sale_order_id"):
        return None, "The outbox row names no sale order, so there is nothing to pull from Magento."
    label = _order_label(row, order)
    if order is None:
        return None, f"{label} no longer exists, so there is nothing to pull from Magento."
    instance = order.get("magento_instance_id")
    magento_id = str(order.get("magento_order_id") or "").strip()
    if not instance or not magento_id:
        return None, f"{label} is not linked to a Magento order (it has no Magento instance or Magento ID)."
    name = instance[1] if isinstance(instance, list | tuple) else str(instance)
    if name not in settings.instances:
        known = ", ".join(sorted(settings.instances)) or "none"
        return None, (
            f"Magento instance {name!r} of {label} is not configured in the connector worker "
            f"(configured: {known})."
        )
    if not magento_id.isdigit():
        return (
            None,
            f"{label} has Magento ID {magento_id!r}, which is not a Magento order id (a whole number).",
        )
    request = {
        "instance": name,
        "entity_id": int(magento_id),
        "source": "outbox",
        "outbox_id": int(row["id"]),
    }
    return request, ""


def _order_label(row: Mapping[str, Any], order: Mapping[str, Any] | None) -> str:
    """ "Sale order S00042": the name Odoo shows, from the order or the row's payload, else the id."""
    payload = row.get("payload")
    name = (order or {}).get("name") or (payload.get("order_name") if isinstance(payload, dict) else None)
    return f"Sale order {name or row['sale_order_id']}"


def send_sync(request: dict[str, Any]) -> None:
    """Queue ``orders.sync`` on the webhook queue: someone pressed a button and is waiting."""
    from connector_worker.app import app  # noqa: PLC0415 - the Celery app only where tasks are sent

    app.send_task(task_names.SYNC, kwargs=request, queue=QUEUE_WEBHOOK)


@connector_task(task_names.OUTBOX_RELAY)
def relay_outbox_task() -> dict[str, Any]:
    """Relay the outbox's pull rows to ``orders.sync``.

    Safe twice, and safe concurrently: a claim marks its rows queued under ``FOR UPDATE SKIP LOCKED``, so
    a second relay (an overlapping tick, a retry) gets other rows or none. A relay that dies between claim
    and send leaves its rows queued; the module hands them out again 15 minutes later, and a sync sent
    twice for the same row is harmless (``orders.sync`` is idempotent, and marking a row done twice
    changes nothing).
    """
    return relay_pull_rows(get_runtime(), send_sync).as_dict()
