"""Reference data found or created idempotently, and what each lookup costs."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from connector_worker.errors import ConfigurationError
from connector_worker.odoo import CompanyInfo, OdooGateway
from tests.connector_worker.odoo.conftest import Target, rpc_calls, unique
from tests.support.odoo_sandbox import OdooSandboxHandle


def test_the_instance_record_is_created_once_and_kept_up_to_date(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    name = unique("shop")
    with rpc_calls(gateway, sandbox, 2):
        instance_id = gateway.ensure_instance(name, "https://shop.example.com", "default")
    with rpc_calls(gateway, sandbox, 1):
        assert gateway.ensure_instance(name, "https://shop.example.com", "default") == instance_id
    with rpc_calls(gateway, sandbox, 2):
        assert gateway.ensure_instance(name, "https://new.example.com", "en") == instance_id
    [row] = sandbox.read(
        "magento.instance", [("id", "=", instance_id)], ["base_url", "store_code", "company_id"]
    )
    assert (row["base_url"], row["store_code"], row["company_id"][0]) == ("https://new.example.com", "en", 1)


def test_taxes_are_found_by_rate_and_price_included_flag(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, target: Target
) -> None:
    rate = Decimal(uuid.uuid4().int % 900_000 + 100_000) / 10_000  # a rate no other test uses, 4 decimals
    with rpc_calls(gateway, sandbox, 2):
        excluded = gateway.ensure_tax(rate, False)
    with rpc_calls(gateway, sandbox, 1):
        assert gateway.ensure_tax(rate, False) == excluded
    included = gateway.ensure_tax(rate, True)
    assert included != excluded
    assert gateway.ensure_tax(rate, True) == included
    rows = {
        row["id"]: row
        for row in sandbox.read(
            "account.tax",
            [("id", "in", [excluded, included])],
            ["amount", "price_include", "type_tax_use", "name"],
        )
    }
    assert rows[included]["price_include"] is True and rows[excluded]["price_include"] is False
    assert {row["type_tax_use"] for row in rows.values()} == {"sale"}
    assert rows[included]["name"].endswith("% incl.")
    if target.version >= 18:
        [stored] = sandbox.read("account.tax", [("id", "=", included)], ["price_include_override"])
        assert stored["price_include_override"] == "tax_included"


def test_a_pricelist_per_currency_activates_the_currency_once(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    code = "SAR"
    pricelist_id = gateway.ensure_pricelist(code)
    [currency] = sandbox.read("res.currency", [("name", "=", code)], ["active"])
    assert currency["active"] is True
    [pricelist] = sandbox.read("product.pricelist", [("id", "=", pricelist_id)], ["currency_id"])
    assert pricelist["currency_id"][1] == code
    with rpc_calls(gateway, sandbox, 1):
        assert gateway.ensure_pricelist("sar") == pricelist_id
    with pytest.raises(ConfigurationError, match="no currency 'XXX'"):
        gateway.ensure_pricelist("XXX")


def test_company_currency_and_rounding_in_one_call_then_cached(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    with rpc_calls(gateway, sandbox, 1):
        company = gateway.company_info()
    assert company == CompanyInfo(
        id=1,
        name="YourCompany",
        currency_id=company.currency_id,
        currency="USD",
        tax_calculation_rounding_method="round_globally",
    )
    with rpc_calls(gateway, sandbox, 0):
        assert gateway.company_info() is company
    with rpc_calls(gateway, sandbox, 1):
        assert gateway.company_info(refresh=True) == company


def test_countries_by_iso_code_in_one_call(gateway: OdooGateway, sandbox: OdooSandboxHandle) -> None:
    with rpc_calls(gateway, sandbox, 1):
        found = gateway.country_ids(["us", "DE", " fr ", "XX"])
    assert set(found) == {"US", "DE", "FR"}
    assert found["US"] == sandbox.read("res.country", [("code", "=", "US")], ["id"])[0]["id"]
    with rpc_calls(gateway, sandbox, 0):
        assert gateway.country_ids([]) == {}
