"""The Magento product id on product variants, so the worker can match products that have no SKU."""

from odoo import fields, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    magento_product_id = fields.Char(string="Magento Product ID", index=True, copy=False)
