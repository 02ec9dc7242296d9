"""The generic ORM: create, write, unlink, search and read over the store, with Odoo's rules and messages.

``Env`` is what business code receives (like Odoo's ``self.env``): the database, the user, the context.
Model-specific behaviour comes from ``behaviour.REGISTRY``; this module stays generic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from connector_worker.sandbox.odoo import values
from connector_worker.sandbox.odoo.behaviour import REGISTRY, ModelBehaviour
from connector_worker.sandbox.odoo.domain import Evaluator, Leaf, Node, Tree, parse, parse_order, sort_records
from connector_worker.sandbox.odoo.exceptions import MissingError, UserError, ValidationError

if TYPE_CHECKING:
    from connector_worker.sandbox.odoo.database import Database
    from connector_worker.sandbox.odoo.schema import FieldDef, ModelDef
    from connector_worker.sandbox.odoo.store import Record, Store

X2MANY = ("one2many", "many2many")
MAGIC = frozenset({"id", "display_name", "create_date", "write_date", "create_uid", "write_uid"})
INDEXABLE = frozenset({"char", "integer", "many2one", "selection", "boolean"})
_EMPTY_BEHAVIOUR = ModelBehaviour()


class Env:
    """One call's view of the database: user id, context, and the ORM operations."""

    def __init__(self, db: Database, uid: int, context: dict[str, Any] | None = None) -> None:
        self.db = db
        self.uid = uid
        self.context: dict[str, Any] = dict(context or {})

    @property
    def store(self) -> Store:
        return self.db.store

    @property
    def schema(self) -> dict[str, ModelDef]:
        return self.db.schema

    @property
    def version(self) -> int:
        return self.db.version

    def with_context(self, **changes: Any) -> Env:
        return Env(self.db, self.uid, {**self.context, **changes})

    def model_def(self, model: str) -> ModelDef:
        mdef = self.schema.get(model)
        if mdef is None:
            raise UserError(f"Object {model} doesn't exist")
        return mdef

    def now(self) -> str:
        return datetime.now(UTC).strftime(values.DATETIME_FORMAT)

    def today(self) -> str:
        return datetime.now(UTC).date().isoformat()

    def invalid_field_message(self, model: str, name: str) -> str:
        if self.version >= 19:
            return f"Invalid field {name!r} in {model!r}"
        return f"Invalid field {name!r} on model {model!r}"

    # -- reading ------------------------------------------------------------------------------------
    def record(self, model: str, rec_id: int) -> Record:
        record = self.store.get(model, rec_id)
        if record is None:
            raise MissingError(
                f"Record does not exist or has been deleted.\n(Record: {model}({rec_id},), User: {self.uid})"
            )
        return record

    def value(self, model: str, record: Record, fname: str) -> Any:
        """The raw value of a field: computed, delegated to the template, one2many, or stored."""
        behaviour = REGISTRY.get(model, _EMPTY_BEHAVIOUR)
        compute = behaviour.computed.get(fname)
        mdef = self.schema[model]
        if compute is not None:
            # A writable computed field keeps what was written (Odoo's stored compute with inverse).
            stored = record.get(fname)
            if stored is None or mdef.fields[fname].readonly:
                return compute(self, record)
            return stored
        if fname in mdef.delegated:
            parent_model, link = mdef.delegated[fname]
            parent = self.store.get(parent_model, record.get(link) or 0)
            return self.value(parent_model, parent, fname) if parent else values.empty(mdef.fields[fname])
        if fname == "display_name":
            return self.display_name(model, record["id"])
        fdef = mdef.fields[fname]
        if fdef.type == "one2many" and fdef.inverse and fdef.relation:
            return self.children(fdef.relation, fdef.inverse, record["id"])
        stored = record.get(fname)
        return values.empty(fdef) if stored is None and fdef.type in X2MANY else stored

    def get(self, model: str, rec_id: int, fname: str) -> Any:
        return self.value(model, self.record(model, rec_id), fname)

    def children(self, model: str, inverse: str, parent_id: int) -> list[int]:
        ids = self.store.lookup(model, inverse, parent_id)
        if len(ids) < 2:
            return list(ids)
        records = [self.store.tables[model][i] for i in ids]
        sort_records(self, model, records, parse_order(self, model, None))
        return [rec["id"] for rec in records]

    def display_name(self, model: str, rec_id: int) -> str:
        record = self.store.get(model, rec_id)
        if record is None:
            return ""
        behaviour = REGISTRY.get(model, _EMPTY_BEHAVIOUR)
        if behaviour.display_name is not None:
            return str(behaviour.display_name(self, record))
        rec_name = self.schema[model].rec_name
        if rec_name and rec_name != "display_name":
            name = self.value(model, record, rec_name)
            return str(name) if name else ""
        return f"{model},{rec_id}"

    def read(
        self, model: str, ids: list[int], fields: list[str] | None = None, load: str | None = "_classic_read"
    ) -> list[dict[str, Any]]:
        mdef = self.model_def(model)
        names = [f for f in (fields or list(mdef.fields)) if f != "id"]
        for name in names:
            if name not in mdef.fields:
                raise ValueError(self.invalid_field_message(model, name))
        rows, seen = [], set()
        for rec_id in ids:
            record = self.store.get(model, rec_id)
            if record is None or rec_id in seen:
                continue
            seen.add(rec_id)
            row: dict[str, Any] = {"id": rec_id}
            for name in names:
                row[name] = values.render(self, mdef.fields[name], self.value(model, record, name), load)
            rows.append(row)
        return rows

    # -- searching ----------------------------------------------------------------------------------
    def search(
        self, model: str, domain: Any, offset: int = 0, limit: int | None = None, order: str | None = None
    ) -> list[int]:
        mdef = self.model_def(model)
        tree = parse(domain)
        if (
            "active" in mdef.fields
            and self.context.get("active_test", True)
            and not _mentions(tree, "active")
        ):
            tree = Node("&", (Leaf(("active",), "=", True, "('active', '=', True)"), tree))
        evaluator = Evaluator(self, model)
        table = self.store.tables[model]
        candidates = self._candidates(model, tree)
        pool = table.values() if candidates is None else (table[i] for i in sorted(candidates) if i in table)
        found = [record for record in pool if evaluator.match(record, tree)]
        terms = parse_order(self, model, order)
        if terms != [("id", False)]:
            sort_records(self, model, found, terms)
        end = None if not limit else (offset or 0) + limit
        return [record["id"] for record in found[offset or 0 : end]]

    def _candidates(self, model: str, tree: Tree) -> set[int] | None:
        """Ids worth evaluating, from the most selective indexed ``=``/``in`` leaf of a conjunction."""
        best: set[int] | None = None
        for leaf in _conjuncts(tree):
            ids = self._index_hits(model, leaf)
            if ids is not None and (best is None or len(ids) < len(best)):
                best = ids
        return best

    def _index_hits(self, model: str, leaf: Leaf) -> set[int] | None:
        """A superset of the ids ``leaf`` can match (the evaluator decides), or None when not indexable.

        A path through stored many2one fields (``picking_id.sale_id``) is followed backwards: the comodel's
        hits first, then the records pointing at them. Without it the connector's delivery lookup read
        every stock move of the database.
        """
        if not leaf.path or leaf.operator not in ("=", "in"):
            return None
        fdef = self.schema[model].fields.get(leaf.path[0])
        if (
            fdef is None
            or fdef.type not in INDEXABLE
            or not fdef.store
            or fdef.name in self.schema[model].delegated
        ):
            return None
        if fdef.name in REGISTRY.get(model, _EMPTY_BEHAVIOUR).computed:
            return None
        if len(leaf.path) > 1:
            return self._path_hits(model, fdef, leaf)
        wanted = leaf.value if leaf.operator == "in" else [leaf.value]
        if not isinstance(wanted, list | tuple) or any(v in (False, None, "") for v in wanted):
            return None
        if fdef.type == "many2one" and not all(isinstance(v, int) for v in wanted):
            return None
        hits: set[int] = set()
        for value in wanted:
            hits |= self.store.lookup(model, fdef.name, value)
        return hits

    def _path_hits(self, model: str, fdef: FieldDef, leaf: Leaf) -> set[int] | None:
        """The records whose many2one ``fdef`` points at a hit of the rest of the path."""
        if fdef.type != "many2one" or not fdef.relation:
            return None
        rest = Leaf(leaf.path[1:], leaf.operator, leaf.value, leaf.text)
        targets = self._index_hits(fdef.relation, rest)
        if targets is None:
            return None
        pointing: set[int] = set()
        for target in targets:
            pointing |= self.store.lookup(model, fdef.name, target)
        return pointing

    # -- writing ------------------------------------------------------------------------------------
    def _split(
        self, model: str, vals: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Validate and convert ``vals`` into (stored, x2many commands, template values)."""
        mdef = self.model_def(model)
        behaviour = REGISTRY.get(model, _EMPTY_BEHAVIOUR)
        stored: dict[str, Any] = {}
        commands: dict[str, Any] = {}
        delegated: dict[str, Any] = {}
        for fname, value in vals.items():
            fdef = mdef.fields.get(fname)
            if fdef is None:
                raise ValueError(self.invalid_field_message(model, fname))
            if fname in mdef.delegated:
                delegated[fname] = value
            elif fdef.type in X2MANY:
                commands[fname] = value
            elif fname in MAGIC or (fname in behaviour.computed and fdef.readonly):
                continue  # a read-only computed field: Odoo ignores the value
            else:
                stored[fname] = values.convert(self, mdef, fdef, value)
        return stored, commands, delegated

    def create(self, model: str, vals: dict[str, Any]) -> int:
        mdef = self.model_def(model)
        behaviour = REGISTRY.get(model, _EMPTY_BEHAVIOUR)
        vals = dict(vals)
        for fname in list(self.context):
            if fname.startswith("default_") and fname[8:] in mdef.fields and fname[8:] not in vals:
                vals[fname[8:]] = self.context[fname]
        if "active" in mdef.fields and "active" not in vals:
            vals["active"] = True
        for fname, default in behaviour.defaults.items():
            if fname not in vals and fname in mdef.fields:
                vals[fname] = default(self, vals)
        for prepare in behaviour.prepare_create:
            prepare(self, vals)
        stored, commands, delegated = self._split(model, vals)
        for parent_model, link in {pair for pair in mdef.delegated.values()}:
            if not stored.get(link):
                stored[link] = self.create(parent_model, delegated)
            elif delegated:
                self.write(parent_model, [stored[link]], delegated)
        self._check_required(mdef, stored, behaviour, creating=True)
        now = self.now()
        stored.update(create_date=now, write_date=now, create_uid=self.uid, write_uid=self.uid)
        rec_id = self.store.insert(model, stored)
        for fname, value in commands.items():
            self.apply_x2many(model, rec_id, mdef.fields[fname], value)
        for hook in behaviour.after_create:
            hook(self, [rec_id])
        for constraint in behaviour.constraints:
            constraint(self, [rec_id])
        return rec_id

    def write(self, model: str, ids: list[int], vals: dict[str, Any]) -> None:
        mdef = self.model_def(model)
        behaviour = REGISTRY.get(model, _EMPTY_BEHAVIOUR)
        for rec_id in ids:
            self.record(model, rec_id)
        for hook in behaviour.before_write:
            hook(self, ids, vals)
        stored, commands, delegated = self._split(model, vals)
        self._check_required(mdef, stored, behaviour, creating=False)
        stored.update(write_date=self.now(), write_uid=self.uid)
        for rec_id in ids:
            self.store.update(model, rec_id, stored)
            for parent_model, link in {pair for pair in mdef.delegated.values()}:
                if delegated:
                    self.write(parent_model, [self.store.tables[model][rec_id][link]], delegated)
            for fname, value in commands.items():
                self.apply_x2many(model, rec_id, mdef.fields[fname], value)
        for after in behaviour.after_write:
            after(self, ids, vals)
        for constraint in behaviour.constraints:
            constraint(self, ids)

    def _check_required(
        self, mdef: ModelDef, stored: dict[str, Any], behaviour: ModelBehaviour, creating: bool
    ) -> None:
        for fname, fdef in mdef.fields.items():
            if (
                not fdef.required
                or not fdef.store
                or fdef.type in (*X2MANY, "boolean", "integer", "float", "monetary")
            ):
                continue
            if fname in MAGIC or fname in behaviour.computed or fname in mdef.delegated:
                continue
            if (creating or fname in stored) and stored.get(fname) in (None, ""):
                raise ValidationError(self.required_message(mdef, fdef))

    def required_message(self, mdef: ModelDef, fdef: FieldDef) -> str:
        if self.version >= 19:
            return (
                "The operation cannot be completed: Missing required value for the field "
                f"'{fdef.string}' ({fdef.name})."
            )
        return (
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            f"Model: {mdef.description} ({mdef.name})\nField: {fdef.string} ({fdef.name})\n"
        )

    def apply_x2many(self, model: str, rec_id: int, fdef: FieldDef, commands: Any) -> None:
        """Apply Command tuples 0-6 (or a plain id list for many2many) to one record's x2many field."""
        if not isinstance(commands, list | tuple):
            raise ValueError(f"Wrong value for {model}.{fdef.name}: {commands!r}")
        if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
            commands = [(6, 0, list(commands))]
        assert fdef.relation is not None
        for command in commands:
            if not isinstance(command, list | tuple) or not command:
                raise ValueError(f"Wrong value for {model}.{fdef.name}: {command!r}")
            if fdef.type == "one2many":
                self._one2many_command(rec_id, fdef, list(command))
            else:
                self._many2many_command(model, rec_id, fdef, list(command))

    def _one2many_command(self, rec_id: int, fdef: FieldDef, command: list[Any]) -> None:
        comodel, inverse = fdef.relation or "", fdef.inverse or ""
        code = command[0]
        target = command[1] if len(command) > 1 else 0
        if code == 0:
            self.create(comodel, {**(command[2] or {}), inverse: rec_id})
        elif code == 1:
            self.write(comodel, [target], command[2] or {})
        elif code == 2:
            self.unlink(comodel, [target])
        elif code == 3:
            self._detach(comodel, inverse, [target])
        elif code == 4:
            self.write(comodel, [target], {inverse: rec_id})
        elif code == 5:
            self._detach(comodel, inverse, self.children(comodel, inverse, rec_id))
        elif code == 6:
            keep = set(command[2] or [])
            self._detach(
                comodel, inverse, [i for i in self.children(comodel, inverse, rec_id) if i not in keep]
            )
            for child in keep:
                self.write(comodel, [child], {inverse: rec_id})
        else:
            raise ValueError(f"Unknown command {command!r}")

    def _detach(self, comodel: str, inverse: str, ids: list[int]) -> None:
        if self.schema[comodel].fields[inverse].required:
            self.unlink(comodel, ids)
        elif ids:
            self.write(comodel, ids, {inverse: False})

    def _many2many_command(self, model: str, rec_id: int, fdef: FieldDef, command: list[Any]) -> None:
        comodel = fdef.relation or ""
        current = list(self.store.tables[model][rec_id].get(fdef.name) or [])
        code = command[0]
        target = command[1] if len(command) > 1 else 0
        if code == 0:
            current.append(self.create(comodel, command[2] or {}))
        elif code == 1:
            self.write(comodel, [target], command[2] or {})
        elif code in (2, 3):
            current = [i for i in current if i != target]
            if code == 2:
                self.unlink(comodel, [target])
        elif code == 4:
            self.record(comodel, target)
            current += [] if target in current else [target]
        elif code == 5:
            current = []
        elif code == 6:
            current = []
            for target_id in command[2] or []:
                self.record(comodel, target_id)
                current += [] if target_id in current else [target_id]
        else:
            raise ValueError(f"Unknown command {command!r}")
        self.store.update(model, rec_id, {fdef.name: current})

    def unlink(self, model: str, ids: list[int]) -> None:
        mdef = self.model_def(model)
        ids = [i for i in ids if self.store.get(model, i) is not None]
        for hook in REGISTRY.get(model, _EMPTY_BEHAVIOUR).before_unlink:
            hook(self, ids)
        for rec_id in ids:
            for fdef in mdef.fields.values():
                if fdef.type == "one2many" and fdef.inverse and fdef.relation:
                    self._detach(
                        fdef.relation, fdef.inverse, self.children(fdef.relation, fdef.inverse, rec_id)
                    )
            if self.store.get(model, rec_id) is not None:
                self.store.delete(model, rec_id)


def _conjuncts(tree: Tree) -> list[Leaf]:
    if isinstance(tree, Leaf):
        return [tree]
    if isinstance(tree, Node) and tree.operator == "&":
        return [leaf for child in tree.children for leaf in _conjuncts(child)]
    return []


def _mentions(tree: Tree, fname: str) -> bool:
    if isinstance(tree, Leaf):
        return tree.path[0] == fname
    if isinstance(tree, Node):
        return any(_mentions(child, fname) for child in tree.children)
    return False
