"""Run an ``OdooSandbox`` as a real HTTP server (uvicorn) in a background thread or in the foreground.

A "refuse" down period closes the listening socket (clients get *connection refused*) and reopens it on
the same port when the period ends, like an Odoo process being restarted.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import uvicorn

from connector_worker.sandbox.odoo.app import OdooSandbox, build_app

START_TIMEOUT_SECONDS = 10.0


def _bind(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP, and
    # without it uvicorn's separate header/body writes meet delayed ACKs (40 ms per kept-alive request).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class SandboxServer:
    """Serves one sandbox on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, sandbox: OdooSandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.host = host
        self._socket = _bind(host, port)
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            build_app(sandbox),
            log_level="warning",
            lifespan="off",
            access_log=False,
            ws="none",
            http="h11",
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._loop_thread: int | None = None
        self._listening = True
        sandbox.on_down = self.refuse_for

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        await self._server.serve(sockets=[self._socket])

    def run(self) -> None:
        """Serve in the foreground until interrupted (the CLI)."""
        asyncio.run(self._main())

    def start(self) -> None:
        """Serve from a daemon thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self.run, name=f"odoo-sandbox-{self.port}", daemon=True)
        self._thread.start()
        ready = threading.Event()
        while not self._server.started and self._thread.is_alive():
            ready.wait(0.01)
        if not self._server.started:
            raise RuntimeError("the Odoo sandbox did not start")

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=START_TIMEOUT_SECONDS)

    # -- down periods -------------------------------------------------------------------------------
    def refuse_for(self, seconds: float) -> None:
        """Stop listening now and listen again after ``seconds`` (callable from any thread)."""
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            asyncio.ensure_future(self._refuse(seconds))  # noqa: RUF006  (the loop keeps it alive)
        else:
            asyncio.run_coroutine_threadsafe(self._refuse(seconds), loop).result(START_TIMEOUT_SECONDS)

    async def _refuse(self, seconds: float) -> None:
        if not self._listening:
            return
        self._listening = False
        for server in self._server.servers:
            server.close()
        self._socket.close()
        loop = asyncio.get_running_loop()
        loop.call_later(seconds, lambda: asyncio.ensure_future(self._reopen()))

    async def _reopen(self) -> None:
        if self._server.should_exit or self._listening:
            return
        self._socket = _bind(self.host, self.port)
        self._listening = True
        await self._server.startup(sockets=[self._socket])

    def restore(self) -> None:
        """End a down period at once (both modes)."""
        self.sandbox.faults.set_down(0, "502")
        loop = self._loop
        if loop is not None and not self._listening:
            asyncio.run_coroutine_threadsafe(self._reopen(), loop).result(START_TIMEOUT_SECONDS)


def describe(server: SandboxServer) -> dict[str, Any]:
    """What the CLI prints: where the server is and how to log in."""
    creds = server.sandbox.credentials
    return {
        "url": server.url,
        "version": server.sandbox.version,
        "db": creds.db,
        "login": creds.login,
        "password": creds.password,
        "api_key": creds.api_key,
    }
