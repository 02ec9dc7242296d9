"""What an operator prepares before starting the connector, for end-to-end tests: the Odoo settings and the
shops' catalogues mirrored into Odoo (the files themselves are written by ``config.render``).
"""

from __future__ import annotations

import dataclasses

from pydantic import SecretStr

from config.settings import OdooSettings
from connector_worker.demo.catalog import mirror_products
from connector_worker.odoo.gateway import OdooGateway
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle


def odoo_settings(odoo: OdooSandboxHandle) -> OdooSettings:
    """JSON-2 with the API key on 19, XML-RPC with the password before (what ``protocol=auto`` picks)."""
    if odoo.version >= 19:
        return OdooSettings(
            url=odoo.url, db=odoo.db, login=odoo.login, api_key=SecretStr(odoo.api_key), protocol="json2"
        )
    return OdooSettings(
        url=odoo.url, db=odoo.db, login=odoo.login, password=SecretStr(odoo.password), protocol="auto"
    )


def mirror_catalogs(settings: OdooSettings, shops: list[MagentoSandboxHandle]) -> None:
    """Create every shop's catalogue (all but the legacy product) in Odoo, by SKU."""
    gateway = OdooGateway.connect(settings)
    try:
        for shop in shops:
            mirror_products(gateway, [dataclasses.asdict(p) for p in shop.control.mirror_catalog()])
    finally:
        gateway.close()
