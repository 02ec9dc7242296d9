"""What the demo, the benchmark and the e2e tests write for their processes loads back into the same settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from pydantic import SecretStr

from config.render import instances_toml, odoo_environment
from config.settings import (
    AdminAuth,
    BearerAuth,
    InstanceConfig,
    InstanceOptions,
    OAuthAuth,
    OdooSettings,
    load_settings,
)
from config.status_map import OdooTarget


def test_instances_and_odoo_settings_load_back_unchanged(tmp_path: Path) -> None:
    # given three instances, one per kind of Magento auth, with secrets that need quoting and some options
    oauth = OAuthAuth(
        type="oauth",
        consumer_key=SecretStr("ck"),
        consumer_secret=SecretStr('c"s\\1'),
        access_token=SecretStr("at"),
        access_token_secret=SecretStr("ats"),
    )
    instances = [
        InstanceConfig(
            name="eu",
            base_url="https://eu.example.com",
            store_code="eu_store",
            auth=oauth,
            webhook_secret=SecretStr("hook-secret"),
            options=InstanceOptions(
                page_size=250,
                auto_payment=False,
                amount_tolerance=Decimal("0.05"),
                status_map={"pending_payment": OdooTarget.CONFIRMED},
                payment_journal_code="BNK2",
                pull_history_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            ),
        ),
        InstanceConfig(
            name="us", base_url="https://us.example.com", auth=BearerAuth(type="bearer", token=SecretStr("t"))
        ),
        InstanceConfig(
            name="b2b",
            base_url="https://b2b.example.com",
            auth=AdminAuth(type="admin", username="api", password=SecretStr("pw")),
            webhook_public_key=SecretStr("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----"),
        ),
    ]
    odoo = OdooSettings(
        url="https://erp.example.com", db="prod", login="bot", api_key=SecretStr("k-1"), protocol="json2"
    )
    # when they are written as an operator would and loaded as a process would
    path = tmp_path / "instances.toml"
    path.write_text(instances_toml(instances), encoding="utf-8")
    settings = load_settings({"CONNECTOR_CONFIG": str(path), **odoo_environment(odoo)})
    # then everything comes back as it was, secrets included
    assert settings.odoo == odoo
    assert settings.instances == {instance.name: instance for instance in instances}
    assert settings.instance("eu").auth.consumer_secret.get_secret_value() == 'c"s\\1'  # type: ignore[union-attr]
    # and only the options that were set are written (the others keep following the defaults)
    assert "pull_interval_seconds" not in path.read_text(encoding="utf-8")


def test_the_odoo_environment_leaves_out_what_is_not_set() -> None:
    env = odoo_environment(OdooSettings(url="http://odoo:8069", password=SecretStr("pw")))
    assert env == {
        "ODOO_URL": "http://odoo:8069",
        "ODOO_PASSWORD": "pw",
        "ODOO_PROTOCOL": "auto",
        "ODOO_TIMEOUT": "20.0",
    }
