"""Imports every module that registers model behaviour, so the registry is complete once this is imported."""

from __future__ import annotations

from connector_worker.sandbox.odoo import (
    base_models,
    invoicing,
    magento_module,
    payments,
    rpc_methods,
    sale,
    stock,
)

__all__ = ["base_models", "invoicing", "magento_module", "payments", "rpc_methods", "sale", "stock"]
