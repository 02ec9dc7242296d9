"""The Odoo gateway: the one object the tasks use to talk to Odoo 17–19, whatever the protocol.

Every method is one RPC where Odoo offers one, speaks Odoo 19 field names, has a timeout, and raises only
the connector's error tree (see :mod:`connector_worker.odoo.errors`).
"""

from __future__ import annotations

from connector_worker.odoo.deliveries import DeliveryOps
from connector_worker.odoo.invoicing import InvoicingOps
from connector_worker.odoo.masterdata import MasterDataOps
from connector_worker.odoo.orders import OrderOps
from connector_worker.odoo.outbox import OutboxOps
from connector_worker.odoo.partners import PartnerOps
from connector_worker.odoo.products import ProductOps


class OdooGateway(PartnerOps, ProductOps, OrderOps, DeliveryOps, InvoicingOps, MasterDataOps, OutboxOps):
    """A logged-in, thread-safe session: ``OdooGateway.connect(settings.odoo)``; ``close()`` when done.

    ``version`` (17, 18, 19…), ``protocol`` (``xmlrpc``, ``jsonrpc``, ``json2``) and ``calls`` (RPC requests
    sent so far) describe the session; ``call``/``search_read``/``read``/``create``/``write``/``web_save``
    are the primitives the operations are built from.
    """
