"""The benchmark's report: one human line per scenario, the targets of the issue, the final JSON object."""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
from typing import Any

from bench.scenarios import Result
from bench.stack import REPO_ROOT

# The targets (bench/pull.py docstring and README "Performance").
MAX_ODOO_CALLS_WARM = 3.0  # per new order once its customer and products are known (no payment)
MAX_MAGENTO_REQUESTS_WEBHOOK = 1.0  # per order on the webhook path
MIN_BOUND_RATIO = 0.7  # measured throughput / latency bound
CODE_PATHS = ("config", "connector_worker", "mappers", "tasks")  # what the figures depend on
HEADLINE_ORDER = ("pull_warm", "pull_cold", "pull_warm_paid", "webhook_warm")  # the first that ran


def driver_peak_rss_mb() -> float:
    """Peak RSS of this process (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def code_state() -> dict[str, Any]:
    """The commit measured, and whether the code under test had uncommitted changes (a shared tree)."""

    def git(*argv: str) -> str:
        done = subprocess.run(["git", *argv], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", *CODE_PATHS)
    return {"commit": git("rev-parse", "--short", "HEAD") or None, "uncommitted_changes": bool(changed)}


def render(result: Result) -> str:
    bound, ratio = result.bound_orders_per_s, result.bound_ratio
    bound_text = (
        f"bound {bound:.0f}/s, ratio {ratio:.2f}" if bound and ratio is not None else "no bound (0 ms)"
    )
    return (
        f"  {result.name}: {result.orders} orders in {result.seconds:.1f} s = {result.orders_per_s:.1f} orders/s; "
        f"{result.odoo_calls_per_order:.2f} Odoo RPCs and {result.magento_requests_per_order:.3f} Magento "
        f"requests per order; {bound_text}; CPU {result.stack_cpu_ms_per_order:.1f} ms per order "
        f"(cores allow {result.cpu_bound_orders_per_s or 0:.0f}/s); worker peak RSS {result.worker_peak_rss_mb:.0f} MiB; "
        f"{result.imported} in Odoo, {result.dead_letters} dead letters"
    )


def _targets(results: dict[str, Result], page_size: int) -> dict[str, Any]:
    """Each target with its measured value and whether it holds (None: its scenario did not run)."""
    targets: dict[str, Any] = {}
    warm = results.get("pull_warm")
    if warm:
        value = warm.odoo_calls_per_order
        targets["odoo_calls_per_order_warm_max_3"] = {
            "value": round(value, 3),
            "ok": value <= MAX_ODOO_CALLS_WARM,
        }
    hooks = results.get("webhook_warm")
    if hooks:
        value = hooks.magento_requests_per_order
        targets["magento_requests_per_order_webhook_max_1"] = {
            "value": round(value, 3),
            "ok": value <= MAX_MAGENTO_REQUESTS_WEBHOOK,
        }
    pulls = [r for r in results.values() if r.name.startswith("pull")]
    if pulls:
        targets["magento_requests_per_page_pull_max_1"] = _pull_pages(pulls, page_size)
    for result in results.values():
        ratio = result.bound_ratio
        targets[f"bound_ratio_{result.name}_min_0.7"] = {
            "value": round(ratio, 3) if ratio is not None else None,
            "ok": None if ratio is None else ratio >= MIN_BOUND_RATIO,
        }
    return targets


def _pull_pages(pulls: list[Result], page_size: int) -> dict[str, Any]:
    """Requests per page of ``page_size`` orders, the worst pull scenario's. The keyset pull starts each
    query at the previous page's newest ``updated_at``, so it reads that second's orders again: a page
    brings ``page_size - 1`` new orders, and one request more than the pages can be needed. Held when
    nothing but page reads happened, within that allowance.
    """
    worst, value, ok = pulls[0], 0.0, True
    for result in pulls:
        requests = sum(result.magento_requests.values())
        pages = math.ceil(result.orders / page_size)
        allowed = math.ceil(result.orders / max(page_size - 1, 1)) + 1
        ok = ok and requests <= allowed and set(result.magento_requests) <= {"GET V1/orders"}
        if requests / pages >= value:
            worst, value = result, requests / pages
    return {
        "value": round(value, 3),
        "scenario": worst.name,
        "requests": sum(worst.magento_requests.values()),
        "pages_of_page_size": math.ceil(worst.orders / page_size),
        "ok": ok,
    }


def summary(args: argparse.Namespace, results: list[Result], *, worker_peak_mb: float) -> dict[str, Any]:
    """The final JSON object: the headline scenario's figures at the top, every scenario below."""
    by_name = {r.name: r for r in results}
    headline = next((by_name[name] for name in HEADLINE_ORDER if name in by_name), results[0])
    complete = all(r.imported == r.orders and r.dead_letters == 0 for r in results)
    bound, ratio = headline.bound_orders_per_s, headline.bound_ratio
    return {
        "bench": "pull",
        "headline": headline.name,
        "orders_per_s": round(headline.orders_per_s, 1),
        "odoo_calls_per_order": round(headline.odoo_calls_per_order, 3),
        "magento_requests_per_order": round(headline.magento_requests_per_order, 4),
        "peak_rss_mb": round(worker_peak_mb, 1),
        "bound_orders_per_s": round(bound, 1) if bound else None,
        "bound_ratio": round(ratio, 3) if ratio is not None else None,
        "ok": complete,
        "orders": args.orders,
        "concurrency": args.concurrency,
        "pool": args.pool,
        "workers": args.workers,
        "page_size": args.page_size,
        "latency_ms": {"magento": args.magento_latency_ms, "odoo": args.odoo_latency_ms},
        "code": code_state(),
        "targets": _targets(by_name, args.page_size),
        "scenarios": {r.name: r.as_dict() for r in results},
    }
