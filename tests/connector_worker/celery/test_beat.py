"""Two beats started together (a mistake in a deployment) schedule each tick once, thanks to redbeat's lock.

No worker runs: the test counts the messages beat publishes into the queues in Redis. A new schedule
entry first fires one interval after it was created (redbeat stores ``last_run_at = now`` for it), so the
test waits out one 10 s pull interval.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import time
import uuid
from pathlib import Path

import redis

from connector_worker.redis_keys import QUEUE_CONTROL, QUEUE_PULL, RedisKeys
from connector_worker.task_names import OUTBOX_RELAY, PULL, RELEASE_DELAYED
from tests.support.celery_worker import TEST_TUNING, celery_env, start_beat, wait_until, write_instances_file

PULL_INTERVAL_SECONDS = 10  # the smallest InstanceOptions allows


def _messages(client: redis.Redis, keys: RedisKeys, queue: str) -> list[tuple[str, dict[str, object]]]:
    """(task name, kwargs) of every message waiting in ``queue``."""
    found = []
    for raw in client.lrange(f"{keys.celery}{queue}", 0, -1):
        message = json.loads(raw)
        _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], kwargs))
    return found


def test_two_beats_schedule_each_pull_once_per_interval(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    # given two instances pulled every 10 s, and two beats started at the same moment
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    keys = RedisKeys(prefix)
    config = write_instances_file(
        tmp_path / "instances.toml",
        ("shop", {"pull_interval_seconds": 10}),
        ("outlet", {"pull_interval_seconds": 10}),
    )
    tuning = dataclasses.replace(TEST_TUNING, outbox_relay_every_seconds=1.0)
    env = celery_env(redis_url, prefix, tuning=tuning, config_path=config)
    beats = [start_beat(env, name="beat-a"), start_beat(env, name="beat-b")]
    try:
        for beat in beats:
            beat.wait_ready()
        started = time.monotonic()
        # when they run until the first pulls are due, and a little longer
        wait_until(
            lambda: len(_messages(redis_client, keys, QUEUE_PULL)) >= 2, timeout=PULL_INTERVAL_SECONDS + 5
        )
        time.sleep(1.0)
        observed = time.monotonic() - started
        pulls = _messages(redis_client, keys, QUEUE_PULL)
        control = [name for name, _ in _messages(redis_client, keys, QUEUE_CONTROL)]
        holders = [beat.name for beat in beats if "beat: Acquired lock" in beat.log_text()]
    finally:
        for beat in beats:
            beat.stop()
    # then only one of them holds the lock and publishes
    assert len(holders) == 1, holders
    # and each instance was pulled exactly once in the interval, not once per beat
    assert sorted((name, str(kwargs)) for name, kwargs in pulls) == [
        (PULL, str({"instance": "outlet"})),
        (PULL, str({"instance": "shop"})),
    ]
    # and the 1 s outbox tick came about once a second, not twice
    relays = control.count(OUTBOX_RELAY)
    assert observed - 3 <= relays <= observed + 1, (relays, observed)
    assert control.count(RELEASE_DELAYED) <= observed / tuning.release_delayed_every_seconds + 2
