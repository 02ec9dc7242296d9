"""Smoke test of ``bench/odoo_client.py``: a short run against the real Odoo sandbox ends in a sane JSON line.

It keeps the benchmark from rotting (its figures live in the README); the sandbox runs in its own process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH_TIMEOUT_SECONDS = 60  # the sandbox starts in a few seconds; 3 × 50 calls take well under one


def test_each_client_reports_its_cpu_and_wall_time_per_call() -> None:
    argv = [sys.executable, "bench/odoo_client.py", "--calls", "50", "--repeat", "1"]
    done = subprocess.run(
        argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=BENCH_TIMEOUT_SECONDS, check=False
    )
    assert done.returncode == 0, f"bench failed ({done.returncode}):\n{done.stderr[-4000:]}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert (report["calls"], report["repeat"]) == (50, 1)
    for client in ("gateway", "transport", "httpx"):
        figures = report[client]
        assert 0 < figures["cpu_ms"] < figures["wall_ms"] + 1, figures  # CPU of this process only
        assert figures["wall_ms"] < 1000, figures
