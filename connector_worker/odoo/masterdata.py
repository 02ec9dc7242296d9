"""Reference data the sync needs in Odoo, found or created idempotently: the Magento instance record, sale
taxes by (rate, price included), a pricelist per currency, the company's currency and rounding, countries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connector_worker.errors import ConfigurationError
from connector_worker.log import get_logger
from connector_worker.odoo.errors import OdooRejectedError
from connector_worker.odoo.rpc import OdooRpc

log = get_logger(__name__)

_INCLUDE_ARCHIVED = {"active_test": False}
# One RPC for the user's company, its currency and its rounding method (web_read follows the relations).
_COMPANY_SPEC: dict[str, Any] = {
    "company_id": {
        "fields": {
            "name": {},
            "currency_id": {"fields": {"name": {}}},
            "tax_calculation_rounding_method": {},
        }
    }
}


@dataclass(frozen=True)
class CompanyInfo:
    """The company orders are created in: its currency and how it rounds taxes (per line or globally)."""

    id: int
    name: str
    currency_id: int
    currency: str
    tax_calculation_rounding_method: str


class MasterDataOps(OdooRpc):
    """Find-or-create operations; each is safe to run twice and concurrently."""

    _company: CompanyInfo | None = None

    def ensure_instance(self, name: str, base_url: str, store_code: str) -> int:
        """The ``magento.instance`` named ``name``, created or brought up to date: one RPC when unchanged."""
        wanted = {"base_url": base_url, "store_code": store_code}
        found = self._instance(name)
        if found is None:
            try:
                return self.create("magento.instance", [{"name": name, **wanted}])[0]
            except OdooRejectedError as exc:
                found = self._instance(name)  # another worker created it first (unique name)
                if found is None:
                    raise exc from None
        if not found.get("active", True):
            log.warning("odoo.instance_archived", instance=name, instance_id=found["id"])
        changes = {key: value for key, value in wanted.items() if found.get(key) != value}
        if changes:
            self.write("magento.instance", [found["id"]], changes)
        return int(found["id"])

    def _instance(self, name: str) -> dict[str, Any] | None:
        fields = ["id", "name", "base_url", "store_code", "active"]
        rows = self.search_read(
            "magento.instance", [("name", "=", name)], fields, limit=1, context=_INCLUDE_ARCHIVED
        )
        return rows[0] if rows else None

    def ensure_tax(self, rate: Decimal, price_include: bool, *, company_id: int | None = None) -> int:
        """A percent sale tax of ``rate`` %, included in the price or not: one RPC when it exists.

        Orders get explicit taxes so Odoo's totals match Magento's; a product's default taxes never apply.
        ``price_include`` is read on every version (computed from ``price_include_override`` on 18+).
        """
        domain: list[Any] = [
            ("type_tax_use", "=", "sale"),
            ("amount_type", "=", "percent"),
            ("amount", "=", rate),
        ]
        if company_id is not None:
            domain.append(("company_id", "=", company_id))
        for tax in self.search_read("account.tax", domain, ["id", "amount", "price_include"], order="id"):
            if bool(tax["price_include"]) == price_include:
                return int(tax["id"])
        vals: dict[str, Any] = {
            "name": tax_name(rate, price_include),
            "amount": rate,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_included" if price_include else "tax_excluded",
        }
        if company_id is not None:
            vals["company_id"] = company_id
        return self.create("account.tax", [vals])[0]

    def ensure_pricelist(self, currency_code: str) -> int:
        """A pricelist in ``currency_code``, activating the currency if needed: one RPC when both exist.

        An order's currency follows its pricelist, never a ``currency_id`` given on create (odoo.md §7.14).
        """
        code = currency_code.strip().upper()
        active = [("currency_id.name", "=", code), ("currency_id.active", "=", True)]
        found = self.search_read("product.pricelist", active, ["id"], limit=1, order="sequence, id")
        if found:
            return int(found[0]["id"])
        currencies = self.search_read(
            "res.currency", [("name", "=", code)], ["id", "active"], limit=1, context=_INCLUDE_ARCHIVED
        )
        if not currencies:
            raise ConfigurationError(f"Odoo has no currency {code!r}")
        currency_id = int(currencies[0]["id"])
        if not currencies[0]["active"]:
            self.write("res.currency", [currency_id], {"active": True})
        found = self.search_read(
            "product.pricelist", [("currency_id", "=", currency_id)], ["id"], limit=1, order="sequence, id"
        )
        if found:
            return int(found[0]["id"])
        return self.create("product.pricelist", [{"name": f"Magento {code}", "currency_id": currency_id}])[0]

    def company_info(self, *, refresh: bool = False) -> CompanyInfo:
        """The logged-in user's company; fetched once per gateway (one RPC) unless ``refresh``."""
        if self._company is not None and not refresh:
            return self._company
        if self.uid is None:
            raise ConfigurationError("odoo: the session has no user id, cannot find its company")
        [user] = self.call("res.users", "web_read", ids=[self.uid], specification=_COMPANY_SPEC)
        company = user["company_id"]
        currency = company["currency_id"]
        self._company = CompanyInfo(
            id=int(company["id"]),
            name=str(company["name"]),
            currency_id=int(currency["id"]),
            currency=str(currency["name"]),
            tax_calculation_rounding_method=str(company["tax_calculation_rounding_method"]),
        )
        return self._company

    def country_ids(self, codes: Iterable[str]) -> dict[str, int]:
        """Country ids by ISO 3166 alpha-2 code (upper case); unknown codes are absent. One RPC."""
        wanted = sorted({code.strip().upper() for code in codes if code and code.strip()})
        if not wanted:
            return {}
        rows = self.search_read("res.country", [("code", "in", wanted)], ["id", "code"])
        return {str(row["code"]).upper(): int(row["id"]) for row in rows}


def tax_name(rate: Decimal, price_include: bool) -> str:
    """A readable, unique-per-kind name for a tax the connector creates, e.g. ``Magento 8.25% incl.``."""
    text = f"{rate.normalize():f}"
    return f"Magento {text}%{' incl.' if price_include else ''}"
