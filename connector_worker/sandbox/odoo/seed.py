"""A fresh database as reference odoo.md §7 describes it: a US company in USD with a 15 % sale tax.

Ids follow a fresh Odoo where the connector can observe them (the bank journal "Bank"/BNK1 is id 6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector_worker.sandbox.odoo.orm import Env

if TYPE_CHECKING:
    from connector_worker.sandbox.odoo.database import Database

# code, name, currency, phone code
COUNTRIES = (
    ("US", "United States", "USD", 1),
    ("DE", "Germany", "EUR", 49),
    ("FR", "France", "EUR", 33),
    ("GB", "United Kingdom", "GBP", 44),
    ("NL", "Netherlands", "EUR", 31),
    ("BE", "Belgium", "EUR", 32),
    ("ES", "Spain", "EUR", 34),
    ("IT", "Italy", "EUR", 39),
    ("CA", "Canada", "CAD", 1),
    ("SA", "Saudi Arabia", "SAR", 966),
    ("AT", "Austria", "EUR", 43),
    ("CH", "Switzerland", "CHF", 41),
    ("IE", "Ireland", "EUR", 353),
    ("PT", "Portugal", "EUR", 351),
    ("PL", "Poland", "PLN", 48),
    ("SE", "Sweden", "SEK", 46),
    ("DK", "Denmark", "DKK", 45),
    ("AU", "Australia", "AUD", 61),
    ("AE", "United Arab Emirates", "AED", 971),
    ("MX", "Mexico", "MXN", 52),
    ("JP", "Japan", "JPY", 81),
)
# code, symbol, full name, position, rounding
CURRENCIES = (
    ("USD", "$", "United States dollar", "before", 0.01),
    ("EUR", "€", "Euro", "after", 0.01),
    ("GBP", "£", "Pound sterling", "before", 0.01),
    ("CAD", "$", "Canadian dollar", "before", 0.01),
    ("SAR", "ر.س", "Saudi riyal", "after", 0.01),
    ("CHF", "CHF", "Swiss franc", "after", 0.01),
    ("PLN", "zł", "Polish złoty", "after", 0.01),
    ("SEK", "kr", "Swedish krona", "after", 0.01),
    ("DKK", "kr", "Danish krone", "after", 0.01),
    ("AUD", "$", "Australian dollar", "before", 0.01),
    ("AED", "AED", "United Arab Emirates dirham", "after", 0.01),
    ("MXN", "$", "Mexican peso", "before", 0.01),
    ("JPY", "¥", "Japanese yen", "before", 1.0),
)
US_STATES = (
    ("CA", "California"),
    ("NY", "New York"),
    ("TX", "Texas"),
    ("FL", "Florida"),
    ("WA", "Washington"),
)


def _currencies(env: Env) -> dict[str, int]:
    ids = {}
    for code, symbol, full_name, position, rounding in CURRENCIES:
        ids[code] = env.create(
            "res.currency",
            {
                "name": code,
                "symbol": symbol,
                "full_name": full_name,
                "position": position,
                "rounding": rounding,
                "decimal_places": 0 if rounding == 1.0 else 2,
                "active": code == "USD",
            },
        )
    return ids


def _countries(env: Env, currencies: dict[str, int]) -> dict[str, int]:
    ids = {}
    for code, name, currency, phone in COUNTRIES:
        ids[code] = env.create(
            "res.country",
            {"code": code, "name": name, "currency_id": currencies[currency], "phone_code": phone},
        )
    for code, name in US_STATES:
        env.create("res.country.state", {"code": code, "name": name, "country_id": ids["US"]})
    return ids


def _company_and_users(env: Env, db: Database, currencies: dict[str, int], countries: dict[str, int]) -> None:
    company_partner = env.create(
        "res.partner", {"name": "YourCompany", "is_company": True, "country_id": countries["US"]}
    )
    bot_partner = env.create("res.partner", {"name": "OdooBot", "active": False})
    admin_partner = env.create(
        "res.partner", {"name": "Mitchell Admin", "email": "admin@yourcompany.example.com"}
    )
    env.create(
        "res.company",
        {
            "name": "YourCompany",
            "currency_id": currencies["USD"],
            "country_id": countries["US"],
            "partner_id": company_partner,
            "tax_calculation_rounding_method": "round_globally",
            "account_price_include": "tax_excluded",
        },
    )
    env.create(
        "res.users", {"login": "__system__", "partner_id": bot_partner, "company_id": 1, "active": False}
    )
    env.create(
        "res.users",
        {"login": db.credentials.login, "partner_id": admin_partner, "company_id": 1, "tz": "UTC"},
    )


def _accounting(env: Env) -> None:
    env.create("account.tax.group", {"name": "Tax 15%"})
    sale_tax = env.create(
        "account.tax", {"name": "15%", "amount": 15.0, "type_tax_use": "sale", "description": "15%"}
    )
    env.create(
        "account.tax", {"name": "15%", "amount": 15.0, "type_tax_use": "purchase", "description": "15%"}
    )
    env.write("res.company", [1], {"account_sale_tax_id": sale_tax})
    for name, code, jtype in (
        ("Customer Invoices", "INV", "sale"),
        ("Vendor Bills", "BILL", "purchase"),
        ("Miscellaneous Operations", "MISC", "general"),
        ("Exchange Difference", "EXCH", "general"),
        ("Cash Basis Taxes", "CABA", "general"),
        ("Bank", "BNK1", "bank"),
    ):
        env.create("account.journal", {"name": name, "code": code, "type": jtype})
    env.create(
        "account.payment.method.line", {"name": "Manual Payment", "journal_id": 6, "payment_type": "inbound"}
    )
    env.create("account.payment.term", {"name": "Immediate Payment", "sequence": 1})
    env.create("account.payment.term", {"name": "30 Days", "sequence": 5})


def _stock_and_products(env: Env, currencies: dict[str, int]) -> None:
    env.create("uom.uom", {"name": "Units", "relative_factor": 1.0, "sequence": 1})
    env.create("uom.uom", {"name": "Dozens", "relative_factor": 12.0, "sequence": 2})
    env.create("uom.uom", {"name": "kg", "relative_factor": 1.0, "sequence": 3})
    stock = env.create("stock.location", {"name": "Stock", "complete_name": "WH/Stock", "usage": "internal"})
    customers = env.create(
        "stock.location", {"name": "Customers", "complete_name": "Partners/Customers", "usage": "customer"}
    )
    env.create(
        "stock.picking.type",
        {
            "name": "Delivery Orders",
            "code": "outgoing",
            "sequence_code": "OUT",
            "default_location_src_id": stock,
            "default_location_dest_id": customers,
        },
    )
    env.create("product.pricelist", {"name": "Default", "currency_id": currencies["USD"]})


def seed(db: Database) -> None:
    """Fill an empty store; runs inside the caller's transaction."""
    env = Env(db, 1, {"magento_connector_sync": True})
    currencies = _currencies(env)
    countries = _countries(env, currencies)
    _company_and_users(env, db, currencies, countries)
    _accounting(env)
    _stock_and_products(env, currencies)
