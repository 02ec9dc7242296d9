"""``connector webhook``: serve the webhook receiver with uvicorn, queueing into the Celery app's broker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from config.settings import Settings, load_settings
from connector_worker.log import configure_logging, get_logger

if TYPE_CHECKING:
    from connector_worker.webhook.receiver import SendTask

# uvicorn's own timeouts: idle keep-alive connections are dropped soon (senders open a new one per event
# anyway), and a stop waits this long for in-flight deliveries before closing them.
KEEP_ALIVE_SECONDS = 5
GRACEFUL_SHUTDOWN_SECONDS = 10


@click.command("webhook")
@click.option("--host", default=None, help="Listen address (default: WEBHOOK_HOST, else 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Listen port (default: WEBHOOK_PORT, else 8080).",
)
def webhook(host: str | None, port: int | None) -> None:
    """Receive Magento webhooks: authenticate, deduplicate, queue orders.sync (POST /webhooks/magento/NAME)."""
    import uvicorn  # noqa: PLC0415 - heavy imports stay out of the other subcommands

    from connector_worker.app import app as celery_app  # noqa: PLC0415
    from connector_worker.webhook.app import create_app, redis_client  # noqa: PLC0415

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level, secrets=_secrets(settings))
    web = create_app(settings, redis_client(settings.redis_url), send_only(celery_app))
    host = host or settings.webhook.host
    port = settings.webhook.port if port is None else port
    log = get_logger("connector_worker.webhook")
    if not settings.instances:
        log.warning("no instances configured (CONNECTOR_CONFIG): every webhook will get 404")
    for name, instance in sorted(settings.instances.items()):
        if instance.webhook_secret is None and instance.webhook_public_key is None:
            log.warning(
                "webhooks refused for instance: no webhook_secret or webhook_public_key", instance=name
            )
    log.info("webhook receiver starting", host=host, port=port, instances=sorted(settings.instances))
    uvicorn.run(
        web,
        host=host,
        port=port,
        log_config=None,  # keep our structlog handler: uvicorn's lines are redacted like ours
        access_log=False,  # the receiver logs one line per delivery itself, with the outcome
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def send_only(celery_app: Any) -> SendTask:
    """``celery_app.send_task`` for a process that sends tasks and never reads their results.

    With a result backend configured, Celery subscribes the sender to each sent task's result channel and
    never unsubscribes one nobody waits on (measured: 2,000 sends, 2,000 channels held by the process), and
    with Redis down a send spends ~19 s reconnecting to the result store before failing (0.6 s without).
    Workers keep storing results: they read their own configuration, and the message does not ask otherwise.
    """
    celery_app.conf.result_backend = None
    send: SendTask = celery_app.send_task
    return send


def _secrets(settings: Settings) -> list[str]:
    """Every configured secret, plus the Redis password (a broker error message may quote the URL)."""
    found = settings.secret_values()
    password = urlsplit(settings.redis_url).password
    if password:
        found.append(password)
    return found
