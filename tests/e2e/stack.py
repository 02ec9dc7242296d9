"""The whole connector on loopback for end-to-end tests: both sandboxes, the test Redis, real Celery worker
and beat processes, and optionally the webhook receiver as its own process (``connector webhook``).

Nothing is called in-process that production would run elsewhere: orders reach Odoo only through tasks
run by the worker subprocesses, which read the same instances file and environment an operator writes.
Start one :class:`Stack` per test module (``start_stack``); tests read Odoo, Redis and the logs to check
what happened.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from celery import Celery

from config.celery import CeleryTuning
from config.render import instances_toml, odoo_environment
from config.settings import InstanceConfig, Settings
from connector_worker.app import make_app
from connector_worker.dlq import DeadLetter, DeadLetterStore
from connector_worker.magento import parsing
from connector_worker.redis_keys import QUEUE_PULL, QUEUE_WEBHOOK, RedisKeys
from connector_worker.runtime import Runtime
from connector_worker.synced import synced_version, version
from tests.e2e.processes import Receiver, free_port, start_receiver
from tests.e2e.setup_files import mirror_catalogs, odoo_settings
from tests.support.celery_worker import (
    TEST_TUNING,
    CeleryProcess,
    celery_env,
    start_beat,
    start_worker,
    wait_until,
)
from tests.support.magento_sandbox import AuthKind, MagentoSandboxHandle, start_magento_sandbox
from tests.support.odoo_sandbox import OdooSandboxHandle, running_odoo_sandbox

WEBHOOK_SECRET = "e2e-webhook-secret-5b0c7d1e9a"
# What a sync task may take in these tests: the sandboxes answer in milliseconds, the limits are TEST_TUNING's.
SYNC_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class ShopSpec:
    """One Magento instance of the stack: its sandbox options and the connector's instance options."""

    name: str
    sandbox: Mapping[str, Any] = field(default_factory=dict)  # SandboxConfig fields (seed, orders, ...)
    options: Mapping[str, Any] = field(default_factory=dict)  # InstanceOptions fields
    auth: AuthKind = "oauth"
    webhooks: bool = False  # deliver the sandbox's signed webhooks to the stack's receiver
    mirror_catalog: bool = True  # create the shop's products in Odoo first, as a shop does before going live


@dataclass
class Stack:
    """A running connector and the handles a test needs to drive and inspect it."""

    settings: Settings
    env: dict[str, str]
    odoo: OdooSandboxHandle
    shops: dict[str, MagentoSandboxHandle]
    client: redis.Redis
    keys: RedisKeys
    producer: Celery
    workers: list[CeleryProcess] = field(default_factory=list)
    beat: CeleryProcess | None = None
    receiver: Receiver | None = None

    # -- driving ------------------------------------------------------------------------------------------
    def sync(self, instance: str, entity_id: int, *, source: str = "test", **kwargs: Any) -> str:
        """Queue ``orders.sync`` as the webhook receiver would; returns the task id."""
        result = self.producer.send_task(
            "orders.sync",
            kwargs={"instance": instance, "entity_id": entity_id, "source": source, **kwargs},
            queue=QUEUE_WEBHOOK,
        )
        return str(result.id)

    def pull(self, instance: str, **kwargs: Any) -> str:
        """Queue ``orders.pull`` as beat would; returns the task id."""
        result = self.producer.send_task(
            "orders.pull", kwargs={"instance": instance, **kwargs}, queue=QUEUE_PULL
        )
        return str(result.id)

    def task_result(self, task_id: str, timeout: float = SYNC_TIMEOUT_SECONDS) -> Any:
        """The return value of a task that succeeded (fails the test when it failed or did not finish)."""
        return self.producer.AsyncResult(task_id).get(timeout=timeout, propagate=True)

    def runtime(self) -> Runtime:
        """An in-process runtime on the same Redis prefix and sandboxes (close it after use)."""
        return Runtime(self.settings, redis.Redis.from_url(self.settings.redis_url), self.keys)

    # -- reading Odoo ------------------------------------------------------------------------------------
    def instance_id(self, instance: str) -> int | None:
        rows = self.odoo.read("magento.instance", [("name", "=", instance)], ["id"])
        return int(rows[0]["id"]) if rows else None

    def odoo_orders(self, instance: str, entity_ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Odoo sale orders imported from ``instance`` (optionally only these Magento ids), oldest first."""
        instance_id = self.instance_id(instance)
        if instance_id is None:
            return []
        domain: list[Any] = [("magento_instance_id", "=", instance_id)]
        if entity_ids is not None:
            domain.append(("magento_order_id", "in", [str(i) for i in entity_ids]))
        return sorted(self.odoo.read("sale.order", domain), key=lambda row: int(row["id"]))

    def odoo_order(self, instance: str, entity_id: int) -> dict[str, Any] | None:
        found = self.odoo_orders(instance, [entity_id])
        assert len(found) <= 1, f"order {entity_id} of {instance} is in Odoo {len(found)} times"
        return found[0] if found else None

    def wait_for_order(
        self,
        instance: str,
        entity_id: int,
        check: Callable[[dict[str, Any]], bool] = lambda _record: True,
        timeout: float = SYNC_TIMEOUT_SECONDS,
    ) -> dict[str, Any]:
        """The Odoo order once it exists and ``check`` holds; fails with its last state otherwise."""
        last: list[dict[str, Any] | None] = [None]

        def ready() -> dict[str, Any] | None:
            record = last[0] = self.odoo_order(instance, entity_id)
            return record if record is not None and check(record) else None

        try:
            return wait_until(ready, timeout=timeout, interval=0.1)
        except AssertionError:
            raise AssertionError(
                f"order {entity_id} of {instance} not as expected in Odoo within {timeout}s; last seen: "
                f"{_summary(last[0])}\n{self.tail_logs()}"
            ) from None

    def magento_order(self, instance: str, entity_id: int) -> dict[str, Any]:
        """The order as the connector's Magento client parses it (Decimal money, aware datetimes)."""
        state = self.shops[instance].sandbox.state
        with state.lock:
            raw = state.order_json(state.get_order(entity_id))
        parsed: dict[str, Any] = parsing.loads(raw)
        return parsed

    def wait_synced(
        self, instance: str, entity_id: int, timeout: float = SYNC_TIMEOUT_SECONDS
    ) -> dict[str, Any]:
        """The Odoo order once a sync of the order's current Magento version has finished (its marker)."""

        def done() -> bool:
            expected = version(self.magento_order(instance, entity_id))
            return synced_version(self.client, self.keys, instance, entity_id) == expected

        try:
            wait_until(done, timeout=timeout, interval=0.1)
        except AssertionError:
            raise AssertionError(
                f"order {entity_id} of {instance}: its current version was not synced within {timeout}s\n"
                f"{self.tail_logs()}"
            ) from None
        record = self.odoo_order(instance, entity_id)
        assert record is not None
        return record

    # -- reading Redis and logs --------------------------------------------------------------------------
    def dead_letters(self) -> list[DeadLetter]:
        return DeadLetterStore(self.client, self.keys).list(count=1000)

    def wait_for_dead_letter(
        self, match: Callable[[DeadLetter], bool], timeout: float = SYNC_TIMEOUT_SECONDS
    ) -> DeadLetter:
        def found() -> DeadLetter | None:
            return next((letter for letter in self.dead_letters() if match(letter)), None)

        try:
            return wait_until(found, timeout=timeout, interval=0.1)
        except AssertionError:
            raise AssertionError(f"no such dead letter within {timeout}s\n{self.tail_logs()}") from None

    def worker_log(self) -> str:
        return "\n".join(worker.log_text() for worker in self.workers)

    def log_events(self, event: str) -> list[dict[str, Any]]:
        """Every JSON log line of the workers whose ``event`` is ``event``."""
        found = []
        for line in self.worker_log().splitlines():
            start = line.find("{")
            if start < 0 or event not in line:
                continue
            try:
                entry = json.loads(line[start:])
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and entry.get("event") == event:
                found.append(entry)
        return found

    def syncs_of_instance(self, instance: str) -> list[dict[str, Any]]:
        """The workers' ``order_synced`` log lines about one instance's orders."""
        return [entry for entry in self.log_events("order_synced") if entry.get("instance") == instance]

    def syncs_of(self, instance: str, entity_id: int) -> list[dict[str, Any]]:
        """The workers' ``order_synced`` log lines about one order (result, actions, payment)."""
        return [
            entry
            for entry in self.log_events("order_synced")
            if entry.get("instance") == instance and entry.get("order_id") == entity_id
        ]

    def tail_logs(self, chars: int = 3000) -> str:
        parts = [f"--- {w.name} log tail ---\n{w.log_text()[-chars:]}" for w in self.workers]
        if self.beat is not None:
            parts.append(f"--- beat log tail ---\n{self.beat.log_text()[-chars // 3 :]}")
        return "\n".join(parts)


def _summary(record: Mapping[str, Any] | None) -> str:
    if record is None:
        return "nothing"
    keys = ("name", "state", "locked", "delivery_status", "magento_state", "magento_status", "magento_paid")
    return ", ".join(f"{key}={record.get(key)!r}" for key in keys)


@contextmanager
def start_stack(
    redis_url: str,
    shops: list[ShopSpec],
    *,
    odoo_version: int = 19,
    workers: int = 1,
    concurrency: int = 2,
    beat: bool = True,
    tuning: CeleryTuning = TEST_TUNING,
    tmp_dir: Path | None = None,
    prepare: Callable[[dict[str, MagentoSandboxHandle]], None] | None = None,
) -> Iterator[Stack]:
    """Start everything (processes boot in parallel), yield the :class:`Stack`, stop everything.

    ``prepare`` sees the shops before any connector process starts (beat pulls every instance at once).
    """
    prefix = f"e2e:{uuid.uuid4().hex[:10]}:"
    directory = tmp_dir or Path(tempfile.mkdtemp(prefix="e2e-"))
    with ExitStack() as stack:
        odoo = stack.enter_context(running_odoo_sandbox(version=odoo_version))
        port = free_port() if any(spec.webhooks for spec in shops) else None
        handles: dict[str, MagentoSandboxHandle] = {}
        configs: dict[str, InstanceConfig] = {}
        for spec in shops:
            options: dict[str, Any] = {"integration_as_bearer": spec.auth == "bearer", **spec.sandbox}
            if spec.webhooks:
                options.update(
                    webhook_url=f"http://127.0.0.1:{port}/webhooks/magento/{spec.name}",
                    webhook_secret=WEBHOOK_SECRET,
                    instance=spec.name,
                )
            handle = start_magento_sandbox(**options)
            stack.callback(handle.stop)
            handles[spec.name] = handle
            configs[spec.name] = handle.instance_config(
                spec.name,
                auth=spec.auth,
                webhook_secret=WEBHOOK_SECRET,
                **spec.options,
            )
        if prepare is not None:
            prepare(handles)
        odoo_config = odoo_settings(odoo)
        mirror_catalogs(odoo_config, [handles[spec.name] for spec in shops if spec.mirror_catalog])
        config_path = directory / "instances.toml"
        config_path.write_text(instances_toml(configs.values()), encoding="utf-8")
        env = celery_env(
            redis_url, prefix, tuning=tuning, config_path=config_path, extra=odoo_environment(odoo_config)
        )
        settings = Settings(redis_url=redis_url, key_prefix=prefix, odoo=odoo_config, instances=configs)
        processes = [start_worker(env, name=f"w{n + 1}", concurrency=concurrency) for n in range(workers)]
        for process in processes:
            stack.callback(process.stop)
        beat_process = start_beat(env) if beat else None
        if beat_process is not None:
            stack.callback(beat_process.stop)
        receiver = start_receiver(env, port) if port is not None else None
        if receiver is not None:
            stack.callback(receiver.stop)
        client = redis.Redis.from_url(redis_url)
        stack.callback(client.close)
        producer = make_app(settings, tuning, set_as_current=False)
        stack.callback(producer.close)
        for process in processes:
            process.wait_ready()
        if beat_process is not None:
            beat_process.wait_ready()
        yield Stack(
            settings=settings,
            env=env,
            odoo=odoo,
            shops=handles,
            client=client,
            keys=RedisKeys(prefix),
            producer=producer,
            workers=processes,
            beat=beat_process,
            receiver=receiver,
        )
