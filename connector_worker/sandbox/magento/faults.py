"""Fault injection, switchable while the sandbox runs: latency, 5xx, 429 bursts, drops, slow bodies.

Faults apply to Magento routes only (never to the ``/_sandbox`` control surface), optionally to paths
matching ``path_pattern``. Random shares come from a seeded generator, so a benchmark run is repeatable;
the ``*_next`` counters give tests exact, deterministic faults. Latency is ``asyncio.sleep``: a slow
sandbox still serves other requests concurrently.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

FaultAction = Literal["none", "error", "rate_limit", "drop_before", "drop_after"]
TOO_MANY_REQUESTS = {
    "message": "Too Many Requests",
    "trace": None,
}  # 2.4.7 backpressure body (rate-limiting.md)


@dataclass(frozen=True)
class FaultSettings:
    """What to inject. Shares are probabilities 0..1; ``*_next`` counts down one per request."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_next: int = 0
    error_status: int = 503
    rate_limit_next: int = 0
    retry_after_seconds: int = 1
    drop_rate: float = 0.0
    drop_next: int = 0
    # Drop after the request was handled (the write happened, the answer is lost) instead of before.
    drop_after_handling: bool = False
    slow_body_seconds: float = 0.0
    path_pattern: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FaultDecision:
    latency_seconds: float
    action: FaultAction
    error_status: int
    retry_after_seconds: int
    slow_body_seconds: float


NO_FAULT = FaultDecision(0.0, "none", 503, 1, 0.0)


class FaultInjector:
    """Holds the current :class:`FaultSettings` and decides, per request, what to do."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._rng = random.Random(f"faults:{seed}")  # noqa: S311  (repeatable benchmarks, not secrets)
        self._pattern: re.Pattern[str] | None = None

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings

    def configure(self, **changes: Any) -> FaultSettings:
        """Change some settings, keep the others; unknown names raise ``TypeError``."""
        known = {f.name for f in fields(FaultSettings)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        with self._lock:
            self._settings = replace(self._settings, **changes)
            pattern = self._settings.path_pattern
            self._pattern = re.compile(pattern) if pattern else None
            return self._settings

    def clear(self) -> FaultSettings:
        with self._lock:
            self._settings = FaultSettings()
            self._pattern = None
            return self._settings

    def decide(self, path: str) -> FaultDecision:
        """The fault for one request to ``path`` (counters are consumed here)."""
        with self._lock:
            settings = self._settings
            if self._pattern is not None and not self._pattern.search(path):
                return NO_FAULT
            action = self._action(settings)
            return FaultDecision(
                latency_seconds=settings.latency_ms / 1000,
                action=action,
                error_status=settings.error_status,
                retry_after_seconds=settings.retry_after_seconds,
                slow_body_seconds=settings.slow_body_seconds,
            )

    def _action(self, settings: FaultSettings) -> FaultAction:
        drop: FaultAction = "drop_after" if settings.drop_after_handling else "drop_before"
        if settings.rate_limit_next > 0:
            self._settings = replace(settings, rate_limit_next=settings.rate_limit_next - 1)
            return "rate_limit"
        if settings.drop_next > 0:
            self._settings = replace(settings, drop_next=settings.drop_next - 1)
            return drop
        if settings.error_next > 0:
            self._settings = replace(settings, error_next=settings.error_next - 1)
            return "error"
        if settings.drop_rate and self._rng.random() < settings.drop_rate:
            return drop
        if settings.error_rate and self._rng.random() < settings.error_rate:
            return "error"
        return "none"
