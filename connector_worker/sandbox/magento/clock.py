"""A controllable clock for the sandbox: tests freeze it, set it or move it forward.

Magento's ``created_at``/``updated_at`` have second precision in UTC; a frozen clock lets a test create
many orders that share one ``updated_at`` second, the case that breaks naive incremental pulls.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

MAGENTO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def format_magento_datetime(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC, as Magento's REST API renders dates."""
    return moment.astimezone(UTC).strftime(MAGENTO_DATETIME_FORMAT)


def parse_magento_datetime(text: str) -> datetime:
    """The aware UTC datetime of a Magento date string."""
    return datetime.strptime(text, MAGENTO_DATETIME_FORMAT).replace(tzinfo=UTC)


class SandboxClock:
    """Wall-clock time plus an offset, or a frozen instant; always whole seconds, always UTC."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta()
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return (datetime.now(UTC) + self._offset).replace(microsecond=0)

    def now_text(self) -> str:
        return format_magento_datetime(self.now())

    def freeze(self, at: datetime | None = None) -> datetime:
        """Stop the clock at ``at`` (default: now); every change then shares that second."""
        moment = (at or self.now()).astimezone(UTC).replace(microsecond=0)
        with self._lock:
            self._frozen = moment
        return moment

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (frozen or running) by ``seconds``."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)
        return self.now()

    def resume(self) -> datetime:
        """Let a frozen clock run again from the instant it shows."""
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - datetime.now(UTC)
                self._frozen = None
        return self.now()

    def snapshot(self) -> tuple[timedelta, datetime | None]:
        """The clock's setting, to put back with :meth:`restore` (the seed replays history this way)."""
        with self._lock:
            return self._offset, self._frozen

    def restore(self, setting: tuple[timedelta, datetime | None]) -> None:
        with self._lock:
            self._offset, self._frozen = setting

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen is not None
