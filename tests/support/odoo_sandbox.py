"""Start the Odoo sandbox as a real HTTP server on a free loopback port, and steer it from a test.

Usage (start it once per module; ``reset()`` between tests that need a fresh database)::

    from tests.support.odoo_sandbox import OdooSandboxHandle, running_odoo_sandbox

    @pytest.fixture(scope="module")
    def odoo() -> Iterator[OdooSandboxHandle]:
        with running_odoo_sandbox(version=19) as handle:
            yield handle

    def test_something(odoo):
        conn = odoolib.get_connection(hostname=odoo.host, port=odoo.port, protocol="json2",
                                      database=odoo.db, password=odoo.api_key)
        ...
        assert odoo.calls(model="sale.order", method="create") == 1

The handle's API is small and stable: connection facts, call counters, faults, direct reads and calls
(never counted, never faulted), and reset.
"""

from __future__ import annotations

import secrets
import xmlrpc.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import odoolib
from odoolib.rpc import XmlRPCConnector

from connector_worker.sandbox.odoo.app import OdooSandbox
from connector_worker.sandbox.odoo.control import read_records
from connector_worker.sandbox.odoo.database import Credentials
from connector_worker.sandbox.odoo.faults import FaultRule
from connector_worker.sandbox.odoo.server import SandboxServer

Protocol = Literal["xmlrpc", "xmlrpc/2", "jsonrpc", "json2"]


class ClosingXmlRPCConnector(XmlRPCConnector):  # type: ignore[misc]
    """odoo-client-lib's XML-RPC connector (legacy ``/xmlrpc``, a new ``ServerProxy`` per call) that closes
    each proxy once its call is answered.

    The sandbox keeps HTTP/1.1 connections alive as Odoo does; the library never closes its proxies, so
    their sockets would otherwise linger until garbage collection and raise a ResourceWarning (an error
    under pytest). The calls on the wire are exactly the library's.
    """

    def send(self, service_name: str, method: str, *args: Any) -> Any:
        with xmlrpc.client.ServerProxy(f"{self.url}/{service_name}") as service:
            return getattr(service, method)(*args)


@dataclass
class OdooSandboxHandle:
    """A running sandbox: where it listens, how to log in, and a Python control API."""

    url: str
    host: str
    port: int
    db: str
    login: str
    password: str
    api_key: str
    version: int
    sandbox: OdooSandbox = field(repr=False)
    server: SandboxServer = field(repr=False)

    # -- counters -----------------------------------------------------------------------------------
    def calls(
        self, model: str | None = None, method: str | None = None, protocol: Protocol | None = None
    ) -> int:
        """RPCs received, filtered by model/method/protocol; ``common`` service calls have model ``common``."""
        return self.sandbox.counter.count(model, method, protocol)

    def call_log(self) -> list[dict[str, Any]]:
        """Every (protocol, model, method) with its count."""
        return self.sandbox.counter.snapshot()

    def reset_calls(self) -> None:
        self.sandbox.counter.reset()

    # -- faults -------------------------------------------------------------------------------------
    def add_latency(
        self, ms: float, model: str | None = None, method: str | None = None, protocol: Protocol | None = None
    ) -> None:
        """Delay matching calls by ``ms`` before they run (other calls are not held up)."""
        self.sandbox.faults.add(FaultRule("latency", model, method, protocol, None, ms))

    def fail_serialization(
        self,
        times: int = 1,
        model: str | None = None,
        method: str | None = None,
        protocol: Protocol | None = None,
    ) -> None:
        """The next ``times`` matching calls fail with Odoo's serialization failure; nothing is written."""
        self.sandbox.faults.add(FaultRule("serialization", model, method, protocol, times))

    def lose_response(
        self,
        times: int = 1,
        model: str | None = None,
        method: str | None = None,
        protocol: Protocol | None = None,
    ) -> None:
        """The next ``times`` matching calls commit, then a proxy answers 504 (outcome unknown)."""
        self.sandbox.faults.add(FaultRule("lost_response", model, method, protocol, times))

    def close_connections(
        self,
        times: int | None = None,
        model: str | None = None,
        method: str | None = None,
        protocol: Protocol | None = None,
    ) -> None:
        """Answer matching calls with ``Connection: close`` (a proxy that does not keep connections alive)."""
        self.sandbox.faults.add(FaultRule("close_connection", model, method, protocol, times))

    def down(self, seconds: float, mode: Literal["refuse", "502"] = "refuse") -> None:
        """Refuse connections (or answer a proxy's 502) for ``seconds``; ``up()`` ends it early."""
        self.sandbox.faults.set_down(seconds, mode)
        if mode == "refuse":
            self.server.refuse_for(seconds)

    def up(self) -> None:
        self.server.restore()

    def clear_faults(self) -> None:
        self.sandbox.faults.clear()
        self.server.restore()

    # -- data ---------------------------------------------------------------------------------------
    def read(
        self, model: str, domain: list[Any] | None = None, fields: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Records as ``read`` renders them, archived ones included, straight from the database."""
        return read_records(self.sandbox, model, domain or [], fields)

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run a public method as the admin (XML-RPC argument conventions), uncounted and unfaulted."""
        return self.sandbox.dispatcher.execute_direct(model, method, list(args), kwargs)

    def reset(self) -> None:
        """A fresh database, zero counters, no faults."""
        self.sandbox.reset()
        self.server.restore()

    # -- clients ------------------------------------------------------------------------------------
    def connection(self, protocol: Literal["xmlrpc", "jsonrpc", "json2"] = "xmlrpc") -> Any:
        """An odoo-client-lib connection (json2 logs in with the API key, the others with the password).

        Over XML-RPC each call's proxy is closed after its answer (``ClosingXmlRPCConnector``).
        """
        secret = self.api_key if protocol == "json2" else self.password
        if protocol == "xmlrpc":
            connector = ClosingXmlRPCConnector(self.host, self.port)
            return odoolib.Connection(connector, self.db, self.login, secret)
        return odoolib.get_connection(
            hostname=self.host,
            protocol=protocol,
            port=self.port,
            database=self.db,
            login=self.login,
            password=secret,
        )


@contextmanager
def running_odoo_sandbox(
    version: int = 19,
    *,
    db: str = "odoo",
    login: str = "admin",
    password: str | None = None,
    api_key: str | None = None,
    host: str = "127.0.0.1",
) -> Iterator[OdooSandboxHandle]:
    """Serve a fresh Odoo ``version`` (17, 18 or 19) sandbox until the block ends."""
    credentials = Credentials(db, login, password or secrets.token_hex(8), api_key or secrets.token_hex(20))
    sandbox = OdooSandbox(version, credentials)
    server = SandboxServer(sandbox, host=host, port=0)
    server.start()
    try:
        yield OdooSandboxHandle(
            url=server.url,
            host=host,
            port=server.port,
            db=db,
            login=login,
            password=credentials.password,
            api_key=credentials.api_key,
            version=version,
            sandbox=sandbox,
            server=server,
        )
    finally:
        server.stop()
