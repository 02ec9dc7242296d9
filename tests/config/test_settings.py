"""Settings: the environment and the instances file become typed settings, or one clear line per problem."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import ConfigError, InstanceOptions, load_settings
from config.status_map import OdooTarget

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "instances.example.toml"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "instances.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_environment_only_gives_defaults_and_no_instances() -> None:
    settings = load_settings(
        {"REDIS_URL": "redis://r:6379/1", "ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod"}
    )
    assert settings.redis_url == "redis://r:6379/1"
    assert settings.odoo.db == "prod"
    assert settings.odoo.protocol == "auto"
    assert settings.instances == {}


def test_the_shipped_example_loads_when_its_secrets_are_provided(tmp_path: Path) -> None:
    secret_file = tmp_path / "ats"
    secret_file.write_text("access-token-secret\n", encoding="utf-8")
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "/run/secrets/magento_main_access_token_secret", str(secret_file)
    )
    env = {
        "CONNECTOR_CONFIG": write(tmp_path, text),
        "MAGENTO_MAIN_WEBHOOK_SECRET": "whsec-main",
        "MAGENTO_MAIN_CONSUMER_KEY": "ck",
        "MAGENTO_MAIN_CONSUMER_SECRET": "cs-secret",
        "MAGENTO_MAIN_ACCESS_TOKEN": "at-token",
        "MAGENTO_EU_WEBHOOK_SECRET": "whsec-eu",
        "MAGENTO_EU_TOKEN": "eu-bearer",
    }
    settings = load_settings(env)
    main = settings.instance("main")
    assert main.auth.type == "oauth"
    assert main.auth.access_token_secret.get_secret_value() == "access-token-secret"
    assert main.options.amount_tolerance == Decimal("0.01")
    assert main.options.target_for("holded") is OdooTarget.ON_HOLD
    assert main.options.target_for("processing", "fraud") is OdooTarget.QUOTATION
    assert settings.instance("eu").store_code == "eu_en"
    assert "eu-bearer" in settings.secret_values()


def test_every_problem_is_reported_once_with_instance_and_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[instances]]
name = "shop"
base_url = "ftp://nope"
[instances.auth]
type = "oauth"
consumer_key = "k"
consumer_secret_env = "MISSING_SECRET"
access_token = "t"
[instances.options]
page_size = 500
colour = "blue"

[[instances]]
name = "second"
base_url = "https://b.example.com"
[instances.auth]
type = "carrier-pigeon"
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings({"CONNECTOR_CONFIG": path})
    problems = caught.value.problems
    assert (
        "instance 'shop', auth: consumer_secret_env: environment variable MISSING_SECRET is not set"
        in problems
    )
    assert any(p.startswith("instance 'shop': base_url: ") and "http(s) URL" in p for p in problems)
    assert any(p.startswith("instance 'shop': options.page_size: ") and "300" in p for p in problems)
    assert any(p.startswith("instance 'shop': options.colour: unknown key") for p in problems)
    assert "instance 'second': auth.type must be one of 'oauth', 'bearer', 'admin'" in problems
    assert len(problems) == len(set(problems))


def test_missing_or_invalid_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"CONNECTOR_CONFIG": str(tmp_path / "absent.toml")})
    assert caught.value.problems == [
        f"CONNECTOR_CONFIG: file {str(tmp_path / 'absent.toml')!r} does not exist"
    ]

    with pytest.raises(ConfigError) as caught:
        load_settings({"CONNECTOR_CONFIG": write(tmp_path, "[[instances]\nname=")})
    assert len(caught.value.problems) == 1
    assert "is not valid TOML" in caught.value.problems[0]


def test_a_secret_given_twice_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[instances]]
name = "shop"
base_url = "https://a.example.com"
[instances.auth]
type = "bearer"
token = "inline"
token_env = "ALSO"
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings({"CONNECTOR_CONFIG": path, "ALSO": "x"})
    assert any("give 'token' once" in p for p in caught.value.problems)


def test_secret_files_for_odoo_and_both_credentials_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("odoo-api-key\n", encoding="utf-8")
    settings = load_settings({"ODOO_API_KEY_FILE": str(key_file)})
    assert settings.odoo.api_key is not None
    assert settings.odoo.api_key.get_secret_value() == "odoo-api-key"
    with pytest.raises(ConfigError, match="not both"):
        load_settings({"ODOO_API_KEY": "k", "ODOO_PASSWORD": "p"})


def test_the_redis_password_counts_as_a_secret() -> None:
    settings = load_settings({"REDIS_URL": "redis://:s3cret-broker@redis:6379/0"})
    assert "s3cret-broker" in settings.secret_values()


def test_unknown_instance_names_the_known_ones() -> None:
    settings = load_settings({})
    with pytest.raises(ConfigError, match="unknown \\(known: none configured\\)"):
        settings.instance("nope")


def test_a_go_live_date_without_a_utc_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        InstanceOptions.model_validate({"pull_history_from": "2026-01-01T00:00:00"})
    aware = InstanceOptions.model_validate({"pull_history_from": "2026-01-01T00:00:00Z"})
    assert aware.pull_history_from is not None and aware.pull_history_from.utcoffset() is not None


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("REDIS_URL", "htp://r:6379/0", "REDIS_URL: must be a redis:// or rediss:// URL"),
        ("REDIS_URL", "unix:///run/redis.sock", "REDIS_URL: must be a redis:// or rediss:// URL"),
        ("REDIS_URL", "rediss://r:6380/0", "REDIS_URL: a rediss:// URL needs ?ssl_cert_reqs="),
        ("ODOO_URL", "ftp://odoo", "ODOO_URL: must be an http(s) URL such as https://erp.example.com"),
        ("ODOO_URL", "https://bob:hunter2@odoo", "ODOO_URL: must not hold user:password@"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("WEBHOOK_PORT", "abc", "WEBHOOK_PORT: Input should be a valid integer"),
    ],
)
def test_a_bad_environment_variable_is_named_as_the_operator_set_it(
    variable: str, value: str, problem: str
) -> None:
    # each used to pass check-config and then fail every command with a traceback (or a level error)
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value})
    assert [line for line in caught.value.problems if line.startswith(problem)], caught.value.problems
    assert "hunter2" not in str(caught.value.problems)


def test_a_log_level_is_read_in_any_case_and_as_logging_spells_it() -> None:
    assert load_settings({"LOG_LEVEL": "debug"}).log_level == "DEBUG"
    assert load_settings({"LOG_LEVEL": "WARN"}).log_level == "WARNING"
    assert load_settings({"REDIS_URL": "rediss://r:6380/0?ssl_cert_reqs=required"}).redis_url.startswith(
        "rediss"
    )


INSTANCE_TABLE = """
[[instances]]
name = "{name}"
base_url = "https://shop.example.com"
store_code = "default"
webhook_secret_env = "WH"
{options}
[instances.auth]
type = "bearer"
token_env = "TOK"
"""


def test_defaults_or_options_that_are_not_tables_are_problems_not_tracebacks(tmp_path: Path) -> None:
    text = "defaults = 5\n" + INSTANCE_TABLE.format(name="main", options='options = "fast"')
    with pytest.raises(ConfigError) as caught:
        load_settings({"CONNECTOR_CONFIG": write(tmp_path, text), "WH": "whsec-1", "TOK": "tok-1"})
    assert caught.value.problems == [
        "instances.toml: defaults must be a table ([defaults])",
        "instance 'main': options must be a table ([instances.options])",
    ]


def test_a_typo_in_defaults_is_reported_once_as_the_defaults(tmp_path: Path) -> None:
    text = "[defaults]\npull_intervall_seconds = 5\n" + "".join(
        INSTANCE_TABLE.format(name=name, options="") for name in ("main", "eu")
    )
    with pytest.raises(ConfigError) as caught:
        load_settings({"CONNECTOR_CONFIG": write(tmp_path, text), "WH": "whsec-1", "TOK": "tok-1"})
    assert caught.value.problems == [
        "defaults: pull_intervall_seconds: unknown key (check the spelling against config/instances.example.toml)"
    ]


def test_a_secret_that_cannot_be_found_is_one_problem_not_two(tmp_path: Path) -> None:
    # the shipped example without its secrets: each missing one used to add "<key>: is required" as well
    with pytest.raises(ConfigError) as caught:
        load_settings({"CONNECTOR_CONFIG": str(EXAMPLE)})
    problems = caught.value.problems
    assert len(problems) == 7, problems
    assert not [line for line in problems if "is required" in line]
    assert "instance 'eu', auth: token_env: environment variable MAGENTO_EU_TOKEN is not set" in problems
