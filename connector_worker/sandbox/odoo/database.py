"""One sandbox database: its version, schema, store, credentials and seed data.

``Database.reset()`` gives back a fresh database, as after ``odoo -i sale_management,account,stock``
with the module installed (see ``seed.py``).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from connector_worker.sandbox.odoo import seed
from connector_worker.sandbox.odoo.schema import load_schema
from connector_worker.sandbox.odoo.store import Store

ADMIN_UID = 2  # the admin user's id on a fresh Odoo database (1 is OdooBot/__system__)


@dataclass(frozen=True)
class Credentials:
    """The database name and the one user the sandbox knows: login, password and an API key."""

    db: str
    login: str
    password: str
    api_key: str


class Database:
    """A versioned in-memory Odoo database."""

    def __init__(self, version: int, credentials: Credentials) -> None:
        self.version = version
        self.credentials = credentials
        self.schema = load_schema(version)
        self.store = Store()
        self.reset()

    @property
    def name(self) -> str:
        return self.credentials.db

    def reset(self) -> None:
        """Drop every record and seed a fresh database."""
        with self.store.lock:
            self.store.clear()
            with self.store.transaction():
                seed.seed(self)

    def check_password(self, login: str, password: str) -> int | None:
        """The uid for ``login`` with its password or API key (RPC accepts both), else None."""
        creds = self.credentials
        if not isinstance(login, str) or not isinstance(password, str) or login != creds.login:
            return None
        if hmac.compare_digest(password, creds.password) or hmac.compare_digest(password, creds.api_key):
            return ADMIN_UID
        return None

    def check_uid(self, uid: object, password: object) -> bool:
        """``execute_kw``'s check: the uid must be the user and the secret its password or API key."""
        return (
            uid == ADMIN_UID
            and isinstance(password, str)
            and self.check_password(self.credentials.login, password) is not None
        )

    def check_api_key(self, key: str) -> int | None:
        """JSON-2 bearer check: only the API key is accepted, never the password."""
        return ADMIN_UID if key and hmac.compare_digest(key, self.credentials.api_key) else None
