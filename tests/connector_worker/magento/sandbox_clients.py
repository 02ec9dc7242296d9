"""Clients for the Magento sandbox in the three auth modes, with a retry budget short enough for tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from connector_worker.magento import Exchange, MagentoClient, RetryPolicy
from tests.support.magento_sandbox import AuthKind, MagentoSandboxHandle

FAST_RETRY = RetryPolicy(attempts=3, initial_wait_seconds=0.01, max_wait_seconds=0.05, jitter_seconds=0.01)
AUTH_KINDS: tuple[AuthKind, ...] = ("oauth", "bearer", "admin")


def client_for(
    shop: MagentoSandboxHandle,
    auth: AuthKind = "oauth",
    *,
    retry: RetryPolicy = FAST_RETRY,
    sleep: Callable[[float], None] = time.sleep,
    on_exchange: Callable[[Exchange], None] | None = None,
    store_code: str = "default",
    **options: Any,
) -> MagentoClient:
    """A client of ``shop`` (options are :class:`InstanceOptions` fields, e.g. ``read_timeout_seconds``)."""
    instance = shop.instance_config(auth=auth, store_code=store_code, **options)
    return MagentoClient(instance, retry=retry, sleep=sleep, on_exchange=on_exchange)
