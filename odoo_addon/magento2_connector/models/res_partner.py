"""The Magento customer id on contacts, so a returning Magento customer maps to one Odoo contact."""

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    magento_customer_id = fields.Char(string="Magento Customer ID", index=True, copy=False)
