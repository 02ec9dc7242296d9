"""Deliveries in Odoo: validate an order's open outgoing pickings for their full demand, as a warehouse
user would (reference odoo.md §7.10), when Magento reports the order shipped.
"""

from __future__ import annotations

from typing import Any

from connector_worker.errors import RemoteRejectedError
from connector_worker.odoo.rpc import OdooRpc

_CLOSED = ["done", "cancel"]


class DeliveryOps(OdooRpc):
    """Delivery operations."""

    def deliver_order(self, order_id: int) -> list[int]:
        """Validate every open outgoing delivery of the order with its full quantities; the pickings' ids.

        Three RPCs for one picking (read the moves, set quantities, validate), one when nothing is open, so
        running it twice is harmless. A wizard answer (backorder, …) is refused, never half-accepted.
        """
        domain = [
            ("picking_id.sale_id", "=", order_id),
            ("picking_id.picking_type_code", "=", "outgoing"),
            ("picking_id.state", "not in", _CLOSED),
            ("state", "not in", _CLOSED),
        ]
        moves = self.search_read("stock.move", domain, ["id", "picking_id", "product_uom_qty"], order="id")
        by_picking: dict[int, list[dict[str, Any]]] = {}
        for move in moves:
            by_picking.setdefault(int(move["picking_id"][0]), []).append(move)
        for picking_id, picking_moves in by_picking.items():
            commands = [
                [1, move["id"], {"quantity": move["product_uom_qty"], "picked": True}]
                for move in picking_moves
            ]
            self.write("stock.picking", [picking_id], {"move_ids": commands})
        if not by_picking:
            return []
        picking_ids = sorted(by_picking)
        answer = self.call("stock.picking", "button_validate", ids=picking_ids)
        if answer is not True:
            wizard = answer.get("res_model") if isinstance(answer, dict) else answer
            raise RemoteRejectedError(
                f"stock.picking.button_validate: Odoo asked for {wizard!r} instead of validating {picking_ids}"
            )
        return picking_ids
