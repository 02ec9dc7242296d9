"""The clients a worker process shares between its tasks: one Magento client per instance, one Odoo gateway.

Built lazily on first use and dropped in a forked child (a prefork pool child must not reuse its parent's
sockets), so every process opens its own pooled connections exactly once.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

import redis

from config.settings import InstanceConfig, Settings
from connector_worker.magento.client import MagentoClient
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.odoo.invoicing import PaymentJournal
from connector_worker.redis_keys import RedisKeys


@dataclass
class OdooIds:
    """Odoo ids that change rarely, kept for the life of a process (per Odoo database).

    Keys are whatever the resolver uses (tax keys, currency codes, country codes, service roles); payment
    journals by the journal code configured (None: the first bank journal).
    """

    instances: dict[str, int] = field(default_factory=dict)
    taxes: dict[Any, int] = field(default_factory=dict)
    pricelists: dict[str, int] = field(default_factory=dict)
    countries: dict[str, int] = field(default_factory=dict)
    services: dict[str, int] = field(default_factory=dict)
    journals: dict[str | None, PaymentJournal] = field(default_factory=dict)


@dataclass
class Runtime:
    """Settings, Redis and the external clients of one process."""

    settings: Settings
    redis: redis.Redis
    keys: RedisKeys
    ids: OdooIds = field(default_factory=OdooIds)
    _magento: dict[str, MagentoClient] = field(default_factory=dict)
    _odoo: OdooGateway | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def instance(self, name: str) -> InstanceConfig:
        """The named instance (a ``ConfigError`` listing the known ones when unknown)."""
        return self.settings.instance(name)

    def magento(self, name: str) -> MagentoClient:
        """The pooled client of instance ``name``."""
        with self._lock:
            client = self._magento.get(name)
            if client is None:
                client = self._magento[name] = MagentoClient(self.settings.instance(name))
            return client

    def odoo(self) -> OdooGateway:
        """The logged-in Odoo gateway (version detected on first use)."""
        with self._lock:
            if self._odoo is None:
                self._odoo = OdooGateway.connect(self.settings.odoo)
            return self._odoo

    def close(self) -> None:
        """Close every pooled connection (clients are rebuilt if used again)."""
        with self._lock:
            for client in self._magento.values():
                client.close()
            self._magento.clear()
            if self._odoo is not None:
                self._odoo.close()
                self._odoo = None
            self.ids = OdooIds()


_runtime: Runtime | None = None
_runtime_pid: int | None = None
_runtime_lock = threading.Lock()


def get_runtime() -> Runtime:
    """This process's runtime, built from the Celery app's settings and Redis client."""
    global _runtime, _runtime_pid  # noqa: PLW0603 - one runtime per process, rebuilt after fork
    from connector_worker.app import get_keys, get_redis, get_settings  # noqa: PLC0415 - avoids a cycle

    with _runtime_lock:
        if _runtime is None or _runtime_pid != os.getpid():
            _runtime = Runtime(get_settings(), get_redis(), get_keys())
            _runtime_pid = os.getpid()
        return _runtime
