"""``connector dlq list | show ID | replay ID|--all | drop ID``: inspect and replay dead letters."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

import click
import redis

from config.celery import REDIS_CONNECT_TIMEOUT_SECONDS, REDIS_SOCKET_TIMEOUT_SECONDS, CeleryTuning
from config.settings import Settings, load_settings
from connector_worker.dlq import DeadLetter, DeadLetterStore, replay
from connector_worker.redis_keys import RedisKeys

REPLAY_HEADER = "dlq_replay_of"  # lets logs and Flower tell a replay from an ordinary run
REASON_WIDTH = 70


def _store(settings: Settings) -> DeadLetterStore:
    client = redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
    )
    return DeadLetterStore(client, RedisKeys.from_settings(settings))


class _RedisErrorsAsMessages(click.Group):
    """An unreachable Redis is one clear line for an operator, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except redis.RedisError as exc:
            raise click.ClickException(f"Redis: {exc}") from exc


@click.group("dlq", cls=_RedisErrorsAsMessages)
def dlq() -> None:
    """Inspect, replay or drop dead-lettered tasks."""


@dlq.command("list")
@click.option("--instance", help="Only this instance's dead letters.")
@click.option("--limit", default=100, show_default=True, help="At most this many entries, oldest first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_command(instance: str | None, limit: int, as_json: bool) -> None:
    """List dead letters, oldest first."""
    store = _store(load_settings())
    letters = store.list(count=limit, instance=instance)
    for letter in letters:
        if as_json:
            click.echo(json.dumps(_as_dict(letter), sort_keys=True))
            continue
        reason = (
            letter.reason if len(letter.reason) <= REASON_WIDTH else letter.reason[: REASON_WIDTH - 1] + "…"
        )
        click.echo(
            f"{letter.id}  {letter.failed_at}  {letter.task}  {letter.instance or '-'}  "
            f"order={letter.entity_id or '-'}  attempts={len(letter.attempts)}  {reason}"
        )
    if not as_json:
        click.echo(f"{len(letters)} shown, {store.count()} dead letter(s) in total")


class EntryId(click.ParamType[str]):
    """A dead letter's id, a Redis stream entry id (``<ms>-<seq>``) as ``dlq list`` prints it: checked first,
    so a mistyped id is named as such instead of Redis's "Invalid stream ID"."""

    name = "ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if not re.fullmatch(r"\d+-\d+", text):
            self.fail(
                f"{text!r} is not a dead-letter id (as dlq list prints them, e.g. 1795802627968-0)",
                param,
                ctx,
            )
        return text


@dlq.command("show")
@click.argument("entry_id", type=EntryId())
@click.option("--json", "as_json", is_flag=True, help="The entry as JSON.")
def show_command(entry_id: str, as_json: bool) -> None:
    """Show one dead letter with its kwargs and every attempt."""
    letter = _store(load_settings()).get(entry_id)
    if letter is None:
        raise click.ClickException(f"no dead letter {entry_id}")
    if as_json:
        click.echo(json.dumps(_as_dict(letter), indent=2, sort_keys=True))
        return
    for label, value in (
        ("id", letter.id),
        ("task", f"{letter.task} [{letter.task_id}]"),
        ("instance", letter.instance),
        ("order", letter.entity_id),
        ("queue", letter.queue),
        ("worker", letter.hostname),
        ("failed at", letter.failed_at),
        ("reason", letter.reason),
        ("kwargs", json.dumps(letter.kwargs, sort_keys=True)),
    ):
        click.echo(f"{label:>9}: {value if value is not None else '-'}")
    click.echo(f" attempts: {len(letter.attempts)}")
    for attempt in letter.attempts:
        click.echo(f"  #{attempt.number}  {attempt.at}  {attempt.error}: {attempt.message}")


@dlq.command("replay")
@click.argument("entry_ids", nargs=-1, type=EntryId())
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter (or --instance's).")
@click.option("--instance", help="With --all: only this instance's dead letters.")
def replay_command(entry_ids: tuple[str, ...], replay_all: bool, instance: str | None) -> None:
    """Send dead letters again with their kwargs; each entry is removed only once its send succeeded.

    An orders.sync letter is sent without the order payload a pull attached to it: the sync reads the
    order from Magento again, so a replay never applies data that was current when the task failed.
    """
    if bool(entry_ids) == replay_all:
        raise click.UsageError("give entry ids or --all (not both)")
    settings = load_settings()
    store = _store(settings)
    send, close = _sender(settings)
    try:
        ids = list(entry_ids) or [letter.id for letter in _all(store, instance) if letter.id]
        missing = [entry_id for entry_id in ids if not replay(store, entry_id, send)]
    finally:
        close()
    click.echo(f"replayed {len(ids) - len(missing)} dead letter(s)")
    if missing:
        raise click.ClickException(f"not found (or being replayed by someone else): {', '.join(missing)}")


@dlq.command("drop")
@click.argument("entry_ids", nargs=-1, required=True, type=EntryId())
def drop_command(entry_ids: tuple[str, ...]) -> None:
    """Delete dead letters for good."""
    store = _store(load_settings())
    missing = [entry_id for entry_id in entry_ids if not store.remove(entry_id)]
    click.echo(f"dropped {len(entry_ids) - len(missing)} dead letter(s)")
    if missing:
        raise click.ClickException(f"not found: {', '.join(missing)}")


def _all(store: DeadLetterStore, instance: str | None) -> list[DeadLetter]:
    letters: list[DeadLetter] = []
    after = "-"
    while batch := store.list(count=500, instance=instance, after=after):
        letters.extend(batch)
        after = batch[-1].id or after
    return letters


def _sender(settings: Settings) -> tuple[Callable[[DeadLetter], object], Callable[[], None]]:
    """A function sending a dead letter as a fresh task (new id, full retry budget), and a closer."""
    from connector_worker.app import make_app  # noqa: PLC0415 - Celery loads only for a replay

    celery_app = make_app(settings, CeleryTuning.from_env(os.environ), set_as_current=False)

    def send(letter: DeadLetter) -> object:
        result = celery_app.send_task(
            letter.task, kwargs=letter.kwargs, queue=letter.queue, headers={REPLAY_HEADER: letter.id}
        )
        click.echo(f"{letter.id} -> {letter.task} [{result.id}]")
        return result

    return send, celery_app.close


def _as_dict(letter: DeadLetter) -> dict[str, object]:
    return {
        "id": letter.id,
        "task": letter.task,
        "task_id": letter.task_id,
        "instance": letter.instance,
        "entity_id": letter.entity_id,
        "queue": letter.queue,
        "hostname": letter.hostname,
        "failed_at": letter.failed_at,
        "reason": letter.reason,
        "kwargs": letter.kwargs,
        "attempts": [attempt.as_dict() for attempt in letter.attempts],
    }
