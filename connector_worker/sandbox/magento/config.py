"""Sandbox settings: seed, auth credentials, store codes, input limits, webhook target.

Credentials left empty are generated (32 lower-case alphanumerics, the length Magento's OAuth helper
uses for keys, secrets and tokens) so a sandbox never starts without authentication.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, replace

OAUTH_TOKEN_LENGTH = 32
ADMIN_TOKEN_LIFETIME_SECONDS = 4 * 3600  # Magento's oauth/access_token_lifetime/admin default: 4 hours
WEBHOOK_TIMEOUT_SECONDS = 5.0
_ALPHABET = string.ascii_lowercase + string.digits


def generate_token(length: int = OAUTH_TOKEN_LENGTH) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class SandboxConfig:
    """How one sandbox instance behaves; see :meth:`with_generated_credentials`."""

    seed: int = 1
    orders: int = 50
    instance: str = "sandbox"
    # Put the legacy SKU (absent from the demo's Odoo) in exactly one seeded order.
    legacy_order: bool = False
    store_codes: tuple[str, ...] = ("default", "eu")
    admin_username: str = "admin"
    admin_password: str = ""
    admin_token_lifetime_seconds: int = ADMIN_TOKEN_LIFETIME_SECONDS
    consumer_key: str = ""
    consumer_secret: str = ""
    access_token: str = ""
    access_token_secret: str = ""
    # oauth/consumer/enable_integration_as_bearer: off by default since 2.4.4.
    integration_as_bearer: bool = False
    # webapi/validation/input_limit_enabled and its page sizes (disabled by default in Magento).
    input_limits: bool = False
    default_page_size: int = 20
    max_page_size: int = 300
    # 2.4.7 ignores the status sent with a comment (issue #38723); True gives the 2.4.4-2.4.6 behaviour.
    comment_applies_status: bool = False
    # Old Magento collections answered a page past the end with the last page again (issue #3787).
    clamp_out_of_range_page: bool = False
    oauth_timestamp_window_seconds: int = 600
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_timeout_seconds: float = WEBHOOK_TIMEOUT_SECONDS

    def with_generated_credentials(self) -> SandboxConfig:
        """This config with every empty secret replaced by a random one."""
        return replace(
            self,
            admin_password=self.admin_password or generate_token(16),
            consumer_key=self.consumer_key or generate_token(),
            consumer_secret=self.consumer_secret or generate_token(),
            access_token=self.access_token or generate_token(),
            access_token_secret=self.access_token_secret or generate_token(),
            webhook_secret=self.webhook_secret or (generate_token() if self.webhook_url else None),
        )

    def secrets(self) -> list[str]:
        """Every secret value, for log redaction."""
        values = [self.admin_password, self.consumer_secret, self.access_token, self.access_token_secret]
        return [value for value in [*values, self.webhook_secret or ""] if value]
