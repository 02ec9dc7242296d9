"""What the genuine fields dump lacks: model descriptions and orders, helper models, the module's fields.

Helper models (companies, users, journal items, locations, …) are not in ``odoo-19.0-fields.json``; they
carry only the fields the sandbox's business logic reads, with Odoo's names, types and labels. The
``magento2_connector`` fields follow the shared contract in ``/tmp/team/ODOO_MODULE.md`` to the letter.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector_worker.sandbox.odoo.fielddef import FieldDef


@dataclass(frozen=True)
class ModelMeta:
    """Description, default order and naming field of a model (what ``_description``/``_order`` say)."""

    description: str
    order: str = "id"
    rec_name: str | None = "name"
    fields: tuple[FieldDef, ...] = ()


MODEL_META: dict[str, ModelMeta] = {
    "account.journal": ModelMeta("Journal", "sequence, type, code"),
    "account.move": ModelMeta("Journal Entry", "date desc, name desc, invoice_date desc, id desc"),
    "account.payment": ModelMeta("Payments", "date desc, name desc"),
    "account.payment.register": ModelMeta("Pay", rec_name=None),
    "account.payment.term": ModelMeta("Payment Terms", "sequence, id"),
    "account.tax": ModelMeta("Tax", "sequence,id"),
    "ir.model.data": ModelMeta("Model Data", "module, model, name"),
    "product.pricelist": ModelMeta("Pricelist", "sequence, id, name"),
    "product.product": ModelMeta("Product Variant", "priority desc, default_code, name, id"),
    "product.template": ModelMeta("Product", "priority desc, name"),
    "res.country": ModelMeta("Country", "name"),
    "res.country.state": ModelMeta("Country state", "code"),
    "res.currency": ModelMeta("Currency", "active desc, name"),
    "res.partner": ModelMeta("Contact", "complete_name ASC, id DESC", rec_name="complete_name"),
    "sale.advance.payment.inv": ModelMeta("Sales Advance Payment Invoice", rec_name=None),
    "sale.order": ModelMeta("Sales Order", "date_order desc, id desc"),
    "sale.order.line": ModelMeta("Sales Order Line", "order_id, sequence, id"),
    "stock.move": ModelMeta("Stock Move", "sequence, id", rec_name=None),
    "stock.picking": ModelMeta("Transfer", "priority desc, scheduled_date asc, id desc"),
    "uom.uom": ModelMeta("Product Unit of Measure", "sequence, relative_factor, id"),
}

# (model, one2many field) -> many2one on the comodel that points back.
ONE2MANY_INVERSES: dict[tuple[str, str], str] = {
    ("sale.order", "order_line"): "order_id",
    ("sale.order", "picking_ids"): "sale_id",
    ("sale.order", "magento_outbox_ids"): "sale_order_id",
    ("sale.order.line", "move_ids"): "sale_line_id",
    ("stock.picking", "move_ids"): "picking_id",
    ("account.move", "invoice_line_ids"): "move_id",
    ("account.move", "line_ids"): "move_id",
    ("account.journal", "inbound_payment_method_line_ids"): "journal_id",
    ("product.template", "product_variant_ids"): "product_tmpl_id",
    ("res.partner", "child_ids"): "parent_id",
    ("res.country", "state_ids"): "country_id",
}


def _f(name: str, ftype: str, string: str, **extra: object) -> FieldDef:
    return FieldDef(name=name, type=ftype, string=string, **extra)  # type: ignore[arg-type]


def base_fields() -> list[FieldDef]:
    """The magic fields every Odoo model has."""
    return [
        _f("id", "integer", "ID", readonly=True),
        _f("display_name", "char", "Display Name", readonly=True, store=False),
        _f("create_uid", "many2one", "Created by", readonly=True, relation="res.users"),
        _f("create_date", "datetime", "Created on", readonly=True),
        _f("write_uid", "many2one", "Last Updated by", readonly=True, relation="res.users"),
        _f("write_date", "datetime", "Last Updated on", readonly=True),
    ]


def _sel(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(pairs)


def _extra_models() -> dict[str, ModelMeta]:
    m2o = "many2one"
    return {
        "res.company": ModelMeta(
            "Companies",
            "sequence, name",
            fields=(
                _f("name", "char", "Company Name", required=True),
                _f("currency_id", m2o, "Currency", required=True, relation="res.currency"),
                _f("country_id", m2o, "Country", relation="res.country"),
                _f("partner_id", m2o, "Partner", required=True, relation="res.partner"),
                _f("account_sale_tax_id", m2o, "Default Sale Tax", relation="account.tax"),
                _f(
                    "tax_calculation_rounding_method",
                    "selection",
                    "Tax Calculation Rounding Method",
                    selection=_sel(
                        ("round_per_line", "Round per Line"), ("round_globally", "Round Globally")
                    ),
                ),
                _f(
                    "account_price_include",
                    "selection",
                    "Default Sales Price Include",
                    required=True,
                    selection=_sel(("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")),
                ),
            ),
        ),
        "res.users": ModelMeta(
            "User",
            "name, login",
            fields=(
                _f("name", "char", "Name", store=False),
                _f("login", "char", "Login", required=True),
                _f("partner_id", m2o, "Related Partner", required=True, relation="res.partner"),
                _f("company_id", m2o, "Company", required=True, relation="res.company"),
                _f("active", "boolean", "Active"),
                _f("lang", "selection", "Language", selection=_sel(("en_US", "English (US)"))),
                _f("tz", "char", "Timezone"),
            ),
        ),
        "account.move.line": ModelMeta(
            "Journal Item",
            "date desc, move_name desc, id",
            fields=(
                _f("move_id", m2o, "Journal Entry", required=True, relation="account.move"),
                _f("name", "char", "Label"),
                _f(
                    "display_type",
                    "selection",
                    "Display Type",
                    selection=_sel(
                        ("product", "Product"), ("line_section", "Section"), ("line_note", "Note")
                    ),
                ),
                _f("product_id", m2o, "Product", relation="product.product"),
                _f("quantity", "float", "Quantity"),
                _f("price_unit", "float", "Unit Price"),
                _f("discount", "float", "Discount (%)"),
                _f("tax_ids", "many2many", "Taxes", relation="account.tax"),
                _f("price_subtotal", "monetary", "Subtotal", readonly=True),
                _f("price_total", "monetary", "Total", readonly=True),
                _f("sale_line_ids", "many2many", "Sales Order Lines", relation="sale.order.line"),
                _f("currency_id", m2o, "Currency", required=True, relation="res.currency"),
            ),
        ),
        "stock.picking.type": ModelMeta(
            "Picking Type",
            "sequence, id",
            fields=(
                _f("name", "char", "Operation Type", required=True),
                _f(
                    "code",
                    "selection",
                    "Type of Operation",
                    required=True,
                    selection=_sel(
                        ("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal Transfer")
                    ),
                ),
                _f("sequence_code", "char", "Sequence Prefix", required=True),
                _f("default_location_src_id", m2o, "Default Source Location", relation="stock.location"),
                _f(
                    "default_location_dest_id", m2o, "Default Destination Location", relation="stock.location"
                ),
            ),
        ),
        "stock.location": ModelMeta(
            "Inventory Locations",
            "complete_name, id",
            "complete_name",
            fields=(
                _f("name", "char", "Location Name", required=True),
                _f("complete_name", "char", "Full Location Name"),
                _f(
                    "usage",
                    "selection",
                    "Location Type",
                    required=True,
                    selection=_sel(
                        ("supplier", "Vendor"),
                        ("view", "Virtual"),
                        ("internal", "Internal"),
                        ("customer", "Customer"),
                        ("inventory", "Inventory Loss"),
                        ("transit", "Transit"),
                    ),
                ),
            ),
        ),
        "account.payment.method.line": ModelMeta(
            "Payment Methods",
            "sequence, id",
            fields=(
                _f("name", "char", "Name"),
                _f("journal_id", m2o, "Journal", relation="account.journal"),
                _f(
                    "payment_type",
                    "selection",
                    "Payment Type",
                    readonly=True,
                    selection=_sel(("inbound", "Inbound"), ("outbound", "Outbound")),
                ),
                _f("code", "char", "Code", readonly=True, store=False),
            ),
        ),
        "account.tax.group": ModelMeta(
            "Tax Group", "sequence asc, id", fields=(_f("name", "char", "Name", required=True),)
        ),
        "mail.message": ModelMeta(
            "Message",
            "id desc",
            rec_name=None,
            fields=(
                _f("body", "html", "Contents"),
                _f("subject", "char", "Subject"),
                _f("model", "char", "Related Document Model"),
                _f("res_id", "many2one_reference", "Related Document ID"),
                _f(
                    "message_type",
                    "selection",
                    "Type",
                    required=True,
                    selection=_sel(
                        ("email", "Incoming Email"),
                        ("comment", "Comment"),
                        ("email_outgoing", "Outgoing Email"),
                        ("notification", "System notification"),
                        ("auto_comment", "Automated Targeted Notification"),
                        ("user_notification", "User Specific Notification"),
                    ),
                ),
                _f("author_id", m2o, "Author", relation="res.partner"),
                _f("date", "datetime", "Date"),
            ),
        ),
        "account.account": ModelMeta(
            "Account",
            "code, id",
            fields=(
                _f("name", "char", "Account Name", required=True),
                _f("code", "char", "Code"),
            ),
        ),
        "res.partner.title": ModelMeta(
            "Partner Title", "name", fields=(_f("name", "char", "Title", required=True),)
        ),
        **_module_models(),
    }


def _module_models() -> dict[str, ModelMeta]:
    """The two models ``magento2_connector`` adds (ODOO_MODULE.md)."""
    m2o = "many2one"
    return {
        "magento.instance": ModelMeta(
            "Magento Instance",
            "name",
            fields=(
                _f("name", "char", "Name", required=True),
                _f("base_url", "char", "Base URL", required=True),
                _f("store_code", "char", "Store Code", required=True),
                _f("company_id", m2o, "Company", required=True, relation="res.company"),
                _f("active", "boolean", "Active"),
            ),
        ),
        "magento.outbox": ModelMeta(
            "Magento Outbox",
            "id",
            rec_name=None,
            fields=(
                _f("instance_id", m2o, "Instance", required=True, relation="magento.instance"),
                _f("sale_order_id", m2o, "Sale Order", relation="sale.order"),
                _f(
                    "event",
                    "selection",
                    "Event",
                    required=True,
                    selection=_sel(
                        ("create", "Create in Magento"),
                        ("update", "Update in Magento"),
                        ("pull", "Pull from Magento"),
                    ),
                ),
                _f(
                    "trigger",
                    "selection",
                    "Trigger",
                    required=True,
                    selection=_sel(
                        ("button", "Button"),
                        ("confirmed", "Order Confirmed"),
                        ("cancelled", "Order Cancelled"),
                        ("delivered", "Order Delivered"),
                        ("invoiced", "Order Invoiced"),
                    ),
                ),
                _f(
                    "state",
                    "selection",
                    "State",
                    required=True,
                    selection=_sel(
                        ("pending", "Pending"), ("queued", "Queued"), ("done", "Done"), ("failed", "Failed")
                    ),
                ),
                _f("attempts", "integer", "Attempts"),
                _f("last_error", "text", "Last Error"),
                _f("payload", "json", "Payload"),
                _f("date_queued", "datetime", "Queued On"),
                _f("date_done", "datetime", "Done On"),
            ),
        ),
    }


def extra_models() -> dict[str, ModelMeta]:
    """Helper models and the module's two models."""
    return _extra_models()


def module_fields() -> dict[str, list[FieldDef]]:
    """Fields ``magento2_connector`` adds to existing models (ODOO_MODULE.md)."""
    m2o = "many2one"
    yes_no_invoice = _sel(("invoiced", "Invoiced"), ("not_invoiced", "Not Invoiced"))
    yes_no_paid = _sel(("paid", "Paid"), ("not_paid", "Not Paid"))
    return {
        "sale.order": [
            _f("magento_instance_id", m2o, "Magento Instance", relation="magento.instance"),
            _f("magento_order_id", "char", "Magento ID"),
            _f("magento_increment_id", "char", "Magento"),
            _f("magento_state", "char", "Magento State"),
            _f("magento_status", "char", "Magento Status"),
            _f("magento_invoice_status", "selection", "Magento Invoice", selection=yes_no_invoice),
            _f("magento_amount", "monetary", "Magento Amount"),
            _f("magento_paid", "selection", "Magento Paid", selection=yes_no_paid),
            _f("magento_order_date", "datetime", "Magento Order Date"),
            _f("magento_on_hold", "boolean", "On Hold in Magento"),
            _f("magento_amount_mismatch", "boolean", "Amount Mismatch"),
            _f("magento_sync_date", "datetime", "Last Sync"),
            _f("magento_sync_error", "text", "Last Sync Error"),
            _f(
                "magento_outbox_ids",
                "one2many",
                "Magento Outbox",
                relation="magento.outbox",
                inverse="sale_order_id",
            ),
        ],
        "product.product": [_f("magento_product_id", "char", "Magento Product ID")],
        "res.partner": [_f("magento_customer_id", "char", "Magento Customer ID")],
    }
