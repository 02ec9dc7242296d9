"""Registering a customer payment through ``account.payment.register`` (reference odoo.md §3.4, §7.9)."""

from __future__ import annotations

from typing import Any

from connector_worker.sandbox.odoo.behaviour import behaviour, rpc_method
from connector_worker.sandbox.odoo.exceptions import UserError
from connector_worker.sandbox.odoo.invoicing import amount_residual
from connector_worker.sandbox.odoo.money import float_round
from connector_worker.sandbox.odoo.orm import Env

BANK_JOURNAL = 6


def _invoices(env: Env) -> list[int]:
    """The wizard's invoices from its context, refusing what Odoo's ``default_get`` refuses."""
    if env.context.get("active_model") not in ("account.move", "account.move.line"):
        raise UserError(
            "The register payment wizard should only be called on account.move or account.move.line records."
        )
    ids = [int(i) for i in env.context.get("active_ids") or []]
    if env.context.get("active_model") == "account.move.line":
        ids = sorted({env.get("account.move.line", i, "move_id") for i in ids})
    for move_id in ids:
        if env.get("account.move", move_id, "state") != "posted":
            raise UserError("You can only register payment for posted journal entries.")
    if not ids or sum(amount_residual(env, env.record("account.move", i)) for i in ids) <= 0:
        raise UserError(
            "You can't register a payment because there is nothing left to pay on the selected journal items."
        )
    return ids


def _prepare(env: Env, vals: dict[str, Any]) -> None:
    invoices = _invoices(env)
    first = env.record("account.move", invoices[0])
    journal = vals.get("journal_id") or BANK_JOURNAL
    vals.setdefault("journal_id", journal)
    if not vals.get("payment_method_line_id"):
        lines = env.search(
            "account.payment.method.line", [("journal_id", "=", journal), ("payment_type", "=", "inbound")]
        )
        vals["payment_method_line_id"] = lines[0] if lines else False
    vals.setdefault(
        "amount", float_round(sum(amount_residual(env, env.record("account.move", i)) for i in invoices))
    )
    vals.setdefault("payment_date", env.today())
    vals.setdefault("communication", " ".join(str(env.get("account.move", i, "name")) for i in invoices))
    vals.setdefault("currency_id", first.get("currency_id"))
    vals.setdefault("partner_id", first.get("partner_id"))
    vals.setdefault("payment_difference_handling", "open")
    vals.setdefault("group_payment", True)
    vals["line_ids"] = [
        (6, 0, [line for i in invoices for line in env.children("account.move.line", "move_id", i)])
    ]


def _register() -> None:
    behaviour("account.payment.register").prepare_create.append(_prepare)
    payment = behaviour("account.payment")
    payment.defaults.update(
        company_id=lambda env, vals: 1,
        partner_type=lambda env, vals: "customer",
        payment_type=lambda env, vals: "inbound",
    )
    payment.computed["reconciled_invoice_ids"] = lambda env, rec: list(rec.get("invoice_ids") or [])


_register()


@rpc_method("account.payment.register")
def action_create_payments(env: Env, model: str, ids: list[int]) -> Any:
    """Create, post and reconcile the payment; the invoices' residual drops by its amount."""
    wizard = env.record(model, ids[0])
    invoices = sorted(
        {env.get("account.move.line", line, "move_id") for line in wizard.get("line_ids") or []}
    )
    journal = env.record("account.journal", wizard["journal_id"])
    year = str(wizard["payment_date"])[:4]
    left = float(wizard.get("amount") or 0.0)
    full = left >= sum(amount_residual(env, env.record("account.move", i)) for i in invoices) - 0.005
    for move_id in invoices:
        residual = amount_residual(env, env.record("account.move", move_id))
        applied = (
            residual if wizard.get("payment_difference_handling") == "reconcile" else min(residual, left)
        )
        left -= applied
        paid = float(env.record("account.move", move_id).get("amount_paid_sandbox") or 0.0) + applied
        env.store.update("account.move", move_id, {"amount_paid_sandbox": paid})
    memo_field = "memo" if env.version >= 18 else "ref"
    prefix = f"P{journal['code']}/{year}"
    payment_id = env.create(
        "account.payment",
        {
            "name": f"{prefix}/{env.store.next_sequence(prefix):05d}",
            "state": "paid" if env.version >= 18 else "posted",
            "amount": wizard.get("amount"),
            memo_field: wizard.get("communication"),
            "partner_id": wizard.get("partner_id"),
            "journal_id": journal["id"],
            "date": wizard["payment_date"],
            "payment_method_line_id": wizard.get("payment_method_line_id"),
            "currency_id": wizard.get("currency_id"),
            "is_reconciled": full or wizard.get("payment_difference_handling") == "reconcile",
            "invoice_ids": [(6, 0, invoices)],
        },
    )
    if env.version >= 18:
        for move_id in invoices:
            current = list(env.record("account.move", move_id).get("matched_payment_ids") or [])
            env.store.update("account.move", move_id, {"matched_payment_ids": [*current, payment_id]})
    if env.context.get("dont_redirect_to_payments"):
        return True
    return {
        "name": "Payments",
        "type": "ir.actions.act_window",
        "res_model": "account.payment",
        "context": {"create": False},
        "view_mode": "form",
        "res_id": payment_id,
    }
