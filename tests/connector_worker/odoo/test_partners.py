"""Customers: found by normalized email in one call, created with their addresses in one call."""

from __future__ import annotations

import pytest

from connector_worker.odoo import OdooGateway
from connector_worker.odoo import partners as partners_module
from mappers.partner import normalize_email
from tests.connector_worker.odoo.conftest import rpc_calls, unique
from tests.support.odoo_sandbox import OdooSandboxHandle


def test_a_customer_with_invoice_and_delivery_addresses_is_one_call(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    email = f"{unique('jane')}@example.com"
    with rpc_calls(gateway, sandbox, 1):
        ids = gateway.create_partner(
            {"name": "Jane Doe", "email": email},
            invoice_vals={"name": "Jane Doe", "street": "1 Bill St", "city": "Austin"},
            delivery_vals={"name": "Jane Doe", "street": "2 Ship Rd", "city": "Dallas"},
        )
    assert len({ids.partner_id, ids.invoice_id, ids.delivery_id}) == 3
    rows = sandbox.read(
        "res.partner", [("id", "in", [ids.invoice_id, ids.delivery_id])], ["type", "parent_id", "city"]
    )
    by_id = {row["id"]: row for row in rows}
    assert by_id[ids.invoice_id]["type"] == "invoice" and by_id[ids.invoice_id]["city"] == "Austin"
    assert by_id[ids.delivery_id]["type"] == "delivery" and by_id[ids.delivery_id]["city"] == "Dallas"
    assert {row["parent_id"][0] for row in rows} == {ids.partner_id}


def test_a_customer_without_addresses_stands_for_both(gateway: OdooGateway) -> None:
    ids = gateway.create_partner({"name": "Solo Buyer", "email": f"{unique('solo')}@example.com"})
    assert ids.invoice_id == ids.delivery_id == ids.partner_id


def test_emails_are_matched_exactly_whatever_their_case_and_without_wildcards(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    tag = unique("x")
    underscore = f"a_b.{tag}@example.com"
    lookalike = f"axb.{tag}@example.com"  # what '=ilike' with a_b would also match
    mixed = f"Mixed.{tag}@Example.COM"
    gateway.create(
        "res.partner",
        [{"name": n, "email": e} for n, e in (("U", underscore), ("L", lookalike), ("M", mixed))],
    )
    with rpc_calls(gateway, sandbox, 1):
        found = gateway.find_partners_by_emails(
            [underscore.upper(), f"  {mixed.lower()} ", f"nobody.{tag}@example.com"]
        )
    assert [row["name"] for row in found[underscore]] == ["U"]
    assert [row["name"] for row in found[mixed.lower()]] == ["M"]
    assert found[f"nobody.{tag}@example.com"] == []
    assert set(found) == {underscore, mixed.lower(), f"nobody.{tag}@example.com"}


def test_many_emails_go_in_batches_and_none_costs_nothing(
    gateway: OdooGateway, sandbox: OdooSandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partners_module, "EMAIL_BATCH_SIZE", 2)
    emails = [f"{unique('batch')}@example.com" for _ in range(5)]
    gateway.create("res.partner", [{"name": "B", "email": email} for email in emails])
    with rpc_calls(gateway, sandbox, 3):
        found = gateway.find_partners_by_emails(emails)
    assert all(len(found[email]) == 1 for email in emails)
    with rpc_calls(gateway, sandbox, 0):
        assert gateway.find_partners_by_emails(["", "  "]) == {}


def test_a_non_ascii_local_part_is_matched_as_odoo_stores_it(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    # given a customer whose address has a non-ASCII local part, and another contact whose address differs
    # only in that part's case (two mailboxes for SMTPUTF8, two partners for Odoo)
    tag = unique("intl")
    magento_email = f"Élodie.{tag}@Exämple.COM"
    elodie = gateway.create_partner({"name": "Élodie", "email": magento_email}).partner_id
    other = gateway.create_partner({"name": "élodie", "email": magento_email.lower()}).partner_id
    # when the worker looks her up with the mapper's normalized e-mail, in one call
    email = normalize_email(magento_email)
    with rpc_calls(gateway, sandbox, 1):
        found = gateway.find_partners_by_emails([email, f"  {magento_email} "])
    # then she is found under the key the worker asked with, and the other contact is not mixed in
    assert email == f"Élodie.{tag}@exämple.com"
    assert set(found) == {email}
    assert [row["id"] for row in found[email]] == [elodie]
    assert [row["email_normalized"] for row in found[email]] == [email]
    assert [row["id"] for row in gateway.find_partners_by_emails([magento_email.lower()])[email.lower()]] == [
        other
    ]


def test_what_holds_no_address_matches_no_partner_and_costs_nothing(
    gateway: OdooGateway, sandbox: OdooSandboxHandle
) -> None:
    with rpc_calls(gateway, sandbox, 0):
        assert gateway.find_partners_by_emails(["not an address", "", "  "]) == {}
