"""Runs a :class:`MagentoSandbox` with uvicorn on a loopback port, in a background thread or in front.

The background mode is what tests and benchmarks use: :meth:`SandboxServer.start` returns once the
socket accepts connections, :meth:`SandboxServer.stop` shuts uvicorn down cleanly.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from connector_worker.sandbox.magento.instance import MagentoSandbox

START_TIMEOUT_SECONDS = 15.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SandboxServer:
    """uvicorn serving one sandbox; ``port=0`` picks a free port."""

    def __init__(self, sandbox: MagentoSandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.host = host
        self.port = port or free_port(host)
        config = uvicorn.Config(
            sandbox.app,
            host=host,
            port=self.port,
            http="h11",
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=30,
            backlog=2048,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; returns when the server is accepting connections."""
        self._thread = threading.Thread(
            target=self._server.run, name=f"magento-sandbox-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"Magento sandbox did not start on {self.base_url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop at once: in-flight trickles and keep-alive connections are cut, not drained."""
        self._server.should_exit = True
        self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.sandbox.close()

    def run(self) -> None:
        """Serve in the foreground until interrupted (the CLI)."""
        try:
            self._server.run()
        finally:
            self.sandbox.close()
