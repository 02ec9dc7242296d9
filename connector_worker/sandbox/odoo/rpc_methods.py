"""The ORM methods every model publishes over RPC: create, read, search…, web_save, fields_get, name_search.

Each is called as ``func(env, model, [ids,] ...)`` with Odoo's own parameter names, so JSON-2's named
arguments and XML-RPC's positional ones bind the way they bind on a real server (hence the long
positional signatures: they are Odoo's).
"""

# ruff: noqa: PLR0917

from __future__ import annotations

from typing import Any

from connector_worker.sandbox.odoo.behaviour import rpc_method
from connector_worker.sandbox.odoo.orm import Env

MAIL_THREAD_MODELS = frozenset(
    {
        "sale.order",
        "res.partner",
        "account.move",
        "account.payment",
        "stock.picking",
        "product.template",
        "product.product",
        "account.journal",
        "product.pricelist",
    }
)


class CreatedIds(list[int]):
    """Ids from ``create``: XML-RPC and JSON-RPC answer one id when one dict was given (``call_kw``)."""


@rpc_method(None, model_level=True)
def create(env: Env, model: str, vals_list: Any) -> CreatedIds:
    many = isinstance(vals_list, list)
    batch = vals_list if many else [vals_list]
    for vals in batch:
        if not isinstance(vals, dict):
            raise ValueError(f"Wrong value for {model}.create: {vals!r}")
    return CreatedIds(env.create(model, vals) for vals in batch)


@rpc_method(None)
def write(env: Env, model: str, ids: list[int], vals: dict[str, Any]) -> bool:
    env.write(model, ids, vals)
    return True


@rpc_method(None)
def read(
    env: Env, model: str, ids: list[int], fields: list[str] | None = None, load: str = "_classic_read"
) -> list[dict[str, Any]]:
    return env.read(model, ids, fields or None, load)


@rpc_method(None, model_level=True)
def search(
    env: Env, model: str, domain: Any, offset: int = 0, limit: int | None = None, order: str | None = None
) -> list[int]:
    return env.search(model, domain, offset, limit or None, order or None)


@rpc_method(None, model_level=True)
def search_read(
    env: Env,
    model: str,
    domain: Any = None,
    fields: list[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
    load: str = "_classic_read",
) -> list[dict[str, Any]]:
    ids = env.search(model, domain or [], offset, limit or None, order or None)
    return env.read(model, ids, fields or None, load)


@rpc_method(None, model_level=True)
def search_count(env: Env, model: str, domain: Any = None, limit: int | None = None) -> int:
    return len(env.search(model, domain or [], 0, limit or None))


@rpc_method(None)
def unlink(env: Env, model: str, ids: list[int]) -> bool:
    env.unlink(model, ids)
    return True


@rpc_method(None)
def exists(env: Env, model: str, ids: list[int]) -> list[int]:
    return [rec_id for rec_id in ids if env.store.get(model, rec_id) is not None]


@rpc_method(None, model_level=True)
def fields_get(
    env: Env, model: str, allfields: list[str] | None = None, attributes: list[str] | None = None
) -> dict[str, Any]:
    mdef = env.model_def(model)
    names = [name for name in (allfields or mdef.fields) if name in mdef.fields]
    return {name: mdef.fields[name].describe(attributes) for name in names}


@rpc_method(None, model_level=True)
def default_get(env: Env, model: str, fields_list: list[str]) -> dict[str, Any]:
    return {
        key[8:]: value
        for key, value in env.context.items()
        if key.startswith("default_") and key[8:] in fields_list
    }


def _name_search(
    env: Env, model: str, name: str, domain: Any, operator: str, limit: int | None
) -> list[list[Any]]:
    rec_name = env.model_def(model).rec_name or "id"
    full = list(domain or [])
    if name:
        full = ["&", (rec_name, operator, name), *full] if full else [(rec_name, operator, name)]
    ids = env.search(model, full, 0, limit or None)
    return [[rec_id, env.display_name(model, rec_id)] for rec_id in ids]


@rpc_method(None, model_level=True, versions=(17,), name="name_search")
def name_search_17(
    env: Env, model: str, name: str = "", args: Any = None, operator: str = "ilike", limit: int = 100
) -> list[list[Any]]:
    return _name_search(env, model, name, args, operator, limit)


@rpc_method(None, model_level=True, versions=(18, 19), name="name_search")
def name_search(
    env: Env, model: str, name: str = "", domain: Any = None, operator: str = "ilike", limit: int = 100
) -> list[list[Any]]:
    return _name_search(env, model, name, domain, operator, limit)


def web_read_rows(
    env: Env, model: str, ids: list[int], specification: dict[str, Any]
) -> list[dict[str, Any]]:
    """Odoo's ``web_read``: many2one as an id (or a dict when sub-fields are asked), x2many as ids or dicts."""
    mdef = env.model_def(model)
    rows = []
    for rec_id in ids:
        record = env.store.get(model, rec_id)
        if record is None:
            continue
        row: dict[str, Any] = {"id": rec_id}
        for fname, sub in (specification or {}).items():
            fdef = mdef.fields.get(fname)
            if fdef is None:
                raise ValueError(env.invalid_field_message(model, fname))
            raw = env.value(model, record, fname)
            nested = (sub or {}).get("fields")
            if fdef.type == "many2one":
                row[fname] = (
                    (web_read_rows(env, fdef.relation or "", [raw], nested)[0] if nested else raw)
                    if raw
                    else False
                )
            elif fdef.type in ("one2many", "many2many"):
                row[fname] = (
                    web_read_rows(env, fdef.relation or "", list(raw), nested) if nested else list(raw)
                )
            else:
                row[fname] = env.read(model, [rec_id], [fname])[0][fname]
        rows.append(row)
    return rows


@rpc_method(None)
def web_read(env: Env, model: str, ids: list[int], specification: dict[str, Any]) -> list[dict[str, Any]]:
    return web_read_rows(env, model, ids, specification)


@rpc_method(None)
def web_save(
    env: Env,
    model: str,
    ids: list[int],
    vals: dict[str, Any],
    specification: dict[str, Any],
    next_id: int | None = None,
) -> list[dict[str, Any]]:
    """Create (no ids) or write, then read back by ``specification``: one call, one transaction."""
    if ids:
        env.write(model, ids, vals)
    else:
        ids = [env.create(model, vals)]
    if next_id:
        ids = [next_id]
    return web_read_rows(env, model, ids, specification)


@rpc_method(None)
def message_post(
    env: Env,
    model: str,
    ids: list[int],
    body: str = "",
    subject: str | None = None,
    message_type: str = "notification",
    subtype_xmlid: str | None = None,
    partner_ids: list[int] | None = None,
    body_is_html: bool = False,
    **kwargs: Any,
) -> Any:
    """Post a chatter message; 17/18 answer the message id, 19 a list of ids (no ``@api.returns``)."""
    if model not in MAIL_THREAD_MODELS:
        raise AttributeError(f"The method '{model}.message_post' does not exist")
    if len(ids) != 1:
        raise ValueError(f"Expected singleton: {model}({', '.join(map(str, ids))},)")
    env.record(model, ids[0])
    author = env.get("res.users", env.uid, "partner_id")
    message_id = env.create(
        "mail.message",
        {
            "body": body,
            "subject": subject or False,
            "model": model,
            "res_id": ids[0],
            "message_type": message_type,
            "author_id": author,
            "date": env.now(),
        },
    )
    return [message_id] if env.version >= 19 else message_id


@rpc_method("res.users", model_level=True)
def context_get(env: Env, model: str) -> dict[str, Any]:
    user = env.record("res.users", env.uid)
    return {"lang": user.get("lang") or "en_US", "tz": user.get("tz") or False, "uid": env.uid}
