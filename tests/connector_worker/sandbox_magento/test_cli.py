"""``connector sandbox magento`` runs in the foreground and prints how to reach it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests
from click.testing import CliRunner

from connector_worker.sandbox.magento.cli import _config, magento
from tests.support.magento_contract import validate_exchange

ROOT = Path(__file__).resolve().parents[3]


def test_the_command_prints_its_url_and_credentials_then_serves_until_terminated() -> None:
    connector = str(Path(sys.executable).parent / "connector")
    arguments = [
        "--port",
        "0",
        "--seed",
        "4",
        "--orders",
        "6",
        "--bearer-token",
        "b" * 32,
        "--admin-user",
        "boss",
        "--admin-password",
        "pw-123456",
    ]
    with subprocess.Popen(
        [connector, "sandbox", "magento", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ},
    ) as process:
        try:
            assert process.stdout is not None
            described = json.loads(process.stdout.readline())
            assert described["admin"] == {"username": "boss", "password": "pw-123456"}
            assert described["bearer_token"] == "b" * 32 and described["orders"] == 6
            assert len(described["oauth"]["consumer_key"]) == 32
            base = described["base_url"]
            assert described["rest_url"] == f"{base}/rest/V1/"
            response = requests.get(
                f"{base}/rest/V1/orders/1", headers={"Authorization": f"Bearer {'b' * 32}"}, timeout=10
            )
            validate_exchange(response)
            assert response.status_code == 200
            login = {"username": "boss", "password": "pw-123456"}
            assert (
                requests.post(f"{base}/rest/V1/integration/admin/token", json=login, timeout=10).status_code
                == 200
            )
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(magento, ["--help"])
    assert result.exit_code == 0
    for option in ("--bearer-token", "--admin-user", "--webhook-url", "--consumer-key", "--orders", "--seed"):
        assert option in result.output


def test_bearer_token_and_access_token_must_agree() -> None:
    base = {
        "seed": 1,
        "orders": 1,
        "instance": "x",
        "store_codes": "default",
        "admin_user": "a",
        "admin_password": None,
        "consumer_key": None,
        "consumer_secret": None,
        "access_token": "t1",
        "access_token_secret": None,
        "input_limits": False,
        "legacy_order": False,
        "webhook_url": None,
        "webhook_secret": None,
    }
    config = _config({**base, "bearer_token": None})
    assert config.access_token == "t1" and not config.integration_as_bearer
    result = CliRunner().invoke(magento, ["--port", "0", "--bearer-token", "x", "--access-token", "y"])
    assert result.exit_code == 2 and "give it once" in result.output
