"""Queue a Magento update when validating a delivery leaves its sales order fully delivered."""

from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        orders = self.sudo().sale_id
        delivered_before = {order.id: order.delivery_status == "full" for order in orders}
        result = super()._action_done()
        for order in orders:
            if order.delivery_status == "full" and not delivered_before[order.id]:
                pickings = self.filtered(lambda picking, order=order: picking.sudo().sale_id == order)
                order._magento_enqueue_trigger("delivered", {"picking_ids": pickings.ids})
        return result
