"""Typed settings: the process environment plus the TOML instances file named by ``CONNECTOR_CONFIG``.

A bad configuration fails at start with one line per problem (which instance, which key, what is wrong),
so an operator fixes everything in one pass instead of one restart per typo.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from config.status_map import DEFAULT_STATUS_MAP, OdooTarget

# Keys that may hold a secret: each may be given inline, as ``<key>_env`` (name of an environment variable)
# or as ``<key>_file`` (path of a file whose stripped content is the secret, e.g. a Docker/K8s secret).
SECRET_KEYS = frozenset(
    {
        "consumer_key",
        "consumer_secret",
        "access_token",
        "access_token_secret",
        "token",
        "password",
        "webhook_secret",
        "webhook_public_key",
    }
)
INSTANCE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_PAGE_SIZE = 300  # Magento's default webapi/validation/maximum_page_size (reference/magento.md §4.4)


class ConfigError(ValueError):
    """The configuration cannot be used; ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OAuthAuth(_Strict):
    """Magento integration signed with OAuth 1.0a HMAC-SHA256 (the 2.4.4+ default)."""

    type: Literal["oauth"]
    consumer_key: SecretStr
    consumer_secret: SecretStr
    access_token: SecretStr
    access_token_secret: SecretStr


class BearerAuth(_Strict):
    """Integration access token used as a bearer token (needs ``oauth/consumer/enable_integration_as_bearer``)."""

    type: Literal["bearer"]
    token: SecretStr


class AdminAuth(_Strict):
    """Admin user: a token from ``POST /V1/integration/admin/token``, renewed on 401."""

    type: Literal["admin"]
    username: str = Field(min_length=1)
    password: SecretStr


MagentoAuth = Annotated[OAuthAuth | BearerAuth | AdminAuth, Field(discriminator="type")]


class InstanceOptions(_Strict):
    """Per-instance behaviour; every value has a production-safe default."""

    pull_interval_seconds: int = Field(default=300, ge=10)
    pull_overlap_seconds: int = Field(default=600, ge=0)
    # Where the first pull (no watermark yet) starts: a go-live date for a shop whose older orders Odoo
    # must not receive. None: the whole history. Orders last updated before it are never pulled.
    pull_history_from: datetime | None = None
    # The reconcile (DESIGN.md): every so often, list the orders updated in a window and sync those Odoo
    # lacks or holds at another Magento status (a lost message, an order deleted in Odoo). 0 turns it off.
    reconcile_interval_seconds: int = Field(default=6 * 3600, ge=0)
    reconcile_window_seconds: int = Field(default=3 * 24 * 3600, gt=0)
    page_size: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE)
    auto_confirm: bool = True
    auto_payment: bool = True
    payment_journal_code: str | None = None
    status_map: dict[str, OdooTarget] = Field(default_factory=dict)
    unknown_sku: Literal["fail", "create"] = "fail"
    # Magento's tax/calculation/price_includes_tax for this store: "auto" infers it from each order's items.
    prices_include_tax: Literal["auto", "yes", "no"] = "auto"
    amount_tolerance: Decimal = Field(default=Decimal("0.01"), ge=0)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # Below the tasks' 22 s soft time limit (config/celery.py), so a slow answer fails as a timeout the
    # task can retry rather than as a time limit in the middle of a call.
    read_timeout_seconds: float = Field(default=15.0, gt=0)
    max_retries: int = Field(default=5, ge=0, le=20)

    @field_validator("pull_history_from")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-01-01T00:00:00Z")
        return value

    def target_for(self, state: str, status: str | None = None) -> OdooTarget | None:
        """Odoo target for a Magento order: a status override wins over a state override over the default."""
        if status and status in self.status_map:
            return self.status_map[status]
        return self.status_map.get(state) or DEFAULT_STATUS_MAP.get(state)


def http_url(value: str, example: str) -> str:
    """``value`` without its trailing slash, or a ValueError when it is not an http(s) URL with a host."""
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError(f"must be an http(s) URL such as {example}")
    return value.rstrip("/")


class InstanceConfig(_Strict):
    """One Magento store the connector serves."""

    name: str
    base_url: str
    store_code: str = "default"
    auth: MagentoAuth
    webhook_secret: SecretStr | None = None
    webhook_public_key: SecretStr | None = None
    options: InstanceOptions = Field(default_factory=InstanceOptions)

    @field_validator("name")
    @classmethod
    def _name_is_a_slug(cls, value: str) -> str:
        if not INSTANCE_NAME_RE.match(value):
            raise ValueError(
                "must be lower-case letters, digits, '-' or '_' (it is used in URLs and Redis keys)"
            )
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        return http_url(value, "https://shop.example.com")

    @field_validator("store_code")
    @classmethod
    def _store_code_is_a_code(cls, value: str) -> str:
        if not re.match(r"^[a-z0-9_]+$", value):
            raise ValueError("must be a Magento store code (lower-case letters, digits, '_')")
        return value


REDIS_SCHEMES = ("redis", "rediss")  # what kombu's Redis transport takes (it has no unix://)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LOG_LEVEL_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL"}  # names Python's logging also accepts


class OdooSettings(_Strict):
    """How to reach Odoo; ``protocol='auto'`` picks JSON-2 on 19+ and XML-RPC before."""

    url: str = "http://127.0.0.1:8069"
    db: str | None = None
    login: str | None = None
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    protocol: Literal["auto", "xmlrpc", "jsonrpc", "json2"] = "auto"
    # Below the tasks' 22 s soft time limit (config/celery.py); confirming or invoicing is seconds at worst.
    timeout_seconds: float = Field(default=20.0, gt=0)

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        url = http_url(value, "https://erp.example.com")
        if "@" in urlsplit(url).netloc:  # the message never repeats it: it holds a password
            raise ValueError(
                "must not hold user:password@ (the worker signs in with ODOO_API_KEY, or ODOO_LOGIN and "
                "ODOO_PASSWORD)"
            )
        return url


class WebhookSettings(_Strict):
    """The webhook receiver's listen address and input limits."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    timestamp_tolerance_seconds: int = Field(default=300, ge=1)


class Settings(_Strict):
    """Everything a connector process needs; build it with :func:`load_settings`."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    key_prefix: str = "connector:"
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"
    odoo: OdooSettings = Field(default_factory=OdooSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    instances: dict[str, InstanceConfig] = Field(default_factory=dict)

    @field_validator("redis_url")
    @classmethod
    def _redis_url_is_redis(cls, value: str) -> str:
        # Celery, kombu and redis-py each fail on another scheme, later and with a traceback.
        parts = urlsplit(value)
        if parts.scheme not in REDIS_SCHEMES:
            raise ValueError(f"must be a {' or '.join(s + '://' for s in REDIS_SCHEMES)} URL")
        if parts.scheme == "rediss" and "ssl_cert_reqs=" not in parts.query:
            # Celery refuses a rediss:// broker URL without it, at the worker's start
            raise ValueError("a rediss:// URL needs ?ssl_cert_reqs=required (or optional, none)")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level_is_known(cls, value: str) -> str:
        level = _LOG_LEVEL_ALIASES.get(value.upper(), value.upper())
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    def instance(self, name: str) -> InstanceConfig:
        """The named instance, or a :class:`ConfigError` that lists the known names."""
        try:
            return self.instances[name]
        except KeyError:
            known = ", ".join(sorted(self.instances)) or "none configured"
            raise ConfigError([f"instance {name!r}: unknown (known: {known})"]) from None

    def secret_values(self) -> list[str]:
        """Every secret in the configuration, so the log redactor can scrub them from free text."""
        found: list[str] = []
        redis_password = urlsplit(self.redis_url).password
        if redis_password:
            found.append(redis_password)
        for secret in (self.odoo.password, self.odoo.api_key):
            if secret is not None:
                found.append(secret.get_secret_value())
        for inst in self.instances.values():
            for model in (inst, inst.auth):
                for value in model.__dict__.values():
                    if isinstance(value, SecretStr):
                        found.append(value.get_secret_value())
        return [value for value in found if len(value) >= 4]


_ENV_KEYS: dict[str, tuple[str, ...]] = {
    "REDIS_URL": ("redis_url",),
    "CONNECTOR_KEY_PREFIX": ("key_prefix",),
    "LOG_FORMAT": ("log_format",),
    "LOG_LEVEL": ("log_level",),
    "ODOO_URL": ("odoo", "url"),
    "ODOO_DB": ("odoo", "db"),
    "ODOO_LOGIN": ("odoo", "login"),
    "ODOO_PASSWORD": ("odoo", "password"),
    "ODOO_API_KEY": ("odoo", "api_key"),
    "ODOO_PROTOCOL": ("odoo", "protocol"),
    "ODOO_TIMEOUT": ("odoo", "timeout_seconds"),
    "WEBHOOK_HOST": ("webhook", "host"),
    "WEBHOOK_PORT": ("webhook", "port"),
    "WEBHOOK_MAX_BODY_BYTES": ("webhook", "max_body_bytes"),
    "WEBHOOK_TIMESTAMP_TOLERANCE": ("webhook", "timestamp_tolerance_seconds"),
}
_ENV_NAMES = {path: name for name, path in _ENV_KEYS.items()}  # an error names the variable the operator set
_ENV_SECRET_FILES = {"ODOO_PASSWORD_FILE": ("odoo", "password"), "ODOO_API_KEY_FILE": ("odoo", "api_key")}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``environ`` (default ``os.environ``) and ``CONNECTOR_CONFIG``.

    Raises :class:`ConfigError` listing every problem found, one line each.
    """
    env = os.environ if environ is None else environ
    problems: list[str] = []
    raw: dict[str, Any] = {"odoo": {}, "webhook": {}}
    for var, path in _ENV_KEYS.items():
        if env.get(var):
            _put(raw, path, env[var])
    for var, path in _ENV_SECRET_FILES.items():
        if env.get(var):
            secret = _read_secret_file(env[var], f"environment {var}", problems)
            if secret is not None:
                _put(raw, path, secret)

    config_path = env.get("CONNECTOR_CONFIG")
    if config_path:
        raw["instances"] = _load_instances_file(Path(config_path), env, problems)

    settings: Settings | None = None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_describe(exc, raw))
    if problems:
        raise ConfigError(problems)
    assert settings is not None
    if settings.odoo.password is not None and settings.odoo.api_key is not None:
        raise ConfigError(["odoo: set ODOO_PASSWORD or ODOO_API_KEY, not both"])
    return settings


def _put(raw: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = raw
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def _load_instances_file(path: Path, env: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"CONNECTOR_CONFIG: file {str(path)!r} does not exist")
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"CONNECTOR_CONFIG: cannot read {str(path)!r}: {exc}")
        return {}
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"CONNECTOR_CONFIG: {str(path)!r} is not valid TOML: {exc}")
        return {}

    unknown = set(document) - {"defaults", "instances"}
    for key in sorted(unknown):
        problems.append(f"{path.name}: unknown top-level key {key!r} (expected 'defaults' and [[instances]])")
    defaults = _defaults_table(document.get("defaults", {}), path.name, problems)
    entries = document.get("instances", [])
    if not isinstance(entries, list) or not entries:
        problems.append(f"{path.name}: no [[instances]] defined")
        return {}

    instances: dict[str, Any] = {}
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"instance {name!r}" if isinstance(name, str) else f"instances[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{label}: must be a table")
            continue
        resolved = _resolve_secrets(entry, env, label, problems)
        options = resolved.get("options", {})
        if not isinstance(options, dict):
            problems.append(f"{label}: options must be a table ([instances.options])")
            options = {}
        resolved["options"] = {**defaults, **options}
        key = name if isinstance(name, str) else f"#{index}"
        if key in instances:
            problems.append(f"{label}: name is used by more than one instance")
        instances[key] = resolved
    return instances


def _defaults_table(defaults: Any, file_name: str, problems: list[str]) -> dict[str, Any]:
    """``[defaults]``, its unknown keys reported once as its own (not once per instance that inherits them)."""
    if not isinstance(defaults, dict):
        problems.append(f"{file_name}: defaults must be a table ([defaults])")
        return {}
    known = set(InstanceOptions.model_fields)
    for key in sorted(set(defaults) - known):
        problems.append(
            f"defaults: {key}: unknown key (check the spelling against config/instances.example.toml)"
        )
    return {key: value for key, value in defaults.items() if key in known}


_UNRESOLVED_SECRET = "unresolved secret"  # noqa: S105 - a stand-in, not a credential


def _resolve_secrets(
    table: dict[str, Any], env: Mapping[str, str], label: str, problems: list[str]
) -> dict[str, Any]:
    """Replace ``<key>_env`` / ``<key>_file`` entries by the secret they point at, recursively."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and key != "options":
            out[key] = _resolve_secrets(value, env, f"{label}, {key}", problems)
            continue
        base, _, source = key.rpartition("_")
        if base in SECRET_KEYS and source in {"env", "file"}:
            if base in table or f"{base}_{'file' if source == 'env' else 'env'}" in table:
                problems.append(f"{label}: give {base!r} once (inline, {base}_env or {base}_file)")
                continue
            secret = _secret_from(source, value, env, f"{label}: {key}", problems)
            # A stand-in keeps validation from reporting the key missing too: the problem is already listed,
            # and a listed problem always stops the load, so the stand-in is never used.
            out[base] = secret if secret is not None else _UNRESOLVED_SECRET
            continue
        out[key] = value
    return out


def _secret_from(
    source: str, ref: object, env: Mapping[str, str], where: str, problems: list[str]
) -> str | None:
    if not isinstance(ref, str) or not ref:
        problems.append(f"{where}: must be a non-empty string")
        return None
    if source == "env":
        if not env.get(ref):
            problems.append(f"{where}: environment variable {ref} is not set")
            return None
        return env[ref]
    return _read_secret_file(ref, where, problems)


def _read_secret_file(path: str, where: str, problems: list[str]) -> str | None:
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        problems.append(f"{where}: cannot read secret file {path!r} ({exc.strerror or exc})")
        return None
    if not secret:
        problems.append(f"{where}: secret file {path!r} is empty")
        return None
    return secret


def _describe(exc: ValidationError, raw: dict[str, Any]) -> list[str]:
    """One line per pydantic error, naming the instance and the dotted key."""
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if loc and loc[0] == "instances" and len(loc) >= 2:
            name = loc[1]
            where = f"instance {name!r}" if not name.startswith("#") else f"instances[{name[1:]}]"
            key = ".".join(part for part in loc[2:] if part not in {"oauth", "bearer", "admin"})
            if error["type"] == "union_tag_invalid" or (
                key == "auth" and error["type"] == "union_tag_not_found"
            ):
                message = "auth.type must be one of 'oauth', 'bearer', 'admin'"
                lines.append(f"{where}: {message}")
                continue
        else:
            variable = _ENV_NAMES.get(tuple(loc))
            where, key = (variable, "") if variable else ("settings", ".".join(loc))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against config/instances.example.toml)"
        elif error["type"] == "missing":
            message = "is required"
        lines.append(f"{where}: {key}: {message}" if key else f"{where}: {message}")
    return lines
