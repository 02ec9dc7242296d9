"""A Magento store the connector worker syncs with, known to Odoo by the worker's instance name.

Secrets (integration tokens, webhook keys) stay in the worker's configuration, never in this database.
"""

from odoo import fields, models

NAME_UNIQUE_MESSAGE = "A Magento instance with this name already exists."


class MagentoInstance(models.Model):
    _name = "magento.instance"
    _description = "Magento Instance"
    _order = "name"

    name = fields.Char(
        required=True,
        help="The instance name used in the connector worker's instances file.",
    )
    base_url = fields.Char(string="Base URL", required=True)
    store_code = fields.Char(required=True, default="default")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    active = fields.Boolean(default=True)

    # Odoo 19 declares SQL constraints as model attributes; Odoo 18 only knows _sql_constraints.
    # Both name the database constraint "magento_instance_name_uniq".
    if hasattr(models, "Constraint"):
        _name_uniq = models.Constraint("UNIQUE(name)", NAME_UNIQUE_MESSAGE)
    else:
        _sql_constraints = [("name_uniq", "UNIQUE(name)", NAME_UNIQUE_MESSAGE)]
