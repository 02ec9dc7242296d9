"""Beat's scheduler: redbeat (one beat at a time across replicas), kept alive when Redis loses its data.

A Redis restarted empty (no persistence, a failover to an empty replica, a FLUSHALL) takes redbeat's lock and
its schedule with it. Stock redbeat then raises ``LockNotOwnedError`` from its next tick and beat exits: no
pull is scheduled again until someone restarts it, and webhooks alone never bring back what was missed.
Here beat waits for the lock as it does at start (another beat may have taken it meanwhile, and that one
schedules), then writes its schedule back and goes on.
"""

from __future__ import annotations

from typing import Any

from redbeat import RedBeatScheduler
from redis.exceptions import LockNotOwnedError

from connector_worker.log import get_logger

log = get_logger(__name__)


class ConnectorBeatScheduler(RedBeatScheduler):  # type: ignore[misc]  # redbeat ships no type hints
    """``RedBeatScheduler`` that takes its lock again and restores its schedule after losing both."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            return float(super().tick(*args, **kwargs))
        except LockNotOwnedError:
            log.warning("beat_lock_lost", lock=self.lock_key, hint="Redis lost its data, or beat stalled")
            self.lock.acquire()  # blocks, as at start, while another beat holds it
            self.setup_schedule()
            log.info("beat_schedule_restored", entries=sorted(self.app.redbeat_conf.schedule))
            return 0.0
