"""Queue a Magento update when a customer invoice of a Magento order is posted."""

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        result = super()._post(soft=soft)
        invoices = self.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        for order in invoices.sudo().invoice_line_ids.sale_line_ids.order_id:
            order_invoices = invoices.filtered(
                lambda move, order=order: order in move.sudo().invoice_line_ids.sale_line_ids.order_id
            )
            order._magento_enqueue_trigger("invoiced", {"invoice_ids": order_invoices.ids})
        return result
