"""Pure functions turning Magento payloads into Odoo values and back; no I/O, no clock."""

from mappers.errors import MappingError
from mappers.items import ProductKey
from mappers.money import TaxKey
from mappers.order import (
    OrderContext,
    OrderMapping,
    context_plan,
    magento_order_to_odoo,
    magento_status_values,
    plan_taxes,
    required_currency,
    required_products,
    required_taxes,
)
from mappers.partner import PartnerValues, normalize_email, partner_values, required_countries
from mappers.reconcile import LinePlan, plan_lines
from mappers.status import OdooOrderState, SaleAction, invoice_status, is_paid, sale_order_actions

__all__ = [
    "LinePlan",
    "MappingError",
    "OdooOrderState",
    "OrderContext",
    "OrderMapping",
    "PartnerValues",
    "ProductKey",
    "SaleAction",
    "TaxKey",
    "context_plan",
    "invoice_status",
    "is_paid",
    "magento_order_to_odoo",
    "magento_status_values",
    "normalize_email",
    "partner_values",
    "plan_lines",
    "plan_taxes",
    "required_countries",
    "required_currency",
    "required_products",
    "required_taxes",
    "sale_order_actions",
]
