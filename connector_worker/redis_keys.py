"""Every Redis key, queue name and TTL the connector uses, in one module, under ``Settings.key_prefix``.

Reading this file tells an operator what the connector keeps in Redis and how long; nothing else in the
code spells a key by hand. Key builders take the parts and return the full key, prefix included.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from mappers.errors import MappingError
from mappers.partner import normalize_email

if TYPE_CHECKING:
    import redis

    from config.settings import Settings

DEFAULT_KEY_PREFIX = "connector:"

# --- Celery queues --------------------------------------------------------------------------------------
# One queue per kind of work so a large pull never starves webhook-driven syncs; a worker started without
# ``-Q`` consumes all of them. kombu stores each queue as a Redis list under ``RedisKeys.celery``.
QUEUE_WEBHOOK = "orders.webhook"  # sync_order enqueued by the webhook receiver: latency matters
QUEUE_PULL = "orders.pull"  # periodic pulls and the syncs they fan out: throughput matters
QUEUE_PUSH = "orders.push"  # Odoo -> Magento pushes relayed from the outbox
QUEUE_CONTROL = "connector.control"  # beat ticks (release delayed retries, outbox relay): tiny and frequent
ALL_QUEUES = (QUEUE_WEBHOOK, QUEUE_PULL, QUEUE_PUSH, QUEUE_CONTROL)

# --- Per-order lock ---------------------------------------------------------------------------------------
# Short, so a worker killed holding the lock (SIGKILL, out of memory) frees the order within ten seconds and
# the redelivered copy goes on soon after; a watchdog thread renews it while the holder is alive, so a long
# sync keeps it.
ORDER_LOCK_TTL_MS = 10_000
# Under a third of the TTL, so two missed renewals in a row (a GC pause, a Redis blip) still leave the third,
# 9 s after the last success, a second before the lock would lapse. The watchdog keeps this cadence however
# long one attempt took, and a holder whose renewals kept failing for a whole TTL stops trusting its lock.
ORDER_LOCK_RENEW_EVERY_MS = 3_000
# How long ``LockBusyError.retry_after`` tells a second copy to wait at most: one TTL, by when even a holder
# that died has freed the lock (a live holder usually ends much sooner).
ORDER_LOCK_BUSY_RETRY_MAX_SECONDS = ORDER_LOCK_TTL_MS / 1000

# --- Webhook dedup -------------------------------------------------------------------------------------------
# A claim taken on receipt and not yet confirmed (the enqueue has not happened): short, so a receiver that
# dies between claim and enqueue frees the event for Magento's own retry a minute later.
WEBHOOK_DEDUP_PENDING_TTL_SECONDS = 60
# Once the sync is enqueued: Magento / Adobe Commerce re-deliver a webhook for hours, so a day covers every
# retry; a duplicate after that only re-syncs an order, which is idempotent.
WEBHOOK_DEDUP_TTL_SECONDS = 24 * 3600

# --- Id caches (SKU -> product id, email -> partner id) ---------------------------------------------------
# An hour: a product or contact renamed or archived in Odoo is seen within the hour, and a stale id fails
# loudly (Odoo MissingError) rather than silently, so the cache is dropped and re-read then.
ID_CACHE_TTL_SECONDS = 3600

# --- Synced markers (entity_id -> updated_at last synced) -------------------------------------------------
# A week: the pull's overlap re-reads recent orders every run, and the marker makes that re-read free. An
# expired marker only costs one idempotent re-sync.
ORDER_SYNCED_TTL_SECONDS = 7 * 24 * 3600

# --- Watermarks ---------------------------------------------------------------------------------------------
# No TTL: a lost watermark means a full re-pull (safe but slow), so it lives as long as Redis does.

# --- Dead letters ----------------------------------------------------------------------------------------------
# Approximate cap of the dead-letter stream (XADD MAXLEN ~): a runaway failure cannot fill Redis, and
# 100,000 entries is weeks of failures for any sane shop. Alert on its length long before.
DEAD_LETTER_MAX_LEN = 100_000
# One dead letter per task id: Celery 5.7 fires task_failure twice for a hard time limit (from the failure
# path and again from on_timeout). A day covers any late second signal; a replay gets a new task id.
DEAD_LETTER_DEDUP_TTL_SECONDS = 24 * 3600

# --- Delayed retries -----------------------------------------------------------------------------------------
# A retry claimed from the delayed set but not confirmed as re-sent within this many seconds is put back:
# the releasing process died between claim and publish. A publish takes milliseconds.
DELAYED_CLAIM_STALE_SECONDS = 60
# How many due retries one release tick moves at most, so one tick stays short however large the backlog.
DELAYED_RELEASE_BATCH = 500


@dataclass(frozen=True)
class RedisKeys:
    """Key builders under one prefix (``Settings.key_prefix``, default ``connector:``)."""

    prefix: str = DEFAULT_KEY_PREFIX

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisKeys:
        """Keys under the configured prefix."""
        return cls(settings.key_prefix)

    @property
    def celery(self) -> str:
        """kombu's ``global_keyprefix`` and the result backend's: queues, unacked, bindings, results."""
        return f"{self.prefix}celery:"

    @property
    def redbeat(self) -> str:
        """celery-redbeat's key prefix (it must end with ':', or its keys run together)."""
        return f"{self.prefix}redbeat:"

    def order_lock(self, instance: str, entity_id: int | str) -> str:
        """Lock held while one Magento order of one instance is synced or pushed."""
        return f"{self.prefix}lock:order:{instance}:{entity_id}"

    def lock(self, name: str) -> str:
        """Any other named lock (e.g. ``pull:<instance>`` so two pulls of one instance never overlap)."""
        return f"{self.prefix}lock:{name}"

    def webhook_dedup(
        self,
        instance: str,
        entity_id: int | str,
        updated_at: str,
        state: str | None = None,
        status: str | None = None,
    ) -> str:
        """Dedup key of one webhook event: the same order at the same ``updated_at``, in the same ``state``
        and ``status`` when the sender gave them, is the same event.

        ``updated_at`` has one-second resolution, so two changes within a second (an order invoiced right
        after it was placed) share it; their state or status tells them apart. Each given part is appended
        as ``:state=…`` / ``:status=…``, percent-encoded so no value can pose as another part; without
        them the key is the plain ``…:<updated_at>``.
        """
        key = f"{self.prefix}dedup:webhook:{instance}:{entity_id}:{updated_at}"
        for name, value in (("state", state), ("status", status)):
            if value is not None:
                key += f":{name}={quote(value, safe='')}"
        return key

    def webhook_request(self, instance: str, request_id: str) -> str:
        """Dedup key of one Adobe Commerce delivery, by its ``x-adobe-commerce-request-id``."""
        return f"{self.prefix}dedup:webhook-request:{instance}:{request_id}"

    def watermark(self, instance: str, stream: str = "orders") -> str:
        """High-water mark of the periodic pull of ``stream`` for ``instance``."""
        return f"{self.prefix}watermark:{instance}:{stream}"

    @property
    def dead_letters(self) -> str:
        """The dead-letter stream."""
        return f"{self.prefix}dlq"

    def dead_letter_written(self, task_id: str) -> str:
        """Marker that the dead letter of ``task_id`` was written (so a second signal does not repeat it)."""
        return f"{self.prefix}dlq:written:{task_id}"

    @property
    def delayed(self) -> str:
        """Sorted set of retries waiting for their due time (score = due time, epoch seconds)."""
        return f"{self.prefix}delayed"

    @property
    def delayed_inflight(self) -> str:
        """Sorted set of retries claimed for release but not yet confirmed sent (score = claim time)."""
        return f"{self.prefix}delayed:inflight"

    def product_by_sku(self, instance: str, sku: str) -> str:
        """Cached Odoo product id for a Magento SKU (the SKU is last, so any character in it is safe)."""
        return f"{self.prefix}cache:product:{instance}:{sku}"

    def partner_by_email(self, instance: str, email: str) -> str:
        """Cached Odoo partner id for a customer email, normalized as Odoo's ``email_normalized`` is (so
        ``A@Example.com`` and ``a@example.com`` share a key, while ``Élodie@x.com`` and ``élodie@x.com``,
        two partners in Odoo, do not)."""
        with suppress(MappingError):  # no address at all: no partner matches it, any distinct key will do
            email = normalize_email(email)
        return f"{self.prefix}cache:partner:{instance}:{email}"

    def address(self, instance: str, partner_id: int, kind: str, digest: str) -> str:
        """Cached Odoo child address (``invoice``/``delivery``) of a customer, by a hash of its values."""
        return f"{self.prefix}cache:address:{instance}:{partner_id}:{kind}:{digest}"

    def order_synced(self, instance: str, entity_id: int | str) -> str:
        """The Magento ``updated_at`` last synced for an order: a pull skips an order seen unchanged."""
        return f"{self.prefix}synced:{instance}:{entity_id}"

    def pull_progress(self, instance: str) -> str:
        """Hash of the running or last pull of ``instance`` (started, pages, orders) for operators."""
        return f"{self.prefix}pull:{instance}"


def drop_prefix(client: redis.Redis, prefix: str, batch: int = 500) -> int:
    """Unlink every key under ``prefix`` (a finished demo or benchmark run on a Redis it did not start), a
    batch at a time so neither side holds the whole key list; how many there were."""
    if not prefix:
        raise ValueError("refusing to drop every key of the database: the prefix is empty")
    dropped = 0
    pending: list[bytes] = []
    for key in client.scan_iter(match=f"{prefix}*", count=batch):
        pending.append(key)
        if len(pending) >= batch:
            dropped += int(client.unlink(*pending))
            pending = []
    if pending:
        dropped += int(client.unlink(*pending))
    return dropped
