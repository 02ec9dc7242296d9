"""A log of the requests the sandbox served, for tests and benchmarks to count calls and faults."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

MAX_RECORDS = 100_000


@dataclass(frozen=True)
class RequestRecord:
    """One request: ``route`` is the matched template (``V1/orders/{id}``), ``status`` None if dropped."""

    method: str
    path: str
    query: str
    route: str | None
    store_code: str | None
    caller: str | None
    status: int | None
    fault: str
    at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=MAX_RECORDS)

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def count(self, method: str | None = None, route: str | None = None, status: int | None = None) -> int:
        """How many requests matched all the given criteria (``route`` is a template like ``V1/orders``)."""
        return sum(
            1
            for r in self.records()
            if (method is None or r.method == method)
            and (route is None or r.route == route)
            and (status is None or r.status == status)
        )

    def reset(self) -> None:
        with self._lock:
            self._records.clear()


def now() -> float:
    return time.time()
