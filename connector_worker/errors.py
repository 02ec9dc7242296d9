"""The connector's error tree: every failure is transient (retry later) or permanent (dead letter now).

Clients translate foreign exceptions (requests, http.client, xmlrpc, redis) into these at one boundary, so tasks
decide retry vs dead letter from the class alone.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error the connector raises on purpose."""


class TransientError(ConnectorError):
    """Worth retrying: timeouts, connection errors, 429, 502/503/504, Odoo serialization failures."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknownError(TransientError):
    """The request was sent but no answer came back: the write may or may not have happened.

    Callers must re-read before retrying a create, or they risk creating the record twice.
    """


class LockBusyError(TransientError):
    """Another worker holds the per-order lock; try again shortly."""


class PermanentError(ConnectorError):
    """Retrying cannot help: bad data, a refused request, missing configuration."""


class AuthenticationError(PermanentError):
    """Credentials were refused (after the one renewal an admin token gets)."""


class NotFoundError(PermanentError):
    """The remote record does not exist (Magento 404, Odoo MissingError)."""


class RemoteRejectedError(PermanentError):
    """The remote system refused the request with a message of its own (Magento 4xx, Odoo UserError)."""


class MappingError(PermanentError):
    """A Magento record cannot be turned into Odoo values (unknown SKU, missing product, bad data)."""


class ConfigurationError(PermanentError):
    """Something the connector needs is not configured (instance, journal, tax, credentials)."""
