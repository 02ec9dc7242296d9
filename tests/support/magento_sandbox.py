"""Run the Magento 2.4.7 sandbox as a real HTTP server on loopback for a test, and drive it from Python.

Start one per module or session (seeding and startup take well under a second)::

    from tests.support.magento_sandbox import magento_sandbox

    @pytest.fixture(scope="module")
    def shop():
        with magento_sandbox(seed=7, orders=30, integration_as_bearer=True) as handle:
            yield handle

    def test_reads_an_order(shop):
        config = shop.instance_config(auth="oauth")           # config.settings.InstanceConfig
        ...                                                  # the client under test talks HTTP to shop.base_url
        shop.control.set_faults(error_next=2, error_status=503)
        shop.control.freeze_clock(); shop.control.create_orders(5, state="processing")
        assert shop.control.request_count("GET", "V1/orders") == 1

Options are the fields of :class:`connector_worker.sandbox.magento.SandboxConfig` (seed, orders,
store_codes, admin_username/admin_password, admin_token_lifetime_seconds, consumer_key/consumer_secret/
access_token/access_token_secret, integration_as_bearer, input_limits/default_page_size/max_page_size,
comment_applies_status, clamp_out_of_range_page, legacy_order, webhook_url/webhook_secret, instance).
Credentials not given are generated. The handle's ``control`` is a
:class:`connector_worker.sandbox.magento.SandboxControl` (faults, clock, orders, carts, counters, webhooks).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from config.settings import AdminAuth, BearerAuth, InstanceConfig, InstanceOptions, OAuthAuth
from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig, SandboxControl, SandboxServer

AuthKind = Literal["oauth", "bearer", "admin"]


@dataclass(frozen=True)
class SandboxCredentials:
    """Everything a client needs to authenticate against the sandbox."""

    admin_username: str
    admin_password: str
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str
    integration_as_bearer: bool
    webhook_secret: str | None


@dataclass
class MagentoSandboxHandle:
    """A running sandbox: where it listens, how to log in, and its control API."""

    base_url: str
    credentials: SandboxCredentials
    control: SandboxControl
    config: SandboxConfig
    sandbox: MagentoSandbox
    _server: SandboxServer

    def rest_url(self, endpoint: str = "", store_code: str | None = None) -> str:
        """``http://127.0.0.1:PORT/rest[/<store>]/V1/<endpoint>``."""
        scope = f"/{store_code}" if store_code else ""
        return f"{self.base_url}/rest{scope}/V1/{endpoint.lstrip('/')}"

    def instance_config(
        self,
        name: str = "sandbox",
        *,
        auth: AuthKind = "oauth",
        store_code: str = "default",
        webhook_secret: str | None = None,
        **options: Any,
    ) -> InstanceConfig:
        """A connector ``InstanceConfig`` pointing at this sandbox with the chosen credentials."""
        creds = self.credentials
        chosen: OAuthAuth | BearerAuth | AdminAuth
        if auth == "oauth":
            chosen = OAuthAuth.model_validate(
                {
                    "type": "oauth",
                    "consumer_key": creds.consumer_key,
                    "consumer_secret": creds.consumer_secret,
                    "access_token": creds.access_token,
                    "access_token_secret": creds.access_token_secret,
                }
            )
        elif auth == "bearer":
            chosen = BearerAuth.model_validate({"type": "bearer", "token": creds.access_token})
        else:
            chosen = AdminAuth.model_validate(
                {"type": "admin", "username": creds.admin_username, "password": creds.admin_password}
            )
        return InstanceConfig.model_validate(
            {
                "name": name,
                "base_url": self.base_url,
                "store_code": store_code,
                "auth": chosen,
                "webhook_secret": webhook_secret or creds.webhook_secret,
                "options": InstanceOptions.model_validate(options),
            }
        )

    def stop(self) -> None:
        self._server.stop()


def start_magento_sandbox(config: SandboxConfig | None = None, /, **options: Any) -> MagentoSandboxHandle:
    """Start a sandbox (``config`` and/or :class:`SandboxConfig` fields); call ``handle.stop()`` after."""
    if config is None:
        config = SandboxConfig(**options)
    elif options:
        from dataclasses import replace

        config = replace(config, **options)
    sandbox = MagentoSandbox(config)
    server = SandboxServer(sandbox).start()
    c = sandbox.config
    credentials = SandboxCredentials(
        admin_username=c.admin_username,
        admin_password=c.admin_password,
        consumer_key=c.consumer_key,
        consumer_secret=c.consumer_secret,
        access_token=c.access_token,
        access_token_secret=c.access_token_secret,
        integration_as_bearer=c.integration_as_bearer,
        webhook_secret=c.webhook_secret,
    )
    return MagentoSandboxHandle(server.base_url, credentials, sandbox.control, c, sandbox, server)


@contextmanager
def magento_sandbox(config: SandboxConfig | None = None, /, **options: Any) -> Iterator[MagentoSandboxHandle]:
    """Context manager around :func:`start_magento_sandbox`; the server stops on exit."""
    handle = start_magento_sandbox(config, **options)
    try:
        yield handle
    finally:
        handle.stop()
