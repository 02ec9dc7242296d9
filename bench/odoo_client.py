"""Odoo client benchmark: the worker's CPU per JSON-2 call, on our transport and on httpx for comparison.

Run ``.venv/bin/python bench/odoo_client.py`` (about 10 s). It starts the Odoo 19 sandbox as its own
process (no latency) and sends the same ``res.country.search_read`` one call after another, timing this
process's CPU (``time.process_time``), so the sandbox's work is left out:

* ``gateway``: the whole call as a task makes it (``OdooGateway.search_read``: arguments translated,
  the answer checked, errors classified) on the connector's kept-alive ``http.client`` connections;
* ``transport``: the bare request on those connections (``HttpConnections.post_json``);
* ``httpx``: the same bare request on one pooled ``httpx.Client`` (what the JSON paths used before).

Each figure is the best of ``--repeat`` passes. The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from pydantic import SecretStr

from bench.stack import Stack
from config.settings import OdooSettings
from connector_worker.log import configure_logging
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.odoo.transport import CallCounter, HttpConnections, Timeouts

TIMEOUTS = Timeouts(connect=5.0, read=20.0)
DOMAIN = [["code", "=", "US"]]
FIELDS = ["code", "name"]


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=positive, default=1000, help="calls per pass (1000)")
    parser.add_argument("--repeat", type=positive, default=3, help="timed passes; the best one counts (3)")
    return parser.parse_args(argv)


def best_per_call(call: Callable[[], Any], calls: int, repeat: int) -> dict[str, float]:
    """CPU and wall milliseconds per call of the fastest pass (by CPU), after one warm-up call."""
    call()
    best: dict[str, float] = {"cpu_ms": float("inf"), "wall_ms": float("inf")}
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(calls):
            call()
        figures = {
            "cpu_ms": (time.process_time() - cpu) * 1000 / calls,
            "wall_ms": (time.perf_counter() - wall) * 1000 / calls,
        }
        if figures["cpu_ms"] < best["cpu_ms"]:
            best = figures
    return {name: round(value, 3) for name, value in best.items()}


def measure(odoo: dict[str, Any], calls: int, repeat: int) -> dict[str, dict[str, float]]:
    """The three ways of making the call, against the sandbox described by ``odoo``."""
    url = f"{odoo['url']}/json/2/res.country/search_read"
    headers = {"Authorization": f"Bearer {odoo['api_key']}", "X-Odoo-Database": odoo["db"]}
    body = {"domain": DOMAIN, "fields": FIELDS}
    settings = OdooSettings(url=odoo["url"], db=odoo["db"], api_key=SecretStr(odoo["api_key"]))
    connections = HttpConnections(TIMEOUTS, CallCounter())
    with OdooGateway.connect(settings) as gateway, httpx.Client(timeout=TIMEOUTS.read) as client:
        expected = gateway.search_read("res.country", [("code", "=", "US")], FIELDS)
        assert connections.post_json(url, body, headers).json() == expected
        assert client.post(url, json=body, headers=headers).json() == expected
        try:
            return {
                "gateway": best_per_call(
                    lambda: gateway.search_read("res.country", [("code", "=", "US")], FIELDS), calls, repeat
                ),
                "transport": best_per_call(
                    lambda: connections.post_json(url, body, headers).json(), calls, repeat
                ),
                "httpx": best_per_call(
                    lambda: client.post(url, json=body, headers=headers).json(), calls, repeat
                ),
            }
        finally:
            connections.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging("console", "INFO")  # as deployed: the gateway's per-call debug line is filtered out
    stack = Stack()
    try:
        _, odoo = stack.odoo(api_key=secrets.token_hex(20))
        results = measure(odoo, args.calls, args.repeat)
    finally:
        stack.stop()
    print(f"{'client':<10} {'CPU ms/call':>12} {'wall ms/call':>13}")
    for name, figures in results.items():
        print(f"{name:<10} {figures['cpu_ms']:>12.3f} {figures['wall_ms']:>13.3f}")
    print(json.dumps({"calls": args.calls, "repeat": args.repeat, **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
