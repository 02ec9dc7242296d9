"""Magento fields on sales orders, the three Magento buttons, and the automatic outbox triggers.

Every write the connector worker makes carries the context flag ``magento_connector_sync``; changes
made under it write no outbox row, so the worker's own changes never echo back to Magento.
"""

from odoo import fields, models
from odoo.exceptions import UserError

SYNC_CONTEXT_FLAG = "magento_connector_sync"
ORDER_UNIQUE_MESSAGE = "A Magento order can be imported only once per instance."


class SaleOrder(models.Model):
    _inherit = "sale.order"

    magento_instance_id = fields.Many2one(
        "magento.instance",
        index=True,
        copy=False,
        ondelete="restrict",
    )
    magento_order_id = fields.Char(
        string="Magento ID",
        index=True,
        copy=False,
        help="Magento's entity_id of the order.",
    )
    magento_increment_id = fields.Char(
        string="Magento",
        copy=False,
        help="The order number Magento shows the customer.",
    )
    magento_state = fields.Char(copy=False)
    magento_status = fields.Char(copy=False)
    magento_invoice_status = fields.Selection(
        [("invoiced", "Invoiced"), ("not_invoiced", "Not Invoiced")],
        string="Magento Invoice",
        copy=False,
    )
    magento_amount = fields.Monetary(
        currency_field="currency_id",
        copy=False,
        help="Magento's grand total of the order.",
    )
    magento_paid = fields.Selection([("paid", "Paid"), ("not_paid", "Not Paid")], copy=False)
    # Labelled "Magento Order Date" (from its name), not "Order Date": sale.order.date_order has that label,
    # and Odoo warns of two fields sharing one. The list's column says "Order Date".
    magento_order_date = fields.Datetime(
        copy=False,
        help="When the order was placed in Magento (Odoo moves its own order date on confirmation).",
    )
    magento_on_hold = fields.Boolean(string="On Hold in Magento", copy=False)
    magento_amount_mismatch = fields.Boolean(
        string="Amount Mismatch",
        copy=False,
        help="The Odoo total differs from Magento's grand total beyond the worker's tolerance.",
    )
    magento_sync_date = fields.Datetime(string="Last Sync", copy=False)
    magento_sync_error = fields.Text(string="Last Sync Error", copy=False)
    magento_outbox_ids = fields.One2many("magento.outbox", "sale_order_id")

    # Odoo 19 declares SQL constraints as model attributes; Odoo 18 only knows _sql_constraints.
    # Both name the database constraint "sale_order_magento_order_uniq".
    if hasattr(models, "Constraint"):
        _magento_order_uniq = models.Constraint(
            "UNIQUE(magento_instance_id, magento_order_id)",
            ORDER_UNIQUE_MESSAGE,
        )
    else:
        _sql_constraints = [
            (
                "magento_order_uniq",
                "UNIQUE(magento_instance_id, magento_order_id)",
                ORDER_UNIQUE_MESSAGE,
            )
        ]

    # ------------------------------------------------------------------ buttons

    def action_magento_create(self):
        """Ask the worker to place this order in Magento (once: a second press while the first waits is a
        no-op, since two create rows could become two Magento orders, which Odoo's unique key cannot stop)."""
        self.check_access("write")
        outbox = self.env["magento.outbox"].sudo()
        for order in self:
            # Two presses in two transactions: the second waits here for the first to commit, then sees its row.
            self.env.cr.execute("SELECT id FROM sale_order WHERE id = %s FOR UPDATE", (order.id,))
            waiting = outbox.search_count(
                [("sale_order_id", "=", order.id), ("event", "=", "create"), ("state", "in", ("pending", "queued"))]
            )
            if waiting:
                continue
            if not order.magento_instance_id:
                order.magento_instance_id = order._magento_only_instance()
            order._magento_enqueue("create", "button")
        return True

    def action_magento_pull(self):
        """Ask the worker to re-read this order from Magento."""
        self._magento_check_linked()
        for order in self:
            order._magento_enqueue("pull", "button")
        return True

    def action_magento_update(self):
        """Ask the worker to push this order's state to Magento."""
        self._magento_check_linked()
        for order in self:
            order._magento_enqueue("update", "button")
        return True

    def _magento_only_instance(self):
        instances = self.env["magento.instance"].search([("active", "=", True)], limit=2)
        if len(instances) != 1:
            raise UserError(self.env._("Set the Magento Instance of the order first."))
        return instances

    def _magento_check_linked(self):
        if any(not order._magento_is_linked() for order in self):
            raise UserError(self.env._("This order is not linked to a Magento order."))

    def _magento_is_linked(self):
        self.ensure_one()
        return bool(self.magento_instance_id and self.magento_order_id)

    def _magento_enqueue(self, event, trigger, payload=None):
        """Write one outbox row for this order; the worker does the rest.

        Whoever may change the order may ask; the row itself is written as superuser, so users cannot
        write outbox rows of their own making (any event, state or payload) over RPC.
        """
        self.ensure_one()
        self.check_access("write")
        values = {"order_name": self.name}
        values.update(payload or {})
        return self.env["magento.outbox"].sudo().create(
            {
                "instance_id": self.magento_instance_id.id,
                "sale_order_id": self.id,
                "event": event,
                "trigger": trigger,
                "payload": values,
            }
        )

    # ------------------------------------------------------------------ automatic triggers

    def _magento_enqueue_trigger(self, trigger, payload=None):
        """Queue an update of every order in ``self`` that Magento knows, unless the worker made the change.

        Runs as superuser: whoever confirms, delivers or invoices an order (a warehouse or billing
        user, say) need not have rights on the outbox for Magento to hear about it.
        """
        if self.env.context.get(SYNC_CONTEXT_FLAG):
            return self.env["magento.outbox"]
        rows = self.env["magento.outbox"]
        for order in self.sudo():
            if order._magento_is_linked():
                rows |= order._magento_enqueue("update", trigger, payload)
        return rows

    def action_confirm(self):
        result = super().action_confirm()
        self._magento_enqueue_trigger("confirmed")
        return result

    def _action_cancel(self):
        result = super()._action_cancel()
        self._magento_enqueue_trigger("cancelled")
        return result
