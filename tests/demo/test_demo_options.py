"""``connector demo``'s options: mistakes are refused before anything starts, with a line saying what to fix."""

from __future__ import annotations

import signal
import socket

import pytest
from click.testing import CliRunner

from connector_worker.cli.demo_cmd import demo


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--odoo-db", "odoo"], "--odoo-db: only with --odoo-url"),
        (["--odoo-url", "http://127.0.0.1:9", "--odoo-password", "a", "--odoo-api-key", "b"], "one of them"),
        (["--odoo-url", "http://127.0.0.1:9"], "give --odoo-password or --odoo-api-key"),
        (["--odoo-url", "http://127.0.0.1:9", "--odoo-password", "a"], "needs --odoo-db and --odoo-login"),
        (["--odoo-url", "erp.example.com", "--odoo-api-key", "k"], "--odoo-url: must be an http(s) URL"),
        (["--instance", "Main Shop"], "lower-case letters"),
        (["--orders", "3"], "3 is not in the range 8<=x<=1000"),
    ],
)
def test_a_wrong_combination_of_options_is_a_usage_error(args: list[str], message: str) -> None:
    result = CliRunner().invoke(demo, args, env={"REDIS_URL": ""})

    assert result.exit_code == 2
    assert message in result.output


def test_an_unreachable_redis_url_fails_at_once_and_restores_the_sigterm_handler() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    before = signal.getsignal(signal.SIGTERM)

    result = CliRunner().invoke(demo, [], env={"REDIS_URL": f"redis://127.0.0.1:{port}/0"})

    assert result.exit_code == 1
    assert "demo failed: REDIS_URL does not answer: ConnectionError" in result.output
    assert "Starting the demo stack" not in result.output
    assert signal.getsignal(signal.SIGTERM) is before
