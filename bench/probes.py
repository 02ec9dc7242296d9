"""What the benchmark reads and steers from outside: the sandboxes' control surfaces and ``/proc``.

The control surfaces (``/_sandbox/...``) are never counted and never delayed by the injected latency, so
steering and counting do not disturb what is measured. Memory and CPU come from ``/proc`` (Linux).
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from connector_worker.demo.magento_control import MagentoControl as DemoMagentoControl

CONTROL_TIMEOUT_SECONDS = 30.0  # a control call may read 2,000 records or request logs
_PROC = Path("/proc")
_CLEAR_PEAK_RSS = "5"  # /proc/<pid>/clear_refs: reset the peak RSS (VmHWM) to the current RSS


class MagentoControl(DemoMagentoControl):
    """The Magento sandbox's ``/_sandbox`` surface: the demo's client, plus what the benchmark steers."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, timeout=CONTROL_TIMEOUT_SECONDS)

    def set_latency(self, ms: float) -> None:
        """Delay every Magento REST request by ``ms`` (asyncio sleep: other requests proceed meanwhile)."""
        self._call("PUT", "faults", {"latency_ms": int(ms)})

    def reset_requests(self) -> None:
        self._call("POST", "requests/reset")

    def request_counts(self) -> Counter[str]:
        """REST requests served since the last reset, by ``METHOD route``."""
        return Counter(f"{r['method']} {r['route']}" for r in self._call("GET", "requests"))

    def touch(self, entity_id: int) -> None:
        """Save the order unchanged (an admin save): ``updated_at`` moves and a webhook fires."""
        self.order_action(entity_id, "touch")

    def failed_webhooks(self) -> int:
        return sum(1 for delivery in self.webhook_deliveries() if delivery.get("error"))


class OdooControl:
    """The Odoo sandbox's ``/_sandbox`` surface."""

    def __init__(self, url: str) -> None:
        self._http = httpx.Client(base_url=f"{url}/_sandbox", timeout=CONTROL_TIMEOUT_SECONDS)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def set_latency(self, ms: float) -> None:
        """Delay every RPC by ``ms`` before it runs (awaited outside the sandbox's transaction lock)."""
        self._call("DELETE", "/faults")
        if ms > 0:
            self._call("POST", "/faults", {"kind": "latency", "latency_ms": ms})

    def reset_calls(self) -> None:
        self._call("DELETE", "/calls")

    def call_counts(self) -> Counter[str]:
        """RPCs received since the last reset, by ``model.method``."""
        counts: Counter[str] = Counter()
        for row in self._call("GET", "/calls")["calls"]:
            counts[f"{row['model']}.{row['method']}"] += int(row["count"])
        return counts

    def records(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        """``search_read`` straight on the database (uncounted, archived records included)."""
        rows: list[dict[str, Any]] = self._call(
            "POST", "/records", {"model": model, "domain": domain, "fields": fields}
        )["records"]
        return rows

    def orders_of(self, instance: str) -> int:
        """How many sale orders Odoo holds for the Magento instance named ``instance``."""
        found = self.records("magento.instance", [["name", "=", instance]], ["id"])
        if not found:
            return 0
        return len(self.records("sale.order", [["magento_instance_id", "=", found[0]["id"]]], ["id"]))

    def close(self) -> None:
        self._http.close()


# -- /proc ------------------------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """``pid`` and its living descendants (a prefork worker's pool children)."""
    parents: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def _status_kb(pid: int, field: str) -> int:
    with contextlib.suppress(OSError):
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of the processes' peak resident set sizes (VmHWM) since start or the last reset, in MiB."""
    return sum(_status_kb(pid, "VmHWM") for pid in pids) / 1024


def reset_peak_rss(pids: list[int]) -> bool:
    """Start a new peak-RSS window (Linux 4.0+); False when the kernel refused, so peaks span the run."""
    done = True
    for pid in pids:
        try:
            (_PROC / str(pid) / "clear_refs").write_text(_CLEAR_PEAK_RSS)
        except OSError:
            done = False
    return done


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def machine_busy_seconds() -> float:
    """CPU time all cores of the machine spent busy (not idle or waiting on I/O) since boot."""
    fields = [int(v) for v in (_PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds per named process group, and of the whole machine (``machine``), at one instant."""

    seconds: dict[str, float]

    @classmethod
    def take(cls, groups: dict[str, list[int]]) -> CpuSample:
        seconds = {name: cpu_seconds(pids) for name, pids in groups.items()}
        seconds["machine"] = machine_busy_seconds()
        return cls(seconds)

    def since(self, earlier: CpuSample) -> dict[str, float]:
        """CPU used per group meanwhile; ``other`` is the machine's busy time outside the groups."""
        used = {name: value - earlier.seconds.get(name, 0.0) for name, value in self.seconds.items()}
        machine = used.pop("machine")
        used["other"] = max(0.0, machine - sum(used.values()))
        used["machine"] = machine
        return used
