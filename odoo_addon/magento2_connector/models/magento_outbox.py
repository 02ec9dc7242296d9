"""Work for the connector worker, written by Odoo in the same transaction as the change that caused it.

The worker polls ``claim``, enqueues one push or pull per row, and reports back with ``mark_done`` or
``mark_failed``. Rows are never sent anywhere by Odoo itself: this module makes no outgoing calls.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

# A row still "queued" after this long belongs to a worker that died between claim and enqueue.
STALE_QUEUED_AFTER = timedelta(minutes=15)
# One claim never hands out more than this, so a single call stays well inside Odoo's time limits.
MAX_CLAIM = 500


class MagentoOutbox(models.Model):
    _name = "magento.outbox"
    _description = "Magento Outbox"
    _order = "id"

    instance_id = fields.Many2one(
        "magento.instance",
        required=True,
        index=True,
        ondelete="cascade",
    )
    sale_order_id = fields.Many2one("sale.order", index=True, ondelete="cascade")
    event = fields.Selection(
        [
            ("create", "Create in Magento"),
            ("update", "Update in Magento"),
            ("pull", "Pull from Magento"),
        ],
        required=True,
    )
    trigger = fields.Selection(
        [
            ("button", "Button"),
            ("confirmed", "Order Confirmed"),
            ("cancelled", "Order Cancelled"),
            ("delivered", "Order Delivered"),
            ("invoiced", "Order Invoiced"),
        ],
        required=True,
        default="button",
    )
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("queued", "Queued"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        required=True,
        default="pending",
        index=True,
    )
    attempts = fields.Integer(default=0)
    last_error = fields.Text()
    payload = fields.Json()
    date_queued = fields.Datetime(string="Queued On")
    date_done = fields.Datetime(string="Done On")

    @api.model
    def claim(self, limit=50, events=None, instances=None):
        """Hand pending rows (and rows a dead worker left queued) to this caller and no other.

        ``events`` limits the claim to some events (``["pull"]``: the worker's pull relay leaves
        pushes to Magento to their own consumer); None or False means every event.

        ``instances`` limits it to the rows of some instances, by name: a worker claims only the
        instances of its own instances file, so several connector deployments (or a demo) can share
        one database without taking, and failing, each other's rows. None or False means every
        instance; a name no instance has matches nothing.

        ``FOR UPDATE SKIP LOCKED`` makes a concurrent claim skip the rows this transaction holds, so
        two workers never get the same row. Under Odoo's REPEATABLE READ a row changed by a
        transaction that committed after ours began raises a serialization failure, which Odoo's
        RPC layer retries: the caller still never sees a row twice.
        """
        self.check_access("write")
        wanted = self._claimable_events(events)
        instance_ids = self._claimable_instance_ids(instances)
        limit = min(int(limit), MAX_CLAIM)
        if limit <= 0 or not wanted or instance_ids == []:
            return []
        self.flush_model()
        stale_before = fields.Datetime.now() - STALE_QUEUED_AFTER
        every_instance = instance_ids is None
        self.env.cr.execute(
            "SELECT id FROM magento_outbox"
            " WHERE (state = 'pending' OR (state = 'queued' AND date_queued < %s)) AND event IN %s"
            " AND (%s OR instance_id = ANY(%s))"
            " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            (stale_before, wanted, every_instance, instance_ids or [], limit),
        )
        rows = self.browse([row_id for (row_id,) in self.env.cr.fetchall()])
        now = fields.Datetime.now()
        for row in rows:
            row.write({"state": "queued", "date_queued": now, "attempts": row.attempts + 1})
        return [row._claim_values() for row in rows]

    @api.model
    def _claimable_events(self, events):
        """The events as a tuple for SQL; an unknown name is refused rather than silently matching nothing."""
        known = tuple(value for value, _label in self._fields["event"].selection)
        if events is None or events is False:
            return known
        wanted = (events,) if isinstance(events, str) else tuple(events)
        unknown = [event for event in wanted if event not in known]
        if unknown:
            raise UserError(
                self.env._(
                    "Unknown Magento outbox events: %(events)s. Known events: create, update, pull.",
                    events=", ".join(map(str, unknown)),
                )
            )
        return wanted

    @api.model
    def _claimable_instance_ids(self, instances):
        """The ids of the instances named, archived ones included; None when every instance may be claimed.

        A name no instance has is not an error: a worker may be configured for a shop before anyone
        creates its instance here, and its claims simply find nothing of it yet.
        """
        if instances is None or instances is False:
            return None
        names = [instances] if isinstance(instances, str) else [str(name) for name in instances]
        if not names:
            return []
        found = self.env["magento.instance"].with_context(active_test=False).search([("name", "in", names)])
        return found.ids

    def _claim_values(self):
        """What the worker needs to act on one row; no None anywhere, XML-RPC cannot carry it."""
        self.ensure_one()
        return {
            "id": self.id,
            "instance_id": self.instance_id.id,
            "instance_name": self.instance_id.name,
            "sale_order_id": self.sale_order_id.id or False,
            "event": self.event,
            "trigger": self.trigger,
            "payload": self.payload if self.payload is not None else False,
            "attempts": self.attempts,
        }

    def mark_done(self):
        """The worker finished the row; an earlier error no longer applies."""
        self.write({"state": "done", "date_done": fields.Datetime.now(), "last_error": False})
        return True

    def mark_failed(self, error):
        """The worker gave up on the row; a person reads ``error`` and may press Retry."""
        self.write({"state": "failed", "last_error": error})
        return True

    def action_retry(self):
        """Put failed rows back in the queue; the next claim picks them up."""
        self.filtered(lambda row: row.state == "failed").write({"state": "pending"})
        return True
