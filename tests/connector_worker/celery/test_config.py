"""Celery settings: the measured rules hold for any tuning, and every process gets the same values."""

from __future__ import annotations

import pytest

from config.beat import beat_schedule, pull_entry_name, reconcile_entry_name
from config.celery import CeleryTuning, celery_config
from config.settings import ConfigError, InstanceConfig, InstanceOptions, Settings
from connector_worker.app import make_app, task_modules
from connector_worker.redis_keys import ALL_QUEUES
from connector_worker.task_names import OUTBOX_RELAY, PULL, RECONCILE, RELEASE_DELAYED


def _settings(reconcile_every: int = 0, **pull_intervals: int) -> Settings:
    instances = {
        name: InstanceConfig(
            name=name,
            base_url=f"https://{name}.example.com",
            auth={"type": "bearer", "token": "t0ken-value"},
            options=InstanceOptions(
                pull_interval_seconds=interval, reconcile_interval_seconds=reconcile_every
            ),
        )
        for name, interval in pull_intervals.items()
    }
    return Settings(redis_url="redis://127.0.0.1:6390/3", key_prefix="acme:", instances=instances)


def test_defaults_keep_every_delay_below_the_visibility_timeout() -> None:
    tuning = CeleryTuning()
    vt = tuning.visibility_timeout_seconds
    assert tuning.time_limit_seconds + tuning.worker_lost_retry_delay_seconds < vt
    assert tuning.soft_time_limit_seconds < tuning.time_limit_seconds
    assert tuning.worker_lost_retry_delay_seconds < vt
    assert tuning.beat_lock_timeout_seconds > tuning.beat_max_loop_interval_seconds
    # a killed worker's task is back within VT + one sweep: 35 s with the defaults
    assert vt + tuning.unacked_restore_interval_seconds <= 35


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"time_limit_seconds": 30}, r"time_limit_seconds \+ worker_lost_retry_delay_seconds must be below"),
        ({"soft_time_limit_seconds": 28}, "need 0 < soft < hard time limit"),
        ({"worker_lost_retry_delay_seconds": 20}, "worker_lost_retry_delay_seconds must be below half"),
        ({"beat_lock_timeout_seconds": 5}, "beat_lock_timeout_seconds must exceed"),
    ],
)
def test_a_tuning_that_breaks_a_rule_is_refused(change: dict[str, float], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        CeleryTuning(**change)  # type: ignore[arg-type]


def test_tuning_from_environment() -> None:
    tuning = CeleryTuning.from_env(
        {
            "CONNECTOR_CELERY_VISIBILITY_TIMEOUT_SECONDS": "60",
            "CONNECTOR_CELERY_RETRY_BACKOFF_BASE_SECONDS": "2.5",
        }
    )
    assert tuning.visibility_timeout_seconds == 60
    assert tuning.retry_backoff_base_seconds == 2.5
    with pytest.raises(ConfigError, match="CONNECTOR_CELERY_MAX_RETRIES: 'many' is not an integer"):
        CeleryTuning.from_env({"CONNECTOR_CELERY_MAX_RETRIES": "many"})


def test_at_least_once_settings() -> None:
    conf = celery_config(_settings(), CeleryTuning())
    assert conf["task_acks_late"] is True
    assert conf["task_reject_on_worker_lost"] is True
    assert conf["task_retry_on_worker_lost"] is True
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["accept_content"] == ["json"] and conf["task_serializer"] == "json"
    transport = conf["broker_transport_options"]
    assert transport["visibility_timeout"] == 30
    assert transport["unacked_restore_throttle"] == 1
    assert transport["global_keyprefix"] == "acme:celery:"
    assert conf["result_backend_transport_options"] == {"global_keyprefix": "acme:celery:"}
    assert conf["worker_send_task_events"] and conf["task_send_sent_event"]


def test_queues_and_routes() -> None:
    conf = celery_config(_settings(), CeleryTuning())
    assert list(conf["task_queues"]) == list(ALL_QUEUES)
    app = make_app(_settings(), set_as_current=False)
    router = app.amqp.router
    assert router.route({}, "orders.sync")["queue"].name == "orders.webhook"
    assert router.route({}, "orders.pull")["queue"].name == "orders.pull"
    assert router.route({}, "orders.push_status")["queue"].name == "orders.push"
    assert router.route({}, "connector.release_delayed")["queue"].name == "connector.control"
    assert router.route({}, "outbox.relay")["queue"].name == "connector.control"
    # a sender may still pick the lane: a pull fans syncs out to orders.pull
    assert router.route({"queue": "orders.pull"}, "orders.sync")["queue"].name == "orders.pull"
    app.close()


def test_redbeat_settings() -> None:
    conf = celery_config(_settings(), CeleryTuning())
    assert conf["beat_scheduler"] == "connector_worker.beat_scheduler:ConnectorBeatScheduler"
    assert conf["redbeat_key_prefix"] == "acme:redbeat:"
    assert conf["redbeat_redis_url"] == "redis://127.0.0.1:6390/3"
    assert conf["redbeat_lock_timeout"] == 30 and conf["beat_max_loop_interval"] == 5


def test_beat_schedule_has_one_pull_per_instance() -> None:
    schedule = beat_schedule(_settings(shop=300, outlet=60), CeleryTuning())
    assert set(schedule) == {
        RELEASE_DELAYED,
        OUTBOX_RELAY,
        pull_entry_name("shop"),
        pull_entry_name("outlet"),
    }
    shop = schedule[pull_entry_name("shop")]
    assert shop["task"] == PULL
    assert shop["schedule"] == 300.0
    assert shop["kwargs"] == {"instance": "shop"}
    assert shop["options"] == {"queue": "orders.pull", "expires": 300.0}
    assert schedule[RELEASE_DELAYED]["options"]["queue"] == "connector.control"


def test_beat_schedule_has_one_reconcile_per_instance_unless_turned_off() -> None:
    schedule = beat_schedule(_settings(reconcile_every=21600, shop=300, outlet=60), CeleryTuning())
    for name in ("shop", "outlet"):
        entry = schedule[reconcile_entry_name(name)]
        assert entry["task"] == RECONCILE
        assert entry["kwargs"] == {"instance": name}
        assert entry["options"] == {"queue": "orders.pull", "expires": 21600.0}
    assert InstanceOptions().reconcile_interval_seconds == 21600  # on by default
    assert not any(
        entry["task"] == RECONCILE for entry in beat_schedule(_settings(shop=300), CeleryTuning()).values()
    )


def test_every_task_module_is_included_base_first() -> None:
    modules = task_modules()
    assert modules[0] == "tasks.base"
    assert len(modules) == len(set(modules))
