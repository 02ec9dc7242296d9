"""``connector webhook`` as an operator runs it: a real process on loopback, the production Celery app."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from connector_worker.redis_keys import QUEUE_WEBHOOK, RedisKeys
from tests.connector_worker.webhook.conftest import (
    HMAC_SECRET,
    QueuedTask,
    RsaPair,
    celery_app_for,
    drain_queue,
    hmac_headers,
    order_event,
)
from tests.support.ports import closed_port

START_TIMEOUT_SECONDS = 30.0
CONNECTOR = [sys.executable, "-c", "from connector_worker.cli.main import main; main()"]


def write_config(directory: Path, public_pem: str) -> Path:
    (directory / "adobe.pem").write_text(public_pem)
    path = directory / "instances.toml"
    path.write_text(
        f"""
[[instances]]
name = "main"
base_url = "http://127.0.0.1:1"
webhook_secret_env = "TEST_WEBHOOK_SECRET"
[instances.auth]
type = "bearer"
token = "bearer-token-for-cli-test"

[[instances]]
name = "adobe"
base_url = "http://127.0.0.1:1"
webhook_public_key_file = "{directory / "adobe.pem"}"
[instances.auth]
type = "bearer"
token = "bearer-token-for-cli-test"
"""
    )
    return path


def environment(config: Path, redis_url: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "CONNECTOR_CONFIG": str(config),
        "REDIS_URL": redis_url,
        "CONNECTOR_KEY_PREFIX": prefix,
        "LOG_FORMAT": "json",
        "TEST_WEBHOOK_SECRET": HMAC_SECRET,
    }


@pytest.fixture
def webhook_process(
    tmp_path: Path, redis_url: str, key_prefix: str, rsa_pair: RsaPair
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = closed_port()
    env = environment(write_config(tmp_path, rsa_pair.public_pem), redis_url, key_prefix)
    process = subprocess.Popen(
        [*CONNECTOR, "webhook", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            httpx.get(f"{base_url}/healthz", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"connector webhook did not start: {process.communicate()[1]}")
            time.sleep(0.1)
    try:
        yield base_url, process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_connector_webhook_serves_and_queues_into_the_production_celery_app(
    webhook_process: tuple[str, subprocess.Popen[str]], redis_url: str, key_prefix: str, rsa_pair: RsaPair
) -> None:
    base_url, process = webhook_process
    # Given the receiver started by `connector webhook` with an instances file and secrets from env and file
    assert httpx.get(f"{base_url}/readyz", timeout=5).json() == {"status": "ready"}
    body = order_event(entity_id=4242)
    adobe_body = json.dumps({"order": {"entity_id": 4343}}).encode()
    # When a signed delivery arrives for each instance
    first = httpx.post(
        f"{base_url}/webhooks/magento/main", content=body, headers=hmac_headers(body), timeout=10
    )
    second = httpx.post(
        f"{base_url}/webhooks/magento/adobe",
        content=adobe_body,
        headers={"x-adobe-commerce-webhook-signature": rsa_pair.sign(adobe_body)},
        timeout=10,
    )
    # Then each is queued where the production app's workers read (queues under <prefix>celery:)
    assert (first.status_code, second.status_code) == (200, 200)
    queued = drain_queue(celery_app_for(redis_url, key_prefix))
    assert queued == [
        QueuedTask(
            "orders.sync", {"instance": "main", "entity_id": 4242, "source": "webhook"}, QUEUE_WEBHOOK
        ),
        QueuedTask(
            "orders.sync", {"instance": "adobe", "entity_id": 4343, "source": "webhook"}, QUEUE_WEBHOOK
        ),
    ]
    # And SIGTERM stops it cleanly, its log holding one line per delivery and no secret
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    # (uvicorn shuts down gracefully, then re-raises the signal so a supervisor sees how it ended)
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Finished server process" in stderr
    deliveries = [json.loads(line) for line in stderr.splitlines() if '"webhook delivery"' in line]
    assert [(d["instance"], d["entity_id"], d["outcome"]) for d in deliveries] == [
        ("main", 4242, "queued"),
        ("adobe", 4343, "queued"),
    ]
    assert HMAC_SECRET not in stderr
    assert "bearer-token-for-cli-test" not in stderr


def test_a_bad_public_key_stops_the_start_with_a_clear_message(
    tmp_path: Path, redis_url: str, key_prefix: str, rsa_pair: RsaPair
) -> None:
    config = write_config(tmp_path, "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    result = subprocess.run(
        [*CONNECTOR, "webhook", "--port", str(closed_port())],
        env=environment(config, redis_url, key_prefix),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "instance 'adobe': webhook_public_key is not a PEM public key" in result.stderr


def test_the_receiver_sends_without_subscribing_to_results(redis_url: str, key_prefix: str) -> None:
    from config.settings import Settings
    from connector_worker.app import make_app
    from connector_worker.cli.webhook_cmd import send_only

    # Given the production Celery app, which keeps task results in Redis
    settings = Settings.model_validate({"redis_url": redis_url, "key_prefix": key_prefix})
    app = make_app(settings, set_as_current=False)
    assert app.conf.result_backend == redis_url
    # When the receiver sends through it
    send = send_only(app)
    for entity_id in range(20):
        send(
            "orders.sync",
            kwargs={"instance": "main", "entity_id": entity_id, "source": "webhook"},
            queue=QUEUE_WEBHOOK,
        )
    # Then the sender holds no result subscriptions, and the messages do not ask workers to drop results
    assert type(app.backend).__name__ == "DisabledBackend"
    raw = redis.Redis.from_url(redis_url).lrange(RedisKeys(key_prefix).celery + QUEUE_WEBHOOK, 0, -1)
    assert len(raw) == 20
    assert not any(json.loads(message)["headers"].get("ignore_result") for message in raw)
    queued = drain_queue(celery_app_for(redis_url, key_prefix))
    assert [task.kwargs["entity_id"] for task in queued] == list(range(20))


def test_a_send_to_a_dead_broker_fails_fast(key_prefix: str) -> None:
    from config.settings import Settings
    from connector_worker.app import make_app
    from connector_worker.cli.webhook_cmd import send_only

    settings = Settings.model_validate(
        {"redis_url": f"redis://127.0.0.1:{closed_port()}/0", "key_prefix": key_prefix}
    )
    send = send_only(make_app(settings, set_as_current=False))
    started = time.perf_counter()
    with pytest.raises(Exception, match="Connection refused"):
        send(
            "orders.sync",
            kwargs={"instance": "main", "entity_id": 1, "source": "webhook"},
            queue=QUEUE_WEBHOOK,
        )
    # (with the result store still configured, the same send takes ~19 s to fail)
    assert time.perf_counter() - started < 5
