"""Fault injection and call counters, shared by the HTTP control surface and the Python test handle.

Faults: per-call latency (awaited before the transaction lock, so it never blocks other calls), Odoo's
serialization failure (raised as Odoo reports it once its own retries are spent), a lost response (the
call commits, then a proxy answers 504), a closed connection (the answer says ``Connection: close``, as a
proxy that does not keep connections alive; Odoo itself keeps them), and a down period (connections
refused, or a proxy's 502).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Literal

FaultKind = Literal["latency", "serialization", "lost_response", "close_connection"]
DownMode = Literal["refuse", "502"]
FAULT_KINDS: tuple[str, ...] = ("latency", "serialization", "lost_response", "close_connection")


@dataclass
class FaultRule:
    """One injected fault; ``model``/``method``/``protocol`` None match every call; ``times`` None: forever."""

    kind: FaultKind
    model: str | None = None
    method: str | None = None
    protocol: str | None = None
    times: int | None = None
    latency_ms: float = 0.0

    def matches(self, protocol: str, model: str, method: str) -> bool:
        return (
            (self.model is None or self.model == model)
            and (self.method is None or self.method == method)
            and (self.protocol is None or self.protocol == protocol)
        )


class Faults:
    """The active fault rules and the down period; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.down_until: float = 0.0
        self.down_mode: DownMode = "502"

    def add(self, rule: FaultRule) -> None:
        if rule.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {rule.kind!r}; choose one of {FAULT_KINDS}")
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.down_until = 0.0

    def latency_seconds(self, protocol: str, model: str, method: str) -> float:
        with self._lock:
            rules = [r for r in self.rules if r.kind == "latency" and r.matches(protocol, model, method)]
        return sum(r.latency_ms for r in rules) / 1000.0

    def take(self, kind: FaultKind, protocol: str, model: str, method: str) -> bool:
        """Consume one matching rule of ``kind``; True when the fault must fire for this call."""
        with self._lock:
            for rule in self.rules:
                if rule.kind == kind and rule.matches(protocol, model, method):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self.rules.remove(rule)
                    return True
        return False

    def set_down(self, seconds: float, mode: DownMode) -> None:
        with self._lock:
            self.down_until = time.monotonic() + seconds
            self.down_mode = mode

    def down(self) -> DownMode | None:
        """The mode of the current down period, or None when the server is up."""
        with self._lock:
            return self.down_mode if time.monotonic() < self.down_until else None

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) for rule in self.rules]


class CallCounter:
    """RPC calls per (protocol, model, method); common-service calls count under model ``common``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def add(self, protocol: str, model: str, method: str) -> None:
        with self._lock:
            self._counts[(protocol, model, method)] += 1

    def count(self, model: str | None = None, method: str | None = None, protocol: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for (proto, mdl, meth), n in self._counts.items()
                if (model is None or mdl == model)
                and (method is None or meth == method)
                and (protocol is None or proto == protocol)
            )

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"protocol": p, "model": m, "method": meth, "count": n}
                for (p, m, meth), n in sorted(self._counts.items())
            ]

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
