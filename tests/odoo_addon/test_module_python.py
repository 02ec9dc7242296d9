"""The module's Python keeps the promises the worker relies on, read from its source.

Odoo itself is not installed here, so these tests read the methods' code: the triggers hook the
right Odoo methods and skip the worker's own writes, claim locks rows, the buttons only queue.
"""

import ast

import pytest

from tests.odoo_addon.addon_source import ADDON_DIR, read_models

SYNC_FLAG = "magento_connector_sync"


def _method(model: str, name: str) -> ast.FunctionDef:
    return read_models()[model].methods[name]


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def _called_names(node: ast.AST) -> set[str]:
    return {call.func.attr for call in _calls(node) if isinstance(call.func, ast.Attribute)}


def _calls_super(method: ast.FunctionDef) -> bool:
    for call in _calls(method):
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == method.name
            and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "super"
        ):
            return True
    return False


@pytest.mark.parametrize(
    ("model", "method", "trigger"),
    [
        ("sale.order", "action_confirm", "confirmed"),
        ("sale.order", "_action_cancel", "cancelled"),
        ("stock.picking", "_action_done", "delivered"),
        ("account.move", "_post", "invoiced"),
    ],
)
def test_each_trigger_extends_odoo_and_queues_its_update(model: str, method: str, trigger: str) -> None:
    # Given the override that should notice a confirmation, cancellation, delivery or invoice
    override = _method(model, method)

    # Then it runs Odoo's own method, queues the trigger and hands back Odoo's result
    assert _calls_super(override), f"{model}.{method} must call super()"
    queued = [
        call
        for call in _calls(override)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "_magento_enqueue_trigger"
    ]
    assert [ast.literal_eval(call.args[0]) for call in queued] == [trigger]
    final = override.body[-1]
    assert isinstance(final, ast.Return) and isinstance(final.value, ast.Name) and final.value.id == "result"


def test_triggers_skip_changes_made_by_the_worker() -> None:
    # Given the one place every automatic outbox row goes through
    enqueue = _method("sale.order", "_magento_enqueue_trigger")
    first = enqueue.body[1] if isinstance(enqueue.body[0], ast.Expr) else enqueue.body[0]

    # Then its first step returns early when the context carries the worker's flag
    assert isinstance(first, ast.If) and isinstance(first.body[0], ast.Return)
    assert "context" in ast.unparse(first.test) and "SYNC_CONTEXT_FLAG" in ast.unparse(first.test)
    source = (ADDON_DIR / "models" / "sale_order.py").read_text(encoding="utf-8")
    assert f'SYNC_CONTEXT_FLAG = "{SYNC_FLAG}"' in source


def test_triggers_only_queue_orders_linked_to_magento() -> None:
    enqueue = _method("sale.order", "_magento_enqueue_trigger")
    assert "_magento_is_linked" in _called_names(enqueue)
    linked = _method("sale.order", "_magento_is_linked")
    assert "magento_instance_id and self.magento_order_id" in ast.unparse(linked)


def test_delivery_trigger_fires_when_the_order_becomes_fully_delivered() -> None:
    source = ast.unparse(_method("stock.picking", "_action_done"))
    assert "delivery_status == 'full'" in source
    assert "not delivered_before[order.id]" in source


def test_invoice_trigger_fires_for_posted_customer_invoices_only() -> None:
    source = ast.unparse(_method("account.move", "_post"))
    assert "move.move_type == 'out_invoice'" in source
    assert "move.state == 'posted'" in source


def test_claim_locks_rows_so_two_workers_never_get_the_same_one() -> None:
    # Given claim() as written
    claim = _method("magento.outbox", "claim")

    # Then it is callable on the model over RPC, checks write access, and selects with row locks
    assert [ast.unparse(d) for d in claim.decorator_list] == ["api.model"]
    assert [arg.arg for arg in claim.args.args] == ["self", "limit", "events", "instances"]
    assert [ast.literal_eval(default) for default in claim.args.defaults] == [50, None, None]
    assert "check_access" in _called_names(claim)
    (execute,) = [
        call for call in _calls(claim) if isinstance(call.func, ast.Attribute) and call.func.attr == "execute"
    ]
    sql = ast.literal_eval(execute.args[0])
    assert sql.startswith("SELECT id FROM magento_outbox")
    assert "(state = 'pending' OR (state = 'queued' AND date_queued < %s)) AND event IN %s" in sql
    assert " AND (%s OR instance_id = ANY(%s))" in sql
    assert sql.endswith("ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED")
    # and the values travel as query parameters, never spliced into the SQL text
    assert ast.unparse(execute.args[1]) == "(stale_before, wanted, every_instance, instance_ids or [], limit)"


def test_claim_takes_some_events_or_all_and_refuses_unknown_ones() -> None:
    # Given claim(limit, events) and its helper
    claim = ast.unparse(_method("magento.outbox", "claim"))
    events = _method("magento.outbox", "_claimable_events")
    source = ast.unparse(events)

    # Then None/False mean every event of the field's selection, a name or a list narrows the claim
    assert "wanted = self._claimable_events(events)" in claim
    assert "self._fields['event'].selection" in source
    assert "if events is None or events is False:" in source and "isinstance(events, str)" in source
    # and a name the outbox does not know is refused, in the words the sandbox uses too
    assert "UserError" in _called_names(events) or "UserError" in source
    assert any(text.startswith("Unknown Magento outbox events: %(events)s.") for text in _strings(events))


def test_claim_takes_the_named_instances_only_so_deployments_can_share_a_database() -> None:
    # Given claim(limit, events, instances) and the helper that turns names into ids
    claim = ast.unparse(_method("magento.outbox", "claim"))
    helper = _method("magento.outbox", "_claimable_instance_ids")
    source = ast.unparse(helper)

    # Then None/False mean every instance (the SQL's first operand), a name or a list of names narrows
    # the claim to those instances' rows, archived instances included
    assert "instance_ids = self._claimable_instance_ids(instances)" in claim
    assert "every_instance = instance_ids is None" in claim
    assert "if instances is None or instances is False:" in source and "return None" in source
    assert "isinstance(instances, str)" in source
    assert "with_context(active_test=False).search([('name', 'in', names)])" in source
    # and names that match no instance claim nothing instead of everything
    assert "instance_ids == []" in claim and "return found.ids" in source


def test_claim_hands_out_nothing_for_a_zero_limit_and_at_most_500() -> None:
    claim = ast.unparse(_method("magento.outbox", "claim"))
    assert "limit = min(int(limit), MAX_CLAIM)" in claim
    assert "if limit <= 0 or not wanted or instance_ids == []:" in claim
    module = (ADDON_DIR / "models" / "magento_outbox.py").read_text(encoding="utf-8")
    assert "MAX_CLAIM = 500" in module


def test_claim_marks_rows_queued_and_counts_the_attempt() -> None:
    source = ast.unparse(_method("magento.outbox", "claim"))
    assert "'state': 'queued', 'date_queued': now, 'attempts': row.attempts + 1" in source
    module = (ADDON_DIR / "models" / "magento_outbox.py").read_text(encoding="utf-8")
    assert "STALE_QUEUED_AFTER = timedelta(minutes=15)" in module


def test_claim_hands_back_the_contract_keys() -> None:
    values = _method("magento.outbox", "_claim_values")
    (returned,) = [node.value for node in ast.walk(values) if isinstance(node, ast.Return)]
    assert isinstance(returned, ast.Dict)
    keys = [ast.literal_eval(key) for key in returned.keys if key is not None]
    assert keys == [
        "id",
        "instance_id",
        "instance_name",
        "sale_order_id",
        "event",
        "trigger",
        "payload",
        "attempts",
    ]


@pytest.mark.parametrize(
    ("model", "method"),
    [
        ("sale.order", "action_magento_create"),
        ("sale.order", "action_magento_pull"),
        ("sale.order", "action_magento_update"),
        ("magento.outbox", "mark_done"),
        ("magento.outbox", "mark_failed"),
        ("magento.outbox", "action_retry"),
    ],
)
def test_public_methods_return_true(model: str, method: str) -> None:
    # XML-RPC cannot marshal None: every public method answers True
    returns = [node for node in ast.walk(_method(model, method)) if isinstance(node, ast.Return)]
    assert returns and all(isinstance(r.value, ast.Constant) and r.value.value is True for r in returns)


@pytest.mark.parametrize(
    ("method", "event"),
    [
        ("action_magento_create", "create"),
        ("action_magento_pull", "pull"),
        ("action_magento_update", "update"),
    ],
)
def test_buttons_only_write_an_outbox_row(method: str, event: str) -> None:
    body = _method("sale.order", method)
    enqueues = [
        c for c in _calls(body) if isinstance(c.func, ast.Attribute) and c.func.attr == "_magento_enqueue"
    ]
    assert [tuple(ast.literal_eval(arg) for arg in call.args) for call in enqueues] == [(event, "button")]
    enqueue = ast.unparse(_method("sale.order", "_magento_enqueue"))
    # the user's right to change the order is checked, then the row is written as superuser
    assert enqueue.index("self.check_access('write')") < enqueue.index(
        "self.env['magento.outbox'].sudo().create"
    )


def test_create_is_not_queued_again_while_one_waits() -> None:
    create = ast.unparse(_method("sale.order", "action_magento_create"))
    # the order row is locked, so a second press in another transaction sees the first one's row
    lock = create.index("FOR UPDATE")
    search = create.index("('event', '=', 'create'), ('state', 'in', ('pending', 'queued'))")
    assert create.index("self.check_access('write')") < lock < search < create.index("_magento_enqueue")
    assert "self.env['magento.outbox'].sudo()" in create  # the user may have no right to read the outbox


def test_buttons_refuse_with_the_contract_messages() -> None:
    assert "Set the Magento Instance of the order first." in _strings(
        _method("sale.order", "_magento_only_instance")
    )
    assert "This order is not linked to a Magento order." in _strings(
        _method("sale.order", "_magento_check_linked")
    )
    for method in ("action_magento_pull", "action_magento_update"):
        assert "_magento_check_linked" in _called_names(_method("sale.order", method))
    # Create takes the only active instance when the order has none
    only = ast.unparse(_method("sale.order", "_magento_only_instance"))
    assert "('active', '=', True)" in only and "len(instances) != 1" in only


def test_mark_done_clears_the_error_and_mark_failed_records_it() -> None:
    done = ast.unparse(_method("magento.outbox", "mark_done"))
    assert "'state': 'done', 'date_done': fields.Datetime.now(), 'last_error': False" in done
    failed = ast.unparse(_method("magento.outbox", "mark_failed"))
    assert "'state': 'failed', 'last_error': error" in failed
    retry = ast.unparse(_method("magento.outbox", "action_retry"))
    assert "row.state == 'failed'" in retry and "{'state': 'pending'}" in retry


def test_the_module_makes_no_outgoing_calls() -> None:
    # Odoo never calls Magento: the worker does. The module imports Odoo and the standard clock only.
    imported = set()
    for path in (ADDON_DIR / "models").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert imported <= {"odoo", "datetime"}
