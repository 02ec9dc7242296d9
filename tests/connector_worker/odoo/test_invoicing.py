"""Invoices and payments through Odoo's wizards, with the calls each step costs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connector_worker.errors import ConfigurationError
from connector_worker.odoo import OdooGateway, OdooRejectedError
from tests.connector_worker.odoo.conftest import Catalog, order_vals, rpc_calls, unique
from tests.support.odoo_sandbox import OdooSandboxHandle


def test_invoice_post_and_pay_an_order(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, catalog: Catalog
) -> None:
    order_id = gateway.create_order(order_vals(catalog, unique("inv")))["id"]
    gateway.confirm_order(order_id)
    # XML-RPC: create_invoices commits, then cannot marshal its None-bearing action: one more call re-reads.
    with rpc_calls(gateway, sandbox, 3 if gateway.protocol == "xmlrpc" else 2):
        invoice_id = gateway.create_invoice(order_id)
    assert gateway.order_status([order_id])[0]["invoice_ids"] == [invoice_id]
    with rpc_calls(gateway, sandbox, 1):
        gateway.post_invoice(invoice_id)
    journal = gateway.bank_journal()
    memo = f"Magento #{unique('1000')}"
    with rpc_calls(gateway, sandbox, 2):
        gateway.register_payment(
            invoice_id, amount=Decimal("117.58"), journal=journal, payment_date=dt.date(2026, 5, 2), memo=memo
        )
    with rpc_calls(gateway, sandbox, 1):
        [invoice] = gateway.invoices([invoice_id])
    assert invoice["state"] == "posted"
    assert invoice["payment_state"] in ("paid", "in_payment")
    assert invoice["amount_residual"] == 0.0 and invoice["amount_total"] == 117.58
    [payment] = gateway.search_read(
        "account.payment", [("memo", "=", memo)], ["memo", "amount", "journal_id"]
    )
    assert payment["amount"] == 117.58 and payment["journal_id"][0] == journal.id


def test_an_order_with_nothing_to_invoice_is_refused(gateway: OdooGateway, catalog: Catalog) -> None:
    order_id = gateway.create_order(order_vals(catalog, unique("none")))["id"]
    gateway.confirm_order(order_id)
    gateway.post_invoice(gateway.create_invoice(order_id))
    with pytest.raises(OdooRejectedError, match="Cannot create an invoice"):
        gateway.create_invoice(order_id)


def test_the_bank_journal_comes_with_its_inbound_method_line(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    with rpc_calls(gateway, sandbox, 1):
        journal = gateway.bank_journal()
    assert (journal.code, journal.name) == ("BNK1", "Bank")
    [line] = sandbox.read(
        "account.payment.method.line",
        [("id", "=", journal.inbound_method_line_id)],
        ["journal_id", "payment_type"],
    )
    assert line["journal_id"][0] == journal.id and line["payment_type"] == "inbound"
    assert gateway.bank_journal("BNK1") == journal
    with pytest.raises(ConfigurationError, match="no bank journal with code 'NOPE'"):
        gateway.bank_journal("NOPE")
