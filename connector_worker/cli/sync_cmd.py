"""``connector pull``, ``connector reconcile`` and ``connector sync``: the pull workflow in the foreground.

Orders are synced inline, one after the other; an order that fails is written to the dead-letter
stream like a worker would (``connector dlq replay`` later), and the run goes on with the next one.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
import redis

from config.settings import Settings, load_settings
from connector_worker import task_names
from connector_worker.dlq import Attempt, DeadLetter, DeadLetterStore, failure_reason
from connector_worker.errors import ConnectorError, TransientError
from connector_worker.log import bind_context, clear_context, configure_logging
from connector_worker.magento.errors import MagentoNotFoundError
from connector_worker.redis_keys import QUEUE_PULL, RedisKeys
from connector_worker.runtime import Runtime
from mappers.errors import MappingError
from tasks.pull import PullOutcome, PullWindow, default_window, pull_orders
from tasks.reconcile import RUN as RECONCILE_RUN
from tasks.reconcile import out_of_line_with_odoo, reconcile_window, resync
from tasks.sync import SyncOutcome, sync_order

BAR_WIDTH = 30


def build_runtime(settings: Settings) -> Runtime:
    """A runtime for a foreground command (its own Redis client and clients)."""
    configure_logging(settings.log_format, settings.log_level, settings.secret_values())
    return Runtime(settings, redis.Redis.from_url(settings.redis_url), RedisKeys.from_settings(settings))


@dataclass
class InlineSync:
    """Sync orders in this process and dead-letter the failures, counting both."""

    runtime: Runtime
    instance: str
    source: str
    find_first: bool = False  # the orders are likely in Odoo already (a reconcile): look before creating
    outcomes: list[SyncOutcome] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    def __call__(self, orders: Sequence[Mapping[str, Any]]) -> None:
        for order in orders:
            self.sync(int(order["entity_id"]), order)

    def sync(
        self, entity_id: int, order: Mapping[str, Any] | None = None, *, letter_missing: bool = True
    ) -> SyncOutcome | None:
        """``letter_missing=False``: an order Magento does not have raises instead of being dead-lettered
        (an id the operator typed, not one Magento listed)."""
        bind_context(instance=self.instance, order_id=entity_id)
        try:
            outcome = sync_order(
                self.runtime, self.instance, entity_id, order=order, find_first=self.find_first
            )
        except (ConnectorError, MappingError) as exc:
            if isinstance(exc, MagentoNotFoundError) and not letter_missing:
                raise
            self._dead_letter(entity_id, exc)
            return None
        finally:
            clear_context()
        self.outcomes.append(outcome)
        return outcome

    def _dead_letter(self, entity_id: int, exc: Exception) -> None:
        letter = DeadLetter(
            reason=failure_reason(exc, 1, retryable=isinstance(exc, TransientError)),
            task=task_names.SYNC,
            task_id=f"cli-{self.source}-{self.instance}-{entity_id}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}",
            kwargs={"instance": self.instance, "entity_id": entity_id, "source": self.source},
            attempts=(Attempt.from_exception(1, exc),),
            instance=self.instance,
            entity_id=str(entity_id),
            queue=QUEUE_PULL,
            hostname=None,
        )
        DeadLetterStore(self.runtime.redis, self.runtime.keys).add(letter)
        self.failed.append((entity_id, letter.reason))


def _progress(skipped_as: str, inline: InlineSync) -> Callable[[PullOutcome, int], None]:
    """A progress bar on stderr; ``skipped_as`` says what the orders left alone are."""

    def show(outcome: PullOutcome, total: int) -> None:
        done = outcome.seen
        total = max(total, done, 1)
        filled = BAR_WIDTH * min(done, total) // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        click.echo(
            f"\r[{bar}] {done}/{total} orders read, {len(inline.outcomes)} synced, "
            f"{len(inline.failed)} failed, {outcome.skipped} {skipped_as}",
            nl=False,
            err=True,
        )

    return show


def _report(outcome: PullOutcome, inline: InlineSync, skipped_as: str) -> None:
    """The run's summary on stdout, each failed order with its reason; exit 1 when one failed."""
    click.echo("", err=True)
    created = sum(1 for o in inline.outcomes if o.result == "created")
    updated = sum(1 for o in inline.outcomes if o.result == "updated")
    click.echo(
        f"{outcome.seen} orders read in {outcome.pages} pages: {created} created, {updated} updated, "
        f"{outcome.skipped} {skipped_as}, {len(inline.failed)} failed"
    )
    for entity_id, reason in inline.failed:
        click.echo(f"  order {entity_id}: {reason}")
    if inline.failed:
        click.echo("failed orders are in the dead-letter stream: connector dlq list", err=True)
        sys.exit(1)


class IsoMoment(click.ParamType[dt.datetime]):
    """An ISO 8601 date or date-time as ``pull_history_from`` takes it: ``Z`` or an offset honoured, a value
    without one read as UTC, a bare date as its midnight UTC."""

    name = "ISO-DATETIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is not an ISO date or date-time (e.g. 2026-05-01T10:00:00Z)", param, ctx)
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


INSTANCE_OPTION = click.option(
    "--instance", "instance_name", required=True, help="Instance name from the instances file."
)


def _since_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--since`` (an ISO time, UTC unless it says otherwise) of the foreground pull and reconcile."""
    return click.option("--since", type=IsoMoment(), help=help_text)


def _read_window(
    instance_name: str,
    source: str,
    window_of: Callable[[Runtime], PullWindow],
    read: Callable[[Runtime, PullWindow, InlineSync], PullOutcome],
) -> tuple[PullOutcome, InlineSync]:
    """Settings, runtime and the announcement around one foreground read of a window."""
    settings = load_settings()
    settings.instance(instance_name)
    runtime = build_runtime(settings)
    try:
        window = window_of(runtime)
        click.echo(
            f"{source} {instance_name}: orders updated {window.start:%Y-%m-%d %H:%M:%S} .. "
            f"{window.until:%Y-%m-%d %H:%M:%S} UTC",
            err=True,
        )
        inline = InlineSync(runtime, instance_name, source, find_first=source == RECONCILE_RUN)
        return read(runtime, window, inline), inline
    finally:
        runtime.close()


@click.command("pull")
@INSTANCE_OPTION
@_since_option(
    "Read orders updated since this ISO time (UTC unless it has Z or an offset) instead of the watermark "
    "(a re-pull; a time after the watermark leaves it where it is)."
)
def pull(instance_name: str, since: dt.datetime | None) -> None:
    """Run one pull of INSTANCE in the foreground, syncing each changed order inline."""
    outcome, inline = _read_window(
        instance_name,
        "pull",
        lambda runtime: default_window(runtime, instance_name, since),
        lambda runtime, window, inline: pull_orders(
            runtime, instance_name, window, inline, on_page=_progress("unchanged", inline)
        ),
    )
    _report(outcome, inline, "unchanged")


@click.command("reconcile")
@INSTANCE_OPTION
@_since_option(
    "Look at orders updated since this ISO time (UTC unless it has Z or an offset) instead of the "
    "instance's reconcile window."
)
def reconcile(instance_name: str, since: dt.datetime | None) -> None:
    """Diff INSTANCE's recent orders against Odoo; sync inline those Odoo lacks or holds at another status."""

    def window_of(runtime: Runtime) -> PullWindow:
        window = reconcile_window(runtime, instance_name)
        start = since
        return window if start is None else PullWindow(start, window.until)

    outcome, inline = _read_window(
        instance_name,
        RECONCILE_RUN,
        window_of,
        lambda runtime, window, inline: pull_orders(
            runtime,
            instance_name,
            window,
            resync(runtime, instance_name, inline),
            on_page=_progress("in line", inline),
            select=out_of_line_with_odoo(runtime, instance_name),
            run=RECONCILE_RUN,
        ),
    )
    _report(outcome, inline, "in line with Odoo")


@click.command("sync")
@INSTANCE_OPTION
@click.argument("entity_id", type=int)
def sync(instance_name: str, entity_id: int) -> None:
    """Sync one Magento order (by its entity_id) into Odoo now."""
    settings = load_settings()
    settings.instance(instance_name)
    runtime = build_runtime(settings)
    inline = InlineSync(runtime, instance_name, "cli")
    try:
        outcome = inline.sync(entity_id, letter_missing=False)
    except MagentoNotFoundError as exc:
        raise click.ClickException(
            f"order {entity_id}: Magento answered 404 ({exc}): no order with this entity_id, or the "
            "instance's base_url or store_code is wrong (not dead-lettered)"
        ) from None
    finally:
        runtime.close()
    if outcome is None:
        _, reason = inline.failed[0]
        raise click.ClickException(f"order {entity_id}: {reason} (kept in the dead-letter stream)")
    actions = ", ".join(outcome.actions) or "none"
    click.echo(
        f"order {entity_id}: {outcome.result} as {outcome.name or '-'} (Odoo id {outcome.odoo_id}); "
        f"status actions: {actions}; payment: {outcome.payment or '-'}"
    )
