"""One sandbox instance: its state, auth, faults, traffic log, webhooks and ASGI app, wired together."""

from __future__ import annotations

from connector_worker.sandbox.magento.app import SandboxApp
from connector_worker.sandbox.magento.auth import Authenticator
from connector_worker.sandbox.magento.config import SandboxConfig
from connector_worker.sandbox.magento.control import ControlHttp, SandboxControl
from connector_worker.sandbox.magento.faults import FaultInjector
from connector_worker.sandbox.magento.seed import seed_state
from connector_worker.sandbox.magento.state import SandboxState
from connector_worker.sandbox.magento.traffic import RequestLog
from connector_worker.sandbox.magento.webhooks import WebhookDispatcher


class MagentoSandbox:
    """A seeded, stateful Magento 2.4.7 double; serve :attr:`app` with any ASGI server."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = (config or SandboxConfig()).with_generated_credentials()
        self.state = SandboxState(self.config)
        seed_state(self.state)
        self.auth = Authenticator(self.config, now=lambda: self.state.clock.now().timestamp())
        self.faults = FaultInjector(self.config.seed)
        self.traffic = RequestLog()
        self.webhooks: WebhookDispatcher | None = None
        if self.config.webhook_url:
            assert self.config.webhook_secret is not None
            self.webhooks = WebhookDispatcher(
                self.config.webhook_url,
                self.config.webhook_secret,
                self.config.instance,
                self.config.webhook_timeout_seconds,
            )
            self.state.subscribe(self.webhooks.enqueue)
        self.control = SandboxControl(self)
        self.control_http = ControlHttp(self)
        self.app = SandboxApp(self)

    def close(self) -> None:
        """Stop background work (webhook delivery)."""
        if self.webhooks is not None:
            self.webhooks.close()
