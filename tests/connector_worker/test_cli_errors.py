"""A foreground command whose Odoo or Redis is down says so in one line and exits 1 (no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from connector_worker.cli import main as cli_main
from connector_worker.errors import ConnectorError
from connector_worker.log import register_secrets
from tests.support.ports import closed_port

CONNECTOR = str(Path(sys.executable).with_name("connector"))


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return subprocess.run(
        [CONNECTOR, *args], env={**base, **env}, capture_output=True, text=True, timeout=60, check=False
    )


def test_orders_with_odoo_down_is_one_line() -> None:
    result = _run(
        "orders",
        ODOO_URL=f"http://127.0.0.1:{closed_port()}",
        ODOO_DB="prod",
        ODOO_LOGIN="connector",
        ODOO_API_KEY="k3y-that-must-not-show",
        ODOO_PROTOCOL="json2",
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: TransientError: ") and "Odoo not reachable" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_dlq_list_with_redis_down_is_one_line() -> None:
    result = _run("dlq", "list", REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "Redis" in result.stderr and "Connection refused" in result.stderr


def test_the_error_line_is_scrubbed_of_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # an error whose text carries credentials (say, echoed back by a proxy) is redacted on its one line
    register_secrets(["k3y-known-to-the-process"])

    def failing(**_: object) -> None:
        raise ConnectorError("refused k3y-known-to-the-process with Authorization: Bearer tok-9f8e7d6c5b")

    monkeypatch.setattr(cli_main.cli, "main", failing)
    with pytest.raises(SystemExit) as exited:
        cli_main.main()
    assert exited.value.code == 1
    line = capsys.readouterr().err
    assert line.startswith("error: ConnectorError: refused ")
    assert "k3y-known-to-the-process" not in line and "tok-9f8e7d6c5b" not in line
