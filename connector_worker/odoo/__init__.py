"""The Odoo gateway (the only code that speaks to Odoo): ``OdooGateway.connect(settings.odoo)``."""

from connector_worker.odoo.errors import (
    OdooAccessDeniedError,
    OdooConcurrencyError,
    OdooFault,
    OdooMissingError,
    OdooRejectedError,
    OdooResultNotMarshalledError,
    OdooServerError,
)
from connector_worker.odoo.gateway import OdooGateway
from connector_worker.odoo.invoicing import PaymentJournal
from connector_worker.odoo.masterdata import CompanyInfo
from connector_worker.odoo.orders import DuplicateOrderError
from connector_worker.odoo.partners import PartnerIds

__all__ = [
    "CompanyInfo",
    "DuplicateOrderError",
    "OdooAccessDeniedError",
    "OdooConcurrencyError",
    "OdooFault",
    "OdooGateway",
    "OdooMissingError",
    "OdooRejectedError",
    "OdooResultNotMarshalledError",
    "OdooServerError",
    "PartnerIds",
    "PaymentJournal",
]
