"""Settings written back the way an operator writes them: an instances file and the ``ODOO_*`` environment.

The demo, the benchmark and the end-to-end tests start real connector processes, which read their
configuration exactly as in production (``CONNECTOR_CONFIG`` and the environment). They build typed settings
first and write them with these functions, so every such file is one that :func:`config.settings.load_settings`
reads back into the same settings (a test holds that).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import SecretStr

from config.settings import InstanceConfig, OdooSettings

# ODOO_* variable per OdooSettings field, as config.settings reads them.
_ODOO_ENV = {
    "url": "ODOO_URL",
    "db": "ODOO_DB",
    "login": "ODOO_LOGIN",
    "password": "ODOO_PASSWORD",
    "api_key": "ODOO_API_KEY",
    "protocol": "ODOO_PROTOCOL",
    "timeout_seconds": "ODOO_TIMEOUT",
}


def odoo_environment(odoo: OdooSettings) -> dict[str, str]:
    """The ``ODOO_*`` variables that configure ``odoo`` (secrets in clear: for a child's environment only)."""
    env = {}
    for name, var in _ODOO_ENV.items():
        value = getattr(odoo, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is not None:
            env[var] = str(value)
    return env


def instances_toml(instances: Iterable[InstanceConfig]) -> str:
    """The instances file of ``instances``: secrets inline, options only where set (the rest default)."""
    blocks = []
    for instance in instances:
        top = instance.model_dump(mode="json", exclude={"auth", "options"}, exclude_none=True)
        top.update(_secrets(instance, ("webhook_secret", "webhook_public_key")))
        auth = instance.auth.model_dump(mode="json")
        auth.update(_secrets(instance.auth, tuple(auth)))
        options = instance.options.model_dump(mode="json", exclude_unset=True)
        lines = ["[[instances]]", *_assignments(top), "[instances.auth]", *_assignments(auth)]
        if options:
            lines += ["[instances.options]", *_assignments(options)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _secrets(model: Any, names: Iterable[str]) -> dict[str, str]:
    """The clear values of ``model``'s secret fields among ``names`` (pydantic dumps them masked)."""
    values = {name: getattr(model, name) for name in names}
    return {name: value.get_secret_value() for name, value in values.items() if isinstance(value, SecretStr)}


def _assignments(table: Mapping[str, Any]) -> list[str]:
    return [f"{key} = {_toml_value(value)}" for key, value in table.items()]


def _toml_value(value: Any) -> str:
    """A TOML value for what pydantic's JSON mode dumps (strings, numbers, booleans, tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} to TOML")
