"""Field values in and out: what Odoo accepts for each field type, and how ``read`` renders it.

Raw values in the store: many2one an id or None, many2many a list of ids, empty scalars None.
Errors carry Odoo's texts (``Wrong value for model.field: 'x'``, Python's own date parsing messages).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from connector_worker.sandbox.odoo.exceptions import ValidationError

if TYPE_CHECKING:
    from connector_worker.sandbox.odoo.orm import Env
    from connector_worker.sandbox.odoo.schema import FieldDef, ModelDef

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SCALAR_EMPTY = {"integer": 0, "float": 0.0, "monetary": 0.0, "boolean": False}


def to_date(value: Any) -> str | None:
    """Odoo's ``Date.to_date``: the first 10 characters parsed as YYYY-MM-DD."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return datetime.strptime(str(value)[:10], DATE_FORMAT).date().isoformat()  # noqa: DTZ007


def to_datetime(value: Any) -> str | None:
    """Odoo's ``Datetime.to_datetime``: ``YYYY-MM-DD[ HH:MM:SS]``; an ISO ``T`` fails as in Odoo."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    text = str(value)
    if len(text) == 10:
        return datetime.strptime(text, DATE_FORMAT).strftime(DATETIME_FORMAT)  # noqa: DTZ007
    return datetime.strptime(text[:19], DATETIME_FORMAT[: len(text[:19]) - 2]).strftime(DATETIME_FORMAT)  # noqa: DTZ007


def _selection(env: Env, model: ModelDef, fdef: FieldDef, value: Any) -> Any:
    if value in (False, None, ""):
        return None
    if value not in fdef.selection_keys:
        owner = model.name
        if fdef.name in model.delegated:
            owner = model.delegated[fdef.name][0]
        raise ValueError(f"Wrong value for {owner}.{fdef.name}: {value!r}")
    return value


def _many2one(env: Env, model: ModelDef, fdef: FieldDef, value: Any) -> int | None:
    if value in (False, None, 0):
        return None
    if isinstance(value, list | tuple) and value:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Wrong value for {model.name}.{fdef.name}: {value!r}")
    assert fdef.relation is not None
    if fdef.relation in env.schema and env.store.get(fdef.relation, value) is None:
        raise ValidationError(foreign_key_message(env, fdef))
    return value


def foreign_key_message(env: Env, fdef: FieldDef) -> str:
    """What Odoo says when PostgreSQL refuses a many2one to a record that does not exist."""
    comodel = env.schema.get(fdef.relation or "")
    description = comodel.description if comodel else fdef.relation
    return (
        "The operation cannot be completed: another model requires the record being deleted. "
        "If possible, archive it instead.\n\n"
        f"Model: {description} ({fdef.relation})\n"
        f"Constraint: {fdef.name}_fkey\n"
    )


def convert(env: Env, model: ModelDef, fdef: FieldDef, value: Any) -> Any:  # noqa: PLR0911
    """Turn an incoming scalar or many2one value into its stored form, refusing what Odoo refuses."""
    ftype = fdef.type
    if ftype in ("char", "text", "html"):
        return None if value in (False, None) else str(value)
    if ftype == "integer":
        return int(value or 0)
    if ftype in ("float", "monetary"):
        return float(value or 0.0)
    if ftype == "boolean":
        return bool(value)
    if ftype == "selection":
        return _selection(env, model, fdef, value)
    if ftype == "many2one":
        return _many2one(env, model, fdef, value)
    if ftype == "date":
        return to_date(value)
    if ftype == "datetime":
        return to_datetime(value)
    if ftype == "many2one_reference":
        return int(value or 0) or None
    return None if value is False else value  # json, binary, properties


def empty(fdef: FieldDef) -> Any:
    """The value a never-set field reads as."""
    if fdef.type in ("one2many", "many2many"):
        return []
    return SCALAR_EMPTY.get(fdef.type)


def render(env: Env, fdef: FieldDef, raw: Any, load: str | None = "_classic_read") -> Any:
    """The value ``read`` returns: ``[id, name]`` for many2one, ``False`` for empty, lists for x2many."""
    ftype = fdef.type
    if ftype in ("one2many", "many2many"):
        return list(raw or [])
    if ftype == "many2one":
        if not raw:
            return False
        if load != "_classic_read":
            return raw
        assert fdef.relation is not None
        return [raw, env.display_name(fdef.relation, raw)]
    if raw is None:
        return SCALAR_EMPTY.get(ftype, False)
    return raw
