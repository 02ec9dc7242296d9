"""Get an Odoo ready for the demo, creating only what is missing: the Magento instance record, the
catalogue's products by SKU (untaxed) and a bank journal for the payments.

Against a real Odoo this is the one place the demo writes outside sale orders, so it says what it did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from config.settings import InstanceConfig
from connector_worker.demo.catalog import mirror_products
from connector_worker.errors import ConfigurationError
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.odoo.invoicing import PaymentJournal

DEMO_JOURNAL = {"name": "Bank (Magento demo)", "code": "MGDMO", "type": "bank"}


@dataclass(frozen=True)
class OdooPreparation:
    """What was found and what was created."""

    instance_id: int
    instance_created: bool
    products_created: int
    products_wanted: int
    journal: PaymentJournal
    journal_created: bool

    def lines(self) -> list[str]:
        """One human line per thing prepared."""
        instance = "created" if self.instance_created else "found"
        journal = "created" if self.journal_created else "found"
        found = self.products_wanted - self.products_created
        return [
            f"Magento instance record: {instance} (id {self.instance_id})",
            f"products by SKU: {self.products_created} created, {found} already there (untaxed: every "
            "order line carries its own tax)",
            f"bank journal for payments: {journal} {self.journal.name} ({self.journal.code})",
        ]


def prepare_odoo(
    gw: OdooGateway, instance: InstanceConfig, products: Iterable[Mapping[str, Any]]
) -> OdooPreparation:
    """Ensure the instance record, the products and a bank journal exist; report what was done."""
    existed = bool(gw.search_read("magento.instance", [("name", "=", instance.name)], ["id"], limit=1))
    instance_id = gw.ensure_instance(instance.name, instance.base_url, instance.store_code)
    wanted = list(products)
    created = mirror_products(gw, wanted)
    journal, journal_created = ensure_bank_journal(gw)
    return OdooPreparation(instance_id, not existed, created, len(wanted), journal, journal_created)


def ensure_bank_journal(gw: OdooGateway) -> tuple[PaymentJournal, bool]:
    """The first bank journal; one is created (:data:`DEMO_JOURNAL`) only when Odoo has none at all."""
    try:
        return gw.bank_journal(), False
    except ConfigurationError:
        gw.create("account.journal", [dict(DEMO_JOURNAL)])
        return gw.bank_journal(), True
