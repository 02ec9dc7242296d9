"""``connector dlq …``, ``connector worker`` and Flower, run as an operator would."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
import redis
from click.testing import CliRunner

from connector_worker.cli.main import cli
from connector_worker.dlq import Attempt, DeadLetter, DeadLetterStore
from connector_worker.redis_keys import QUEUE_WEBHOOK, RedisKeys
from tests.support.celery_worker import REPO_ROOT, celery_env, start_worker, wait_until


@pytest.fixture
def env(redis_url: str, key_prefix: str) -> dict[str, str]:
    return {"REDIS_URL": redis_url, "CONNECTOR_KEY_PREFIX": key_prefix, "CONNECTOR_CONFIG": ""}


def _store(redis_client: redis.Redis, key_prefix: str) -> DeadLetterStore:
    return DeadLetterStore(redis_client, RedisKeys(key_prefix))


def _letter(entity_id: int, instance: str = "shop") -> DeadLetter:
    return DeadLetter(
        reason="permanent error: MappingError: unknown SKU 'NOPE-1' in order 42",
        task="orders.sync",
        task_id=f"t-{entity_id}",
        kwargs={"instance": instance, "entity_id": entity_id},
        attempts=(Attempt(1, "2024-05-01T10:00:00.000+00:00", "MappingError", "unknown SKU 'NOPE-1'"),),
        instance=instance,
        entity_id=str(entity_id),
        queue=QUEUE_WEBHOOK,
    )


def test_dlq_list_and_show(env: dict[str, str], redis_client: redis.Redis, key_prefix: str) -> None:
    store = _store(redis_client, key_prefix)
    first = store.add(_letter(42))
    store.add(_letter(43, instance="outlet"))
    runner = CliRunner()
    listed = runner.invoke(cli, ["dlq", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert first in listed.output
    assert "order=42" in listed.output and "order=43" in listed.output
    assert "2 shown, 2 dead letter(s) in total" in listed.output
    only_outlet = runner.invoke(cli, ["dlq", "list", "--instance", "outlet", "--json"], env=env)
    assert [json.loads(line)["entity_id"] for line in only_outlet.output.splitlines()] == ["43"]
    shown = runner.invoke(cli, ["dlq", "show", first], env=env)
    assert shown.exit_code == 0, shown.output
    assert "reason: permanent error: MappingError" in shown.output
    assert "#1  2024-05-01T10:00:00.000+00:00  MappingError: unknown SKU 'NOPE-1'" in shown.output
    missing = runner.invoke(cli, ["dlq", "show", "1-0"], env=env)
    assert missing.exit_code == 1 and "no dead letter 1-0" in missing.output
    for command in ("show", "drop", "replay"):
        mistyped = runner.invoke(cli, ["dlq", command, "order-42"], env=env)
        assert mistyped.exit_code == 2, mistyped.output
        assert "'order-42' is not a dead-letter id" in mistyped.output


def _queued(redis_client: redis.Redis, key_prefix: str, queue: str) -> list[dict[str, object]]:
    messages = []
    for raw in redis_client.lrange(f"{RedisKeys(key_prefix).celery}{queue}", 0, -1):
        message = json.loads(raw)
        _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        messages.append({"task": message["headers"]["task"], "kwargs": kwargs, **message["headers"]})
    return messages


def test_dlq_replay_sends_the_task_and_removes_the_entry(
    env: dict[str, str], redis_client: redis.Redis, key_prefix: str
) -> None:
    store = _store(redis_client, key_prefix)
    entry = store.add(_letter(42))
    result = CliRunner().invoke(cli, ["dlq", "replay", entry], env=env)
    assert result.exit_code == 0, result.output
    # the task is back on its queue with its kwargs, a new id, and a note of where it came from
    [message] = _queued(redis_client, key_prefix, QUEUE_WEBHOOK)
    assert message["task"] == "orders.sync"
    assert message["kwargs"] == {"instance": "shop", "entity_id": 42}
    assert message["dlq_replay_of"] == entry
    assert message["id"] != "t-42"
    assert store.get(entry) is None


def test_dlq_replay_of_a_pulled_sync_reads_the_order_again(
    env: dict[str, str], redis_client: redis.Redis, key_prefix: str
) -> None:
    # given a dead letter of a sync a pull sent with the order as Magento returned it then
    store = _store(redis_client, key_prefix)
    old = {"entity_id": 42, "status": "pending", "updated_at": "2024-05-01 10:00:00"}
    pulled = dataclasses.replace(
        _letter(42), kwargs={"instance": "shop", "entity_id": 42, "source": "pull", "order": old}
    )
    entry = store.add(pulled)
    # when an operator replays it (days later, when Magento's order has moved on)
    runner = CliRunner()
    helped = " ".join(runner.invoke(cli, ["dlq", "replay", "--help"], env=env).output.split())
    assert "without the order payload a pull attached to it: the sync reads the order from Magento" in helped
    result = runner.invoke(cli, ["dlq", "replay", entry], env=env)
    assert result.exit_code == 0, result.output
    # then the sync is sent without the old payload, so it reads the order from Magento as it is now
    [message] = _queued(redis_client, key_prefix, QUEUE_WEBHOOK)
    assert message["kwargs"] == {"instance": "shop", "entity_id": 42, "source": "pull"}


def test_dlq_replay_all_of_one_instance(
    env: dict[str, str], redis_client: redis.Redis, key_prefix: str
) -> None:
    store = _store(redis_client, key_prefix)
    for entity_id in (1, 2, 3):
        store.add(_letter(entity_id))
    kept = store.add(_letter(4, instance="outlet"))
    result = CliRunner().invoke(cli, ["dlq", "replay", "--all", "--instance", "shop"], env=env)
    assert result.exit_code == 0, result.output
    assert "replayed 3 dead letter(s)" in result.output
    assert len(_queued(redis_client, key_prefix, QUEUE_WEBHOOK)) == 3
    assert [letter.id for letter in store.list()] == [kept]


def test_dlq_replay_needs_ids_or_all(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["dlq", "replay"], env=env)
    assert result.exit_code == 2
    assert "give entry ids or --all" in result.output


def test_dlq_drop(env: dict[str, str], redis_client: redis.Redis, key_prefix: str) -> None:
    store = _store(redis_client, key_prefix)
    entry = store.add(_letter(42))
    result = CliRunner().invoke(cli, ["dlq", "drop", entry, "1-0"], env=env)
    assert result.exit_code == 1
    assert "dropped 1 dead letter(s)" in result.output and "not found: 1-0" in result.output
    assert store.count() == 0


def test_connector_worker_is_a_celery_worker_on_every_queue(redis_url: str, key_prefix: str) -> None:
    # the console script, as docker/compose runs it
    connector = os.path.join(os.path.dirname(sys.executable), "connector")
    worker_env = celery_env(redis_url, key_prefix)
    proc = subprocess.Popen(
        [connector, "worker", "-c", "1", "-l", "INFO", "--without-mingle", "--without-gossip"],
        cwd=REPO_ROOT,
        env=worker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output = b""
        deadline = time.monotonic() + 30
        while b" ready." not in output and time.monotonic() < deadline and proc.poll() is None:
            output += proc.stdout.readline() if proc.stdout else b""
        text = output.decode()
        assert " ready." in text, text[-3000:]
        for queue in ("orders.webhook", "orders.pull", "orders.push", "connector.control"):
            assert f"{queue} " in text or f"{queue}\n" in text
        assert "connector.release_delayed" in text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=15)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_flower_starts_on_the_app(redis_url: str, key_prefix: str) -> None:
    port = _free_port()
    env = celery_env(redis_url, key_prefix)
    worker = start_worker(env, name=f"f{uuid.uuid4().hex[:4]}")
    flower = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "connector_worker.app",
            "flower",
            "--address=127.0.0.1",
            f"--port={port}",
        ],
        cwd=REPO_ROOT,
        env={**env, "FLOWER_UNAUTHENTICATED_API": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        worker.wait_ready()

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthcheck", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False

        assert wait_until(healthy, timeout=20)

        # and it sees our worker through the same key prefix
        def sees_worker() -> bool:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/workers?refresh=1", timeout=10
            ) as response:
                return any(name.startswith(worker.name) for name in json.loads(response.read()))

        assert wait_until(sees_worker, timeout=20, interval=0.5)
    finally:
        os.killpg(flower.pid, signal.SIGTERM)
        flower.wait(timeout=15)
        worker.stop()


def test_dlq_says_plainly_when_redis_is_unreachable() -> None:
    port = _free_port()  # nothing listens there
    env = {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "CONNECTOR_CONFIG": ""}
    result = CliRunner().invoke(cli, ["dlq", "list"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: Redis: ") and "Traceback" not in result.output
