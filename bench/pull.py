"""Import benchmark: Magento orders into Odoo through real sandboxes, Redis and a real Celery worker.

Run ``make bench`` (or ``.venv/bin/python bench/pull.py --help``). By default 2,000 seeded Magento orders
are pulled with 30 ms injected per Magento request and 15 ms per Odoo RPC, by one Celery worker with
``--pool threads --concurrency 8`` (``--workers 2``: the 8 slots in two processes, one per core); then the
same orders again with customers and products known (with auto-payment off, then on), and 500 orders
delivered by signed webhook. Every process is real: the Magento
and Odoo sandboxes and the webhook receiver run through the ``connector`` CLI, the worker is ``connector
worker``, Redis is ``REDIS_URL`` or an embedded server. Each scenario prints orders/s, Odoo RPCs and
Magento requests per order (counted by the sandboxes), the worker's peak RSS and the bound ratio; the last
line of stdout is one JSON object with every figure.

The latency bound. With C task slots and no CPU cost, an order holds one slot for the latency of its own
calls, so the most a worker can import is::

    bound = C / (odoo_calls_per_order * odoo_latency + magento_requests_per_order * magento_latency)

with the per-order counts *measured* in the same run (so a workflow that makes more calls lowers its own
bound rather than hiding behind it). ``bound_ratio`` = measured orders/s / bound. Assumptions: every call
of an order waits its full latency in one slot (the pull task's page reads are spread over the orders they
carry), the sandboxes serve calls concurrently (their latency is an asyncio sleep), and CPU, Redis and the
broker cost nothing; the ratio therefore also shows how much of the machine's CPU the stack needs.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis
from celery import Celery
from pydantic import SecretStr

from bench.probes import MagentoControl, OdooControl, peak_rss_mb, process_tree
from bench.report import driver_peak_rss_mb, render, summary
from bench.scenarios import SCENARIOS, Bench, Latency, Result, Scenario, fetch_orders, log
from bench.stack import Stack, base_env
from config.render import instances_toml, odoo_environment
from config.settings import BearerAuth, InstanceConfig, InstanceOptions, OdooSettings, Settings, load_settings
from connector_worker import task_names
from connector_worker.app import make_app
from connector_worker.demo.catalog import mirror_products
from connector_worker.demo.processes import reserve_port
from connector_worker.embedded_redis import redis_url_or_embedded
from connector_worker.log import configure_logging
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.redis_keys import QUEUE_PULL, QUEUE_WEBHOOK, drop_prefix

DEFAULT_SCENARIOS = ("pull_cold", "pull_warm", "pull_warm_paid", "webhook_warm")
PING_SECONDS = 0.5  # how long one readiness ping of the worker waits for its answer


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=2000, help="orders seeded and pulled (default 2000)")
    parser.add_argument("--paid-orders", type=int, default=500, help="orders pulled with payments (500)")
    parser.add_argument("--webhook-orders", type=int, default=500, help="orders sent by webhook (500)")
    parser.add_argument("--concurrency", type=int, default=8, help="worker task slots (8)")
    parser.add_argument("--pool", choices=("threads", "prefork"), default="threads", help="Celery pool")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the --concurrency slots, e.g. 2 for one per core (default 1)",
    )
    parser.add_argument("--magento-latency-ms", type=float, default=30.0, help="per Magento request (30)")
    parser.add_argument("--odoo-latency-ms", type=float, default=15.0, help="per Odoo RPC (15)")
    parser.add_argument("--page-size", type=int, default=100, help="orders per pull page (100)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the Magento sandbox's data (7)")
    parser.add_argument(
        "--scenarios",
        default=",".join(DEFAULT_SCENARIOS),
        help=f"comma-separated, from {', '.join(SCENARIOS)} (default: all, in this order)",
    )
    parser.add_argument("--log-level", default="INFO", help="the worker's log level (INFO, as deployed)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds one scenario may take")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs and print where")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.concurrency % args.workers:
        parser.error("--concurrency must be a positive multiple of --workers")
    names = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown or not names:
        parser.error(f"unknown scenarios {unknown}; choose from {', '.join(SCENARIOS)}")
    args.scenario_list = [SCENARIOS[name] for name in names]
    return args


def scenario_orders(args: argparse.Namespace, scenario: Scenario) -> int:
    """How many of the seeded orders (oldest first) ``scenario`` imports."""
    if scenario.path == "webhook":
        return int(args.webhook_orders)
    return int(args.paid_orders if scenario.auto_payment and scenario.warm else args.orders)


def first_orders(orders: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The oldest ``count`` orders, plus any sharing the last one's ``updated_at`` (a pull window's end)."""
    if count >= len(orders):
        return orders
    last = orders[count - 1]["updated_at"]
    return [order for order in orders if order["updated_at"] <= last]


def instances(base_url: str, token: str, webhook_secret: str, page_size: int) -> list[InstanceConfig]:
    """One instance per scenario on the same shop (bearer token), each with its own auto-payment setting."""
    return [
        InstanceConfig(
            name=scenario.instance,
            base_url=base_url,
            auth=BearerAuth(type="bearer", token=SecretStr(token)),
            webhook_secret=SecretStr(webhook_secret),
            options=InstanceOptions(page_size=page_size, auto_payment=scenario.auto_payment),
        )
        for scenario in SCENARIOS.values()
    ]


def start(args: argparse.Namespace, redis_url: str, stack: Stack) -> tuple[Settings, Celery]:
    """Start Odoo, Magento (seeded), the receiver and the worker; mirror the catalogue into Odoo."""
    token, api_key, hook_secret = secrets.token_hex(16), secrets.token_hex(20), secrets.token_hex(16)
    webhooks = any(s.path == "webhook" for s in args.scenario_list)
    # The receiver's port is held (bound, not listening) until the receiver listens on it.
    reservation = reserve_port() if webhooks else None
    hook_port = int(reservation.getsockname()[1]) if reservation else 0
    try:
        return _start(args, redis_url, stack, (token, api_key, hook_secret), hook_port)
    finally:
        if reservation is not None:
            reservation.close()


def _start(
    args: argparse.Namespace, redis_url: str, stack: Stack, credentials: tuple[str, str, str], hook_port: int
) -> tuple[Settings, Celery]:
    token, api_key, hook_secret = credentials
    webhooks = bool(hook_port)
    hook_url = f"http://127.0.0.1:{hook_port}/webhooks/magento/hooks" if webhooks else None
    log(f"starting the sandboxes ({args.orders} Magento orders, seed {args.seed}) in {stack.workdir}")
    _, odoo = stack.odoo(api_key=api_key)
    _, shop = stack.magento(
        orders=args.orders, seed=args.seed, token=token, webhook_url=hook_url, webhook_secret=hook_secret
    )
    config = stack.workdir / "instances.toml"
    shop_instances = instances(shop["base_url"], token, hook_secret, args.page_size)
    config.write_text(instances_toml(shop_instances), encoding="utf-8")
    odoo_settings = OdooSettings(
        url=odoo["url"], db=odoo["db"], login=odoo["login"], api_key=SecretStr(api_key), protocol="json2"
    )
    env = {
        "REDIS_URL": redis_url,
        "CONNECTOR_KEY_PREFIX": stack.prefix,
        "CONNECTOR_CONFIG": str(config),
        **odoo_environment(odoo_settings),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": args.log_level,
    }
    settings = load_settings(env)
    configure_logging("console", "WARNING", settings.secret_values())  # the driver's own clients stay quiet
    with OdooGateway.connect(settings.odoo) as gw, MagentoControl(shop["base_url"]) as control:
        created = mirror_products(gw, control.catalog())
    per_worker = args.concurrency // args.workers
    log(
        f"mirrored {created} products into Odoo; starting {args.workers} worker process(es) "
        f"({args.pool}, -c {per_worker} each)"
    )
    if webhooks:
        stack.webhook(base_env(env), hook_port)
    app = sender_app(settings)
    for index in range(args.workers):
        stack.worker(
            base_env(env),
            pool=args.pool,
            concurrency=per_worker,
            queues=[QUEUE_PULL, QUEUE_WEBHOOK],
            ready=functools.partial(_answering, app, index + 1),
            index=index,
        )
    return settings, app


def _answering(app: Celery, workers: int) -> bool:
    """Whether ``workers`` workers answer a ping (each consumes its queues by then)."""
    return len(app.control.ping(timeout=PING_SECONDS)) >= workers


def sender_app(settings: Settings) -> Celery:
    """The driver's Celery app: it sends ``orders.pull`` as beat does and pings; it never reads results."""
    app = make_app(settings, set_as_current=False)
    app.conf.result_backend = None  # a sender that never reads results must not subscribe to them
    return app


def run(args: argparse.Namespace, redis_url: str, stack: Stack) -> dict[str, Any]:
    settings, app = start(args, redis_url, stack)
    client = redis.Redis.from_url(redis_url)
    by_name = {proc.name: proc for proc in stack.procs if not proc.name.startswith("worker")}
    workers = [proc for proc in stack.procs if proc.name.startswith("worker")]

    def worker_pids() -> list[int]:
        return [pid for proc in workers for pid in process_tree(proc.pid)]

    def cpu_groups() -> dict[str, list[int]]:
        groups = {name: process_tree(proc.pid) for name, proc in by_name.items()}
        groups["worker"] = worker_pids()  # every worker process and its pool children
        groups["driver"] = [os.getpid()]
        redis_pid = int(client.info("server").get("process_id", 0))
        if redis_pid and Path(f"/proc/{redis_pid}").exists():
            groups["redis"] = [redis_pid]
        return groups

    def alive() -> None:
        for proc in stack.procs:
            proc.check_alive()

    magento = MagentoControl(settings.instance("cold").base_url)
    odoo = OdooControl(settings.odoo.url)
    orders = fetch_orders(settings, "cold")
    bench = Bench(
        settings=settings,
        redis=client,
        magento=magento,
        odoo=odoo,
        latency=Latency(args.magento_latency_ms, args.odoo_latency_ms),
        concurrency=args.concurrency,
        worker_pids=worker_pids,
        cpu_groups=cpu_groups,
        send_pull=lambda kwargs: app.send_task(task_names.PULL, kwargs=kwargs, queue=QUEUE_PULL),
        alive=alive,
        timeout=args.timeout,
        shop_orders=len(orders),
    )
    results: list[Result] = []
    for scenario in args.scenario_list:
        chosen = first_orders(orders, scenario_orders(args, scenario))
        log(f"{scenario.name}: {len(chosen)} orders — {scenario.about}")
        result = bench.run(scenario, chosen)
        log(render(result))
        results.append(result)
    worker_peak = peak_rss_mb(worker_pids())
    magento.close()
    odoo.close()
    client.close()
    return summary(args, results, worker_peak_mb=worker_peak)


def forget_keys(redis_url: str, prefix: str) -> None:
    """Delete every key the run wrote (a shared ``REDIS_URL`` keeps nothing of a benchmark)."""
    if not prefix:
        return
    client = redis.Redis.from_url(redis_url)
    try:
        drop_prefix(client, prefix)
    finally:
        client.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    with redis_url_or_embedded() as redis_url:
        stack = Stack()
        try:
            report = run(args, redis_url, stack)
        finally:
            stack.stop()
            forget_keys(redis_url, stack.prefix)
            if args.keep_logs:
                log(f"logs kept in {stack.workdir}")
            else:
                shutil.rmtree(stack.workdir, ignore_errors=True)
    report["driver_peak_rss_mb"] = round(driver_peak_rss_mb(), 1)
    report["wall_seconds"] = round(time.monotonic() - started, 1)
    for scenario_name, figures in report["scenarios"].items():
        print(f"{scenario_name}: {json.dumps(figures)}")
    print(json.dumps(report, sort_keys=False))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
