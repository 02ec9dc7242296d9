"""What an operator writes before starting the connector, for end-to-end tests: the instances file, the
Odoo environment, and the shop's catalogue mirrored into Odoo.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import SecretStr

from config.settings import InstanceConfig, OdooSettings
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


def odoo_env(settings: OdooSettings) -> dict[str, str]:
    env = {"ODOO_URL": settings.url, "ODOO_PROTOCOL": settings.protocol}
    for var, value in (("ODOO_DB", settings.db), ("ODOO_LOGIN", settings.login)):
        if value:
            env[var] = value
    if settings.api_key is not None:
        env["ODOO_API_KEY"] = settings.api_key.get_secret_value()
    if settings.password is not None:
        env["ODOO_PASSWORD"] = settings.password.get_secret_value()
    return env


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Decimal):
        return json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key} = {_toml_value(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} to TOML")


def instances_toml(instances: Mapping[str, InstanceConfig], options: Mapping[str, Mapping[str, Any]]) -> str:
    """The instances file an operator would write for ``instances`` (secrets inline, loopback only)."""
    blocks = []
    for name, config in instances.items():
        auth = {
            key: value.get_secret_value() if hasattr(value, "get_secret_value") else value
            for key, value in config.auth.model_dump().items()
        }
        lines = [
            "[[instances]]",
            f"name = {_toml_value(name)}",
            f"base_url = {_toml_value(config.base_url)}",
            f"store_code = {_toml_value(config.store_code)}",
        ]
        if config.webhook_secret is not None:
            lines.append(f"webhook_secret = {_toml_value(config.webhook_secret.get_secret_value())}")
        lines.append("[instances.auth]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in auth.items()]
        lines.append("[instances.options]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in options.get(name, {}).items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def mirror_catalogs(settings: OdooSettings, shops: list[MagentoSandboxHandle]) -> None:
    """Create every shop's catalogue (all but the legacy product) in Odoo, by SKU."""
    gateway = OdooGateway.connect(settings)
    try:
        for shop in shops:
            mirror_products(gateway, [dataclasses.asdict(p) for p in shop.control.mirror_catalog()])
    finally:
        gateway.close()
