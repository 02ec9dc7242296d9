"""``connector worker`` / ``connector beat``: thin wrappers over ``celery -A connector_worker.app worker|beat``.

Every option after the command goes to Celery unchanged (``connector worker -Q orders.webhook -c 4``,
``connector worker --help``). The settings are validated first, so a bad configuration exits with one
line per problem instead of a Celery traceback.
"""

from __future__ import annotations

import click

_PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


def _run_celery(command: str, args: list[str]) -> None:
    from connector_worker.app import app, get_settings, get_tuning  # noqa: PLC0415 - Celery loads on use

    get_settings()
    get_tuning()
    app.start([command, *args])


@click.command("worker", context_settings=_PASS_THROUGH, add_help_option=False)
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run a worker on every queue (or -Q ...); options go to `celery worker`."""
    _run_celery("worker", list(ctx.args))


@click.command("beat", context_settings=_PASS_THROUGH, add_help_option=False)
@click.pass_context
def beat(ctx: click.Context) -> None:
    """Run the scheduler (redbeat: a second one waits for the lock); options go to `celery beat`."""
    _run_celery("beat", list(ctx.args))
