"""The Magento 2 REST client: the only code that talks HTTP to Magento (see ``client.MagentoClient``)."""

from connector_worker.magento.client import PRODUCT_NOT_FOUND, MagentoClient, Track
from connector_worker.magento.errors import (
    MagentoAuthenticationError,
    MagentoCall,
    MagentoFailure,
    MagentoMalformedResponseError,
    MagentoNotFoundError,
    MagentoOutcomeUnknownError,
    MagentoRejectedError,
    MagentoTransientError,
)
from connector_worker.magento.parsing import format_magento_datetime, parse_magento_datetime
from connector_worker.magento.retry import NO_RETRY, RetryPolicy
from connector_worker.magento.search import MAX_PAGE_SIZE, Filter, SearchCriteria, SearchPage
from connector_worker.magento.transport import Exchange

__all__ = [
    "MAX_PAGE_SIZE",
    "NO_RETRY",
    "PRODUCT_NOT_FOUND",
    "Exchange",
    "Filter",
    "MagentoAuthenticationError",
    "MagentoCall",
    "MagentoClient",
    "MagentoFailure",
    "MagentoMalformedResponseError",
    "MagentoNotFoundError",
    "MagentoOutcomeUnknownError",
    "MagentoRejectedError",
    "MagentoTransientError",
    "RetryPolicy",
    "SearchCriteria",
    "SearchPage",
    "Track",
    "format_magento_datetime",
    "parse_magento_datetime",
]
