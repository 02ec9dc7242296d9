"""The measured runs: what each imports, how it is triggered, and the figures it yields.

Every scenario uses its own Magento instance name on the one Magento sandbox, so Odoo holds its orders
apart (orders are keyed by instance and Magento id) and each run starts with no Odoo order of its own.
A *warm* scenario first resolves its orders' customers and products into Odoo and the Redis caches,
untimed and without latency, which is the state of a shop after its first import.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import redis

from bench.probes import CpuSample, MagentoControl, OdooControl, peak_rss_mb, reset_peak_rss
from config.settings import Settings
from connector_worker.delayed import DelayedQueue
from connector_worker.dlq import DeadLetterStore
from connector_worker.magento.client import MagentoClient
from connector_worker.magento.search import SearchCriteria
from connector_worker.redis_keys import RedisKeys
from connector_worker.runtime import Runtime
from tasks.resolve import Resolver

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PREWARM_BATCH = 100  # orders per resolver batch, as the pull resolves one page
STALL_SECONDS = 60.0  # no order finished for this long: the run is stuck, say so instead of waiting
PROGRESS_EVERY_SECONDS = 5.0
WAIT_POLL_SECONDS = 0.05

Path_ = Literal["pull", "webhook"]


@dataclass(frozen=True)
class Scenario:
    """One measured run."""

    name: str
    instance: str  # the Magento instance name it imports under
    path: Path_
    auto_payment: bool
    warm: bool
    about: str


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "pull_cold",
            "cold",
            "pull",
            True,
            False,
            "first import: only the catalogue in Odoo, customers created on the way, auto-payment on",
        ),
        Scenario(
            "pull_warm",
            "warm",
            "pull",
            False,
            True,
            "customers and products in Odoo and cached, auto-payment off",
        ),
        Scenario(
            "pull_warm_paid",
            "paid",
            "pull",
            True,
            True,
            "customers and products in Odoo and cached, auto-payment on (invoice + payment per paid order)",
        ),
        Scenario(
            "webhook_warm",
            "hooks",
            "webhook",
            False,
            True,
            "orders saved in Magento, delivered by signed webhook, customers and products cached, auto-payment off",
        ),
    )
}


@dataclass(frozen=True)
class Latency:
    """Injected latency per Magento request and per Odoo RPC, in milliseconds."""

    magento_ms: float
    odoo_ms: float


@dataclass
class Result:
    """The figures of one scenario."""

    name: str
    about: str
    orders: int
    seconds: float
    imported: int
    dead_letters: int
    odoo_calls: Counter[str]
    magento_requests: Counter[str]
    worker_peak_rss_mb: float
    cpu_seconds: dict[str, float]
    latency: Latency
    concurrency: int
    failed_webhooks: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def orders_per_s(self) -> float:
        return self.orders / self.seconds if self.seconds > 0 else 0.0

    @property
    def odoo_calls_per_order(self) -> float:
        return sum(self.odoo_calls.values()) / self.orders

    @property
    def magento_requests_per_order(self) -> float:
        return sum(self.magento_requests.values()) / self.orders

    @property
    def bound_orders_per_s(self) -> float | None:
        """C / (Odoo calls per order x Odoo latency + Magento requests per order x Magento latency)."""
        per_order = (
            self.odoo_calls_per_order * self.latency.odoo_ms
            + self.magento_requests_per_order * self.latency.magento_ms
        ) / 1000
        return self.concurrency / per_order if per_order > 0 else None

    @property
    def bound_ratio(self) -> float | None:
        bound = self.bound_orders_per_s
        return self.orders_per_s / bound if bound else None

    @property
    def stack_cpu_ms_per_order(self) -> float:
        """CPU of every process of the run (worker, sandboxes, receiver, Redis, driver) per order."""
        ours = sum(v for k, v in self.cpu_seconds.items() if k not in {"machine", "other"})
        return ours * 1000 / self.orders

    @property
    def cpu_bound_orders_per_s(self) -> float | None:
        """The most orders/s this machine's cores allow at the CPU the stack spent per order."""
        per_order = self.stack_cpu_ms_per_order / 1000
        return (os.cpu_count() or 1) / per_order if per_order > 0 else None

    def as_dict(self) -> dict[str, Any]:
        bound, ratio, cpu_bound = self.bound_orders_per_s, self.bound_ratio, self.cpu_bound_orders_per_s
        return {
            "about": self.about,
            "orders": self.orders,
            "imported": self.imported,
            "dead_letters": self.dead_letters,
            "seconds": round(self.seconds, 2),
            "orders_per_s": round(self.orders_per_s, 1),
            "odoo_calls_per_order": round(self.odoo_calls_per_order, 3),
            "magento_requests_per_order": round(self.magento_requests_per_order, 4),
            "bound_orders_per_s": round(bound, 1) if bound else None,
            "bound_ratio": round(ratio, 3) if ratio is not None else None,
            "worker_peak_rss_mb": round(self.worker_peak_rss_mb, 1),
            "stack_cpu_ms_per_order": round(self.stack_cpu_ms_per_order, 2),
            "cpu_bound_orders_per_s": round(cpu_bound, 1) if cpu_bound else None,
            "cpu_ms_per_order": {k: round(v * 1000 / self.orders, 2) for k, v in self.cpu_seconds.items()},
            "odoo_calls_by_method": per_order(self.odoo_calls, self.orders),
            "magento_requests_by_route": per_order(self.magento_requests, self.orders),
            **({"failed_webhooks": self.failed_webhooks} if self.failed_webhooks else {}),
            **self.extra,
        }


def per_order(counts: Counter[str], orders: int) -> dict[str, float]:
    return {key: round(value / orders, 3) for key, value in counts.most_common()}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- preparation ------------------------------------------------------------------------------------------


def fetch_orders(settings: Settings, instance: str) -> list[dict[str, Any]]:
    """Every order of the shop as the pull reads it (``updated_at`` order), in pages of 300."""
    criteria = SearchCriteria().updated_since(EPOCH).page_size(300)
    with MagentoClient(settings.instance(instance)) as client:
        return [order for page in client.iter_order_pages(criteria) for order in page.items]


def prewarm(settings: Settings, instance: str, orders: Sequence[dict[str, Any]]) -> None:
    """Resolve the orders' customers, addresses and products into Odoo and the Redis caches (untimed)."""
    client = redis.Redis.from_url(settings.redis_url)
    runtime = Runtime(settings, client, RedisKeys.from_settings(settings))
    try:
        resolver = Resolver(runtime, runtime.instance(instance))
        now = dt.datetime.now(dt.UTC)
        for start in range(0, len(orders), PREWARM_BATCH):
            resolved = resolver.resolve(orders[start : start + PREWARM_BATCH], now)
            if resolved.errors:
                raise RuntimeError(f"prewarm {instance}: orders not mappable: {resolved.errors}")
    finally:
        runtime.close()
        client.close()


# -- waiting ------------------------------------------------------------------------------------------------


EXISTS_BATCH = 1000  # marker keys per EXISTS


@dataclass
class Progress:
    """Finished orders of one instance: synced markers written, plus new dead letters."""

    client: redis.Redis
    keys: RedisKeys
    instance: str
    entity_ids: Sequence[int]
    dead_letters_before: int

    def __post_init__(self) -> None:
        self._markers = [self.keys.order_synced(self.instance, entity_id) for entity_id in self.entity_ids]

    def synced(self) -> int:
        """How many of the orders have a synced marker: an EXISTS of their keys (built once), not a SCAN
        of the whole keyspace every poll."""
        return sum(
            int(self.client.exists(*self._markers[start : start + EXISTS_BATCH]))
            for start in range(0, len(self._markers), EXISTS_BATCH)
        )

    def dead_letters(self) -> int:
        return DeadLetterStore(self.client, self.keys).count() - self.dead_letters_before

    def wait(self, expected: int, timeout: float, alive: Callable[[], None]) -> float:
        """Block until ``expected`` orders finished; the monotonic time when the last one was seen."""
        started = last_change = last_report = time.monotonic()
        done = -1
        while True:
            now = time.monotonic()
            count = self.synced() + self.dead_letters()
            if count != done:
                done, last_change = count, now
            if done >= expected:
                return now
            alive()
            if now - last_change > STALL_SECONDS or now - started > timeout:
                raise RuntimeError(f"{self.instance}: {done}/{expected} orders finished, then no progress")
            if now - last_report > PROGRESS_EVERY_SECONDS:
                log(f"  {self.instance}: {done}/{expected} after {now - started:.0f} s")
                last_report = now
            time.sleep(WAIT_POLL_SECONDS)


# -- one run --------------------------------------------------------------------------------------------------


@dataclass
class Bench:
    """Everything a scenario needs: settings, controls, the worker's pids, the task sender."""

    settings: Settings
    redis: redis.Redis
    magento: MagentoControl
    odoo: OdooControl
    latency: Latency
    concurrency: int
    worker_pids: Callable[[], list[int]]
    cpu_groups: Callable[[], dict[str, list[int]]]
    send_pull: Callable[[dict[str, Any]], object]
    alive: Callable[[], None]
    timeout: float
    shop_orders: int

    def run(self, scenario: Scenario, orders: Sequence[dict[str, Any]]) -> Result:
        """Measure ``scenario`` over ``orders`` (all of them for a pull, the ones to touch for a webhook)."""
        keys = RedisKeys.from_settings(self.settings)
        if scenario.warm:
            began = time.monotonic()
            prewarm(self.settings, scenario.instance, orders)
            log(
                f"  {scenario.name}: customers and products resolved first in {time.monotonic() - began:.0f} s (untimed)"
            )
        progress = Progress(
            self.redis,
            keys,
            scenario.instance,
            [int(order["entity_id"]) for order in orders],
            DeadLetterStore(self.redis, keys).count(),
        )
        self._arm()
        cpu_before = CpuSample.take(self.cpu_groups())
        started = time.monotonic()
        if scenario.path == "pull":
            self.send_pull(self._pull_kwargs(scenario.instance, orders))
        else:
            for order in orders:
                self.magento.touch(int(order["entity_id"]))
        finished = progress.wait(len(orders), self.timeout, self.alive)
        cpu = CpuSample.take(self.cpu_groups()).since(cpu_before)
        result = Result(
            name=scenario.name,
            about=scenario.about,
            orders=len(orders),
            seconds=finished - started,
            imported=self.odoo.orders_of(scenario.instance),
            dead_letters=progress.dead_letters(),
            odoo_calls=self.odoo.call_counts(),
            magento_requests=self.magento.request_counts(),
            worker_peak_rss_mb=peak_rss_mb(self.worker_pids()),
            cpu_seconds=cpu,
            latency=self.latency,
            concurrency=self.concurrency,
            failed_webhooks=self.magento.failed_webhooks() if scenario.path == "webhook" else 0,
            # Retries of this run still waiting (the bench runs no beat to release them; none expected).
            extra={"retries_waiting": DelayedQueue(self.redis, keys).pending()},
        )
        self.magento.set_latency(0)
        self.odoo.set_latency(0)
        return result

    def _pull_kwargs(self, instance: str, orders: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """``orders.pull`` as beat sends it (from the watermark), or bounded to the first ``orders``."""
        if len(orders) >= self.shop_orders:
            return {"instance": instance}
        until = max(order["updated_at"] for order in orders)
        return {"instance": instance, "since": EPOCH.isoformat(), "until": until.isoformat()}

    def _arm(self) -> None:
        """Latency on, counters and the worker's peak RSS reset: what follows is what is measured."""
        self.magento.set_latency(self.latency.magento_ms)
        self.odoo.set_latency(self.latency.odoo_ms)
        self.magento.reset_requests()
        self.odoo.reset_calls()
        reset_peak_rss(self.worker_pids())
