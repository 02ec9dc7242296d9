"""``connector demo`` from start to finish: start the stack, prepare Odoo, let the pull import the history,
change the shop while the connector runs, wait until Odoo matches Magento, print the table and a summary,
and stop every process whatever happened. The exit status is 0 only when every check passed.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from config.settings import OdooSettings, Settings
from connector_worker.cli.orders_cmd import fetch_orders, render_table
from connector_worker.demo.broker import Broker, sync_reports
from connector_worker.demo.checks import Verdict, unknown_sku_orders
from connector_worker.demo.magento_control import MagentoControl, MagentoControlError
from connector_worker.demo.odoo_setup import prepare_odoo
from connector_worker.demo.processes import ServiceError
from connector_worker.demo.report import Summary, summarize
from connector_worker.demo.scenario import Watcher, change_orders, place_new_orders
from connector_worker.demo.stack import Stack, StackOptions
from connector_worker.errors import ConnectorError
from connector_worker.magento.client import MagentoClient
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.redis_keys import RedisKeys, drop_prefix

REDIS_TIMEOUT_SECONDS = 5.0
KEY_CLEANUP_BATCH = 500

Echo = Callable[[str], None]


@dataclass(frozen=True)
class DemoOptions:
    """A run: the stack to start, how long to wait for the sync, and what to keep afterwards."""

    stack: StackOptions
    timeout_seconds: float = 120.0
    keep_logs: bool = False
    summary_json: Path | None = None


class DemoFailed(Exception):
    """The demo could not go on (a process died, Odoo refused the preparation); the message says why."""


def run_demo(options: DemoOptions, echo: Echo) -> int:
    """Run the demo; 0 when everything was synced as expected, 1 otherwise. Never leaves a process behind."""
    run_dir = Path(tempfile.mkdtemp(prefix="connector-demo-"))
    echo(f"Starting the demo stack (process logs in {run_dir})")
    stack = Stack(options.stack, run_dir, echo)
    started = time.monotonic()
    summary: Summary | None = None
    try:
        settings = stack.start()
        summary = _play(stack, settings, options, echo, started)
    except (ServiceError, DemoFailed, ConnectorError, MagentoControlError) as exc:
        echo(f"demo failed: {exc}")
    except Exception as exc:  # a bug or an unforeseen failure: say so, keep the traceback with the logs
        trace = run_dir / "demo-traceback.log"
        trace.write_text(traceback.format_exc(), encoding="utf-8")
        echo(f"demo failed: {type(exc).__name__}: {exc} (traceback in {trace})")
    finally:
        with _signals_held():
            echo("Stopping every process")
            stack.stop()
            if options.stack.redis_url:
                _drop_keys(options.stack.redis_url, stack.key_prefix)
    leftovers = stack.leftovers()
    if leftovers:
        echo(f"processes still running after the stop: {', '.join(leftovers)}")
    ok = summary is not None and summary.ok and not leftovers
    if summary is not None and options.summary_json is not None:
        options.summary_json.write_text(json.dumps(summary.as_json(), indent=2) + "\n", encoding="utf-8")
    if ok and not options.keep_logs:
        shutil.rmtree(run_dir, ignore_errors=True)
    else:
        echo(f"Process logs kept in {run_dir}")
    return 0 if ok else 1


def preflight_odoo(settings: OdooSettings, echo: Echo) -> None:
    """Log in to a real Odoo and check the module is there, before any process starts."""
    try:
        with OdooGateway.connect(settings) as gw:
            gw.search_read("magento.instance", [], ["id"], limit=1)
            echo(
                f"Odoo {gw.version} at {settings.url} answers ({gw.protocol}); the magento2_connector module is installed"
            )
    except ConnectorError as exc:
        raise DemoFailed(f"Odoo at {settings.url}: {exc}") from exc


def preflight_redis(url: str, echo: Echo) -> None:
    """Check a Redis the user gave (``REDIS_URL``) answers, before any process starts."""
    client = redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        raise DemoFailed(f"REDIS_URL does not answer: {type(exc).__name__}: {exc}") from exc
    finally:
        client.close()
    echo(
        "Using the Redis of REDIS_URL (the run's keys live under a prefix of their own and are removed after)"
    )


def _play(stack: Stack, settings: Settings, options: DemoOptions, echo: Echo, started: float) -> Summary:
    name = options.stack.instance
    instance = settings.instance(name)
    client = redis.Redis.from_url(
        settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    with (
        OdooGateway.connect(settings.odoo) as gw,
        MagentoControl(stack.magento["base_url"]) as control,
        MagentoClient(instance) as magento,
        contextlib.closing(client),
    ):
        echo("Preparing Odoo")
        catalog = control.catalog()
        for line in prepare_odoo(gw, instance, catalog).lines():
            echo(f"  {line}")
        keys = RedisKeys.from_settings(settings)
        watcher = Watcher(instance, gw, magento, client, keys, {str(p["sku"]) for p in catalog})
        deadline = time.monotonic() + options.timeout_seconds
        history, verdict = _import_history(stack, settings, watcher, deadline, echo)
        final, placed = history, []
        if verdict.ok:
            placed = _change_the_shop(control, history, watcher.known_skus, echo)
            final = watcher.magento_orders()
            echo(f"Waiting until Odoo matches all {len(final)} Magento orders")
            verdict = watcher.wait_in_line(final, deadline, stack.check_alive)
        rows = fetch_orders(gw, name)
        echo("")
        echo(render_table(rows))
        echo("")
        summary = summarize(
            instance=name,
            verdict=verdict,
            magento_orders=final,
            placed=len(placed),
            odoo_ids={int(row["id"]) for row in rows},
            reports=sync_reports(client, keys),
            webhooks=control.webhook_deliveries(),
            seconds=time.monotonic() - started,
        )
        _webhook_check(summary)
    for line in summary.lines():
        echo(line)
    return summary


def _import_history(
    stack: Stack, settings: Settings, watcher: Watcher, deadline: float, echo: Echo
) -> tuple[list[dict[str, Any]], Verdict]:
    """Queue a pull now (beat's first comes one interval later) and wait until the history is in Odoo."""
    broker = Broker(settings, stack.tuning)
    try:
        broker.queue_pull(watcher.instance.name)
    finally:
        broker.close()
    history = watcher.magento_orders()
    echo(
        f"Pulling the shop's {len(history)} orders (orders.pull queued now, then beat every "
        f"{stack.options.pull_interval_seconds} s)"
    )
    begun = time.monotonic()
    verdict = watcher.wait_in_line(history, deadline, stack.check_alive)
    if verdict.ok:
        echo(
            f"  {verdict.in_line} orders in Odoo, {len(verdict.dead_letters)} in the dead letters "
            f"({time.monotonic() - begun:.1f} s)"
        )
    else:
        echo("  the history is not in line with Magento: no live changes, see the summary")
    return history, verdict


def _change_the_shop(
    control: MagentoControl, history: list[dict[str, Any]], known_skus: set[str], echo: Echo
) -> list[int]:
    """New orders and staff changes while the connector runs; returns the new orders' ids."""
    echo("Live changes in the shop (they reach the connector by webhook)")
    placed = place_new_orders(control)
    echo(f"  placed {len(placed)} new orders (Magento ids {', '.join(map(str, placed))})")
    for line in change_orders(control, history, unknown_sku_orders(history, known_skus)):
        echo(f"  {line}")
    return placed


def _webhook_check(summary: Summary) -> None:
    refused = summary.webhooks_sent - summary.webhooks_accepted
    if refused:
        summary.problems.append(f"{refused} webhook deliveries were not accepted (see webhook.log)")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ignore Ctrl-C and SIGTERM while the processes are being stopped, so the stop always completes."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _drop_keys(url: str, prefix: str) -> None:
    """Remove the run's keys from a Redis the demo did not start (best effort)."""
    client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        drop_prefix(client, prefix, KEY_CLEANUP_BATCH)
    except redis.RedisError:
        pass
    finally:
        client.close()
