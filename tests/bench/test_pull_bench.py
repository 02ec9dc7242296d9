"""Smoke test of ``bench/pull.py``: a tiny run through every real part must end in a sane JSON line.

The figures of the full run live in the README; this only keeps the benchmark from rotting: it starts
the sandboxes, the receiver and a worker, imports 40 orders four ways and checks what it reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
HEADLINE_KEYS = (
    "orders_per_s",
    "odoo_calls_per_order",
    "magento_requests_per_order",
    "peak_rss_mb",
    "bound_ratio",
)
BENCH_TIMEOUT_SECONDS = 100  # under pytest's 120 s per test; the run takes about 20 s on 2 cores


@pytest.fixture(scope="module")
def report(redis_url: str) -> dict[str, Any]:
    """Given a tiny run (40 orders pulled, 10 by webhook, 2 ms / 1 ms latency, 4 threads)."""
    argv = [sys.executable, "bench/pull.py", "--orders", "40", "--webhook-orders", "10", "--concurrency", "4"]
    argv += ["--magento-latency-ms", "2", "--odoo-latency-ms", "1"]
    done = subprocess.run(
        argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=BENCH_TIMEOUT_SECONDS, check=False
    )
    assert done.returncode == 0, f"bench failed ({done.returncode}):\n{done.stderr[-4000:]}"
    last = done.stdout.strip().splitlines()[-1]
    parsed: dict[str, Any] = json.loads(last)
    return parsed


@pytest.mark.slow
def test_the_last_line_holds_the_headline_figures(report: dict[str, Any]) -> None:
    assert all(key in report for key in HEADLINE_KEYS)
    assert report["headline"] == "pull_warm"
    assert report["orders_per_s"] > 0
    assert 10 < report["peak_rss_mb"] < 4000
    assert report["bound_ratio"] is not None and 0 < report["bound_ratio"] < 5


@pytest.mark.slow
def test_every_scenario_imported_every_order_once(report: dict[str, Any]) -> None:
    scenarios = report["scenarios"]
    assert set(scenarios) == {"pull_cold", "pull_warm", "pull_warm_paid", "webhook_warm"}
    assert report["ok"] is True
    for figures in scenarios.values():
        assert figures["imported"] == figures["orders"]
        assert figures["dead_letters"] == 0


@pytest.mark.slow
def test_call_counts_are_what_the_paths_promise(report: dict[str, Any]) -> None:
    scenarios = report["scenarios"]
    # The pull reads pages (40 orders fit in one) and never one order; the webhook path reads each order once.
    assert scenarios["pull_warm"]["magento_requests_by_route"] == {"GET V1/orders": 1 / 40}
    assert scenarios["webhook_warm"]["magento_requests_by_route"] == {"GET V1/orders/{id}": 1.0}
    # Every new order is looked up and created once; payments and new customers cost more, never less.
    warm = scenarios["pull_warm"]["odoo_calls_by_method"]
    assert warm["sale.order.web_save"] == 1.0
    assert 2 <= scenarios["pull_warm"]["odoo_calls_per_order"] <= 8
    assert (
        scenarios["pull_warm_paid"]["odoo_calls_per_order"] > scenarios["pull_warm"]["odoo_calls_per_order"]
    )
    assert scenarios["pull_cold"]["odoo_calls_per_order"] > scenarios["pull_warm"]["odoo_calls_per_order"]
