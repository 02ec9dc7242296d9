"""The demo's story, once the processes run: the shop's side (new orders, invoices, shipments, a cancel) and
the watching side (read both ends until Odoo matches Magento, or time runs out).

The demo only reads Odoo, Magento and Redis here; every sync is done by the worker processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from config.settings import InstanceConfig
from connector_worker.demo.checks import INVOICE_FIELDS, ORDER_FIELDS, DeadLetterView, Verdict, compare
from connector_worker.demo.magento_control import MagentoControl, MagentoControlError
from connector_worker.dlq import DeadLetterStore
from connector_worker.magento.client import MagentoClient
from connector_worker.magento.search import SearchCriteria
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.redis_keys import RedisKeys

POLL_SECONDS = 0.5
# A wait ends early when nothing changed for this long: a sync retries within seconds in the demo (backoff
# capped at 5 s) and beat pulls every 10 s, so half a minute without a change means it is stuck for good.
STALL_SECONDS = 30.0
MAGENTO_PAGE_SIZE = 100
DEAD_LETTERS_READ = 1000
# Orders placed while the demo runs (state, store view): they reach Odoo by webhook.
NEW_ORDERS: tuple[tuple[str, str], ...] = (("processing", "default"), ("new", "eu"), ("complete", "default"))


@dataclass
class Watcher:
    """Reads Magento (REST), Odoo (the gateway) and the dead letters (Redis) and compares them."""

    instance: InstanceConfig
    gw: OdooGateway
    magento: MagentoClient
    redis: redis.Redis
    keys: RedisKeys
    known_skus: set[str]

    def magento_orders(self) -> list[dict[str, Any]]:
        """Every order of the shop, read over REST like the connector reads them."""
        criteria = SearchCriteria().order_by("entity_id").page_size(MAGENTO_PAGE_SIZE)
        return [order for page in self.magento.iter_order_pages(criteria) for order in page.items]

    def odoo_orders(self) -> list[dict[str, Any]]:
        """The instance's orders in Odoo."""
        domain = [("magento_instance_id.name", "=", self.instance.name)]
        return self.gw.search_read("sale.order", domain, list(ORDER_FIELDS), order="id")

    def dead_letters(self) -> list[DeadLetterView]:
        store = DeadLetterStore(self.redis, self.keys)
        return [
            DeadLetterView(letter.entity_id, letter.reason)
            for letter in store.list(count=DEAD_LETTERS_READ, instance=self.instance.name)
        ]

    def look(self, magento_orders: Sequence[Mapping[str, Any]]) -> Verdict:
        """Compare now: Odoo's orders and invoices and the dead letters against ``magento_orders``."""
        rows = self.odoo_orders()
        invoice_ids = sorted({int(i) for row in rows for i in row.get("invoice_ids") or []})
        invoices = (
            {int(inv["id"]): inv for inv in self.gw.read("account.move", invoice_ids, list(INVOICE_FIELDS))}
            if invoice_ids
            else {}
        )
        return compare(
            magento_orders,
            rows,
            invoices,
            self.dead_letters(),
            known_skus=self.known_skus,
            options=self.instance.options,
        )

    def wait_in_line(
        self, magento_orders: Sequence[Mapping[str, Any]], deadline: float, still_running: Callable[[], None]
    ) -> Verdict:
        """Look until everything is in line, ``deadline`` (monotonic) passes or nothing changed for
        :data:`STALL_SECONDS`; the last verdict, with ``gave_up`` saying why when it is not in line.

        ``still_running`` raises when a process of the stack died, so a crash ends the wait at once.
        """
        last_change, previous = time.monotonic(), None
        while True:
            still_running()
            verdict = self.look(magento_orders)
            now = time.monotonic()
            if verdict.problems != previous:
                last_change, previous = now, verdict.problems
            if verdict.ok:
                return verdict
            if now >= deadline:
                verdict.gave_up = "timed out"
                return verdict
            if now - last_change >= STALL_SECONDS:
                verdict.gave_up = f"no progress for {STALL_SECONDS:.0f} s"
                return verdict
            time.sleep(POLL_SECONDS)


def place_new_orders(control: MagentoControl) -> list[int]:
    """The shop takes orders while the connector runs (:data:`NEW_ORDERS`); their webhooks fire."""
    placed: list[int] = []
    for state, store in NEW_ORDERS:
        placed.extend(control.create_orders(1, state=state, store_code=store))
    return placed


def change_orders(control: MagentoControl, orders: Sequence[Mapping[str, Any]], skip: set[str]) -> list[str]:
    """Staff work on synced orders: invoice a pending one, ship a processing one, cancel another pending one.

    Returns one line per change made. ``skip`` holds entity ids to leave alone (the dead-lettered order).
    """
    candidates = [o for o in orders if str(o["entity_id"]) not in skip]
    pending = [o for o in candidates if o.get("state") == "new"]
    processing = [o for o in candidates if o.get("state") == "processing" and not o.get("is_virtual")]
    done: list[str] = []
    used: set[int] = set()
    for verb, action, pool in (
        ("invoiced", "invoice", pending),
        ("shipped", "ship", processing),
        ("cancelled", "cancel", pending),
    ):
        changed = _first_accepted(control, action, [o for o in pool if int(o["entity_id"]) not in used])
        if changed is not None:
            used.add(int(changed["entity_id"]))
            done.append(f"{verb} #{changed['increment_id']} (was {changed['state']})")
    return done


def _first_accepted(
    control: MagentoControl, action: str, pool: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The first order of ``pool`` Magento lets ``action`` happen to (it refuses, e.g., nothing to ship)."""
    for order in pool:
        try:
            control.order_action(int(order["entity_id"]), action)
        except MagentoControlError:
            continue
        return order
    return None
