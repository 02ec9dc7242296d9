"""Both sandboxes and a runtime wired to them, for the workflow tests (no Celery: the workflows inline)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from config.settings import OdooSettings, Settings
from connector_worker.demo.catalog import mirror_products
from connector_worker.redis_keys import RedisKeys
from connector_worker.runtime import Runtime
from tests.support.magento_sandbox import MagentoSandboxHandle, magento_sandbox
from tests.support.odoo_sandbox import OdooSandboxHandle, running_odoo_sandbox

INSTANCE = "main"


@pytest.fixture(scope="module")
def shop() -> Iterator[MagentoSandboxHandle]:
    with magento_sandbox(seed=11, orders=24, integration_as_bearer=True, legacy_order=True) as handle:
        yield handle


@pytest.fixture(scope="module")
def odoo() -> Iterator[OdooSandboxHandle]:
    with running_odoo_sandbox(version=19) as handle:
        yield handle


def make_settings(
    shop: MagentoSandboxHandle, odoo: OdooSandboxHandle, redis_url: str, prefix: str, **options: Any
) -> Settings:
    """Settings for one Magento instance ``main`` on the sandbox and the Odoo sandbox over JSON-2."""
    instance = shop.instance_config(INSTANCE, auth="bearer", **options)
    return Settings(
        redis_url=redis_url,
        key_prefix=prefix,
        odoo=OdooSettings(url=odoo.url, db=odoo.db, login=odoo.login, api_key=odoo.api_key, protocol="json2"),
        instances={INSTANCE: instance},
    )


@pytest.fixture
def runtime(
    shop: MagentoSandboxHandle, odoo: OdooSandboxHandle, redis_url: str, key_prefix: str
) -> Iterator[Runtime]:
    """A fresh Odoo database with the shop's catalogue, and a runtime on a fresh key prefix."""
    odoo.reset()
    settings = make_settings(shop, odoo, redis_url, key_prefix)
    client = redis.Redis.from_url(redis_url)
    rt = Runtime(settings, client, RedisKeys(key_prefix))
    mirror_products(rt.odoo(), [dataclasses.asdict(p) for p in shop.control.mirror_catalog()])
    try:
        yield rt
    finally:
        rt.close()
        client.close()
