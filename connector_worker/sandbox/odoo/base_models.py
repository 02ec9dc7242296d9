"""Partners, products, taxes and other master data: defaults and computed fields as a fresh Odoo has them.

Only what the connector or the sandbox's own business logic relies on: ``email_normalized``, product
display names and default sale taxes, ``account.tax.price_include`` per version, required defaults.
"""

from __future__ import annotations

from connector_worker.sandbox.odoo.behaviour import Record, behaviour
from connector_worker.sandbox.odoo.emails import email_normalized
from connector_worker.sandbox.odoo.orm import Env

COMPANY_ID = 1


def company_currency(env: Env) -> int:
    return int(env.get("res.company", COMPANY_ID, "currency_id"))


def default_sale_tax(env: Env) -> list[int]:
    tax = env.get("res.company", COMPANY_ID, "account_sale_tax_id")
    return [tax] if tax else []


def _partner_complete_name(env: Env, record: Record) -> str:
    name = record.get("name") or ""
    parent_id = record.get("parent_id")
    if parent_id and not record.get("is_company"):
        parent = env.display_name("res.partner", parent_id)
        return f"{parent}, {name}" if name else parent
    return str(name)


def _product_display_name(env: Env, record: Record) -> str:
    name = env.value("product.product", record, "name") or ""
    code = record.get("default_code")
    return f"[{code}] {name}" if code else str(name)


def _price_include(env: Env, record: Record) -> bool:
    if env.version < 18:
        return bool(record.get("price_include"))
    override = record.get("price_include_override")
    if override:
        return bool(override == "tax_included")
    return bool(env.get("res.company", COMPANY_ID, "account_price_include") == "tax_included")


def _register() -> None:
    partner = behaviour("res.partner")
    partner.defaults.update(
        type=lambda env, vals: "contact",
        autopost_bills=lambda env, vals: "ask",
        lang=lambda env, vals: "en_US",
    )
    partner.computed.update(
        email_normalized=lambda env, rec: email_normalized(rec.get("email")),
        complete_name=_partner_complete_name,
        company_type=lambda env, rec: "company" if rec.get("is_company") else "person",
    )

    template = behaviour("product.template")
    template.defaults.update(
        type=lambda env, vals: "consu",
        uom_id=lambda env, vals: 1,
        list_price=lambda env, vals: 1.0,
        invoice_policy=lambda env, vals: "order",
        sale_ok=lambda env, vals: True,
        tracking=lambda env, vals: "none",
        service_tracking=lambda env, vals: "no",
        taxes_id=lambda env, vals: [(6, 0, default_sale_tax(env))],
    )
    behaviour("product.product").display_name = _product_display_name

    tax = behaviour("account.tax")
    tax.defaults.update(
        amount_type=lambda env, vals: "percent",
        type_tax_use=lambda env, vals: "sale",
        company_id=lambda env, vals: COMPANY_ID,
        country_id=lambda env, vals: env.get("res.company", COMPANY_ID, "country_id"),
        tax_group_id=lambda env, vals: 1,
        sequence=lambda env, vals: 1,
    )
    tax.computed["price_include"] = _price_include

    behaviour("account.journal").defaults.update(
        invoice_reference_model=lambda env, vals: "odoo",
        invoice_reference_type=lambda env, vals: "invoice",
        company_id=lambda env, vals: COMPANY_ID,
    )
    behaviour("res.currency").defaults.update(
        rounding=lambda env, vals: 0.01, decimal_places=lambda env, vals: 2
    )
    behaviour("product.pricelist").defaults.update(
        currency_id=lambda env, vals: company_currency(env), company_id=lambda env, vals: False
    )
    behaviour("res.users").computed["name"] = lambda env, rec: env.display_name(
        "res.partner", rec["partner_id"]
    )
    behaviour("account.payment.method.line").computed["code"] = lambda env, rec: "manual"


_register()
