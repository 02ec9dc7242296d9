"""``connector sandbox odoo`` starts a real server that prints its URL and credentials."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_cli_serves_the_requested_version_with_generated_credentials() -> None:
    port = _free_port()
    command = [
        sys.executable,
        "-c",
        "from connector_worker.cli.main import main; main()",
        "sandbox",
        "odoo",
        "--port",
        str(port),
        "--version",
        "18",
        "--db",
        "shop",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"}
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert info["url"] == f"http://127.0.0.1:{port}"
        assert (info["version"], info["db"], info["login"]) == (18, "shop", "admin")
        assert len(info["password"]) >= 12 and len(info["api_key"]) == 40
        with xmlrpc.client.ServerProxy(f"{info['url']}/xmlrpc/2/common") as common:
            for _ in range(50):
                try:
                    assert common.version()["server_serie"] == "18.0"
                    break
                except ConnectionRefusedError:
                    time.sleep(0.1)
            assert common.login("shop", "admin", info["password"]) == 2
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
