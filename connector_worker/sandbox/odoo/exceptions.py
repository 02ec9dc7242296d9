"""Odoo's exception classes as the sandbox raises them, named the way Odoo serializes them on the wire.

Each protocol turns these into its own fault shape (XML-RPC fault codes, JSON-RPC error dicts, JSON-2 HTTP
statuses), so the ORM and business code raise exactly one kind of error, as Odoo does.
"""

from __future__ import annotations


class UserError(Exception):
    """A business rule refused the call (``odoo.exceptions.UserError``): fault 2, JSON-2 422."""

    odoo_name = "odoo.exceptions.UserError"
    http_status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(UserError):
    """A constraint failed (``odoo.exceptions.ValidationError``, a UserError subclass)."""

    odoo_name = "odoo.exceptions.ValidationError"


class MissingError(UserError):
    """A record does not exist or was deleted: JSON-2 404."""

    odoo_name = "odoo.exceptions.MissingError"
    http_status = 404


class AccessError(UserError):
    """Access refused, including private methods: fault 4, JSON-2 403."""

    odoo_name = "odoo.exceptions.AccessError"
    http_status = 403


class AccessDenied(Exception):
    """Wrong credentials: fault 3 (legacy: faultCode ``AccessDenied``)."""

    odoo_name = "odoo.exceptions.AccessDenied"
    http_status = 403

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class SerializationFailure(Exception):
    """What PostgreSQL raises on a concurrent update, as Odoo reports it once its own retries are spent."""

    def __init__(self) -> None:
        super().__init__("could not serialize access due to concurrent update\n")


# Tracebacks and JSON error dicts name the class by module, exactly as psycopg2 does.
SerializationFailure.__module__ = "psycopg2.errors"


class DatabaseMissing(Exception):
    """The database named in the call does not exist (psycopg2 OperationalError in Odoo)."""


DatabaseMissing.__name__ = "OperationalError"
DatabaseMissing.__qualname__ = "OperationalError"
DatabaseMissing.__module__ = "psycopg2"


def odoo_error_name(exc: BaseException) -> str:
    """The ``name`` Odoo puts in JSON error dicts: ``module.ClassName`` (``builtins.ValueError`` too)."""
    explicit = getattr(type(exc), "odoo_name", None)
    if isinstance(explicit, str):
        return explicit
    return f"{type(exc).__module__}.{type(exc).__qualname__}"
