"""Service dispatch shared by every protocol: ``common``, ``object``, ``db`` and JSON-2's named calls.

Resolves the method the way Odoo does (private names refused, unknown methods and models reported with
Odoo's texts), binds the arguments, runs the call as one transaction, and counts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector_worker.sandbox.odoo import models  # noqa: F401  (registers every model's behaviour)
from connector_worker.sandbox.odoo.behaviour import RpcMethod, find_method
from connector_worker.sandbox.odoo.database import ADMIN_UID, Database
from connector_worker.sandbox.odoo.exceptions import (
    AccessDenied,
    AccessError,
    DatabaseMissing,
    SerializationFailure,
    UserError,
)
from connector_worker.sandbox.odoo.faults import Faults
from connector_worker.sandbox.odoo.orm import Env
from connector_worker.sandbox.odoo.rpc_methods import CreatedIds
from connector_worker.sandbox.odoo.schema import version_info


class Json2ArgumentError(Exception):
    """JSON-2 refuses the arguments before calling: HTTP 422 ``werkzeug.exceptions.UnprocessableEntity``."""


class Json2NotFound(Exception):
    """JSON-2: no such model or method, HTTP 404 ``werkzeug.exceptions.NotFound``."""


@dataclass(frozen=True)
class CallInfo:
    """What a request targets, known before it runs: used for counters and fault matching."""

    protocol: str
    model: str
    method: str


class Dispatcher:
    """Runs calls against one database and applies injected faults (the app counts them on arrival)."""

    def __init__(self, db: Database, faults: Faults) -> None:
        self.db = db
        self.faults = faults

    # -- classification -----------------------------------------------------------------------------
    @staticmethod
    def info(protocol: str, service: str, method: str, params: list[Any]) -> CallInfo:
        if service == "object" and method == "execute_kw" and len(params) >= 5:
            return CallInfo(protocol, str(params[3]), str(params[4]))
        if service == "object" and method == "execute" and len(params) >= 5:
            return CallInfo(protocol, str(params[3]), str(params[4]))
        return CallInfo(protocol, service, method)

    # -- RPC services -------------------------------------------------------------------------------
    def dispatch(self, info: CallInfo, service: str, method: str, params: list[Any]) -> Any:
        """Run one XML-RPC or JSON-RPC service call (``common``, ``object``, ``db``); the app counts it."""
        if service == "common":
            return self._common(method, params)
        if service == "db":
            return self._db(method, params)
        if service == "object":
            return self._object(info, method, params)
        raise Exception(f"No such service {service!r}")

    def _common(self, method: str, params: list[Any]) -> Any:
        if method == "version":
            return version_info(self.db.version)
        if method == "about":
            return f"See http://openerp.com ({version_info(self.db.version)['server_version']})"
        if method in ("login", "authenticate"):
            if len(params) < 3:
                raise TypeError(f"exp_{method}() missing required positional arguments")
            self._check_db(params[0])
            uid = self.db.check_password(params[1], params[2])
            return uid if uid is not None else False
        raise NameError(f"Method not available {method}")

    def _db(self, method: str, params: list[Any]) -> Any:
        if method == "list":
            return [self.db.name]
        if method == "server_version":
            return version_info(self.db.version)["server_version"]
        raise AccessDenied()

    def _check_db(self, name: Any) -> None:
        if name != self.db.name:
            raise DatabaseMissing(f'connection to server failed: FATAL:  database "{name}" does not exist\n')

    def _object(self, info: CallInfo, method: str, params: list[Any]) -> Any:
        if method not in ("execute_kw", "execute") or len(params) < 5:
            raise NameError(f"Method not available {method}")
        db_name, uid, password, model, name = params[:5]
        self._check_db(db_name)
        if not self.db.check_uid(uid, password):
            raise AccessDenied()
        if method == "execute_kw":
            args = list(params[5]) if len(params) > 5 and params[5] else []
            kwargs = dict(params[6]) if len(params) > 6 and params[6] else {}
        else:
            args, kwargs = list(params[5:]), {}
        context = kwargs.pop("context", None) or {}
        rpc = self.resolve(str(model), str(name))
        self._maybe_fail(info)
        env = Env(self.db, int(uid), context if isinstance(context, dict) else {})
        with self.db.store.transaction():
            result = self._call_positional(env, str(model), rpc, args, kwargs)
        if name == "create" and args and isinstance(args[0], Mapping) and isinstance(result, CreatedIds):
            return result[0]
        return list(result) if isinstance(result, CreatedIds) else result

    def resolve(self, model: str, name: str) -> RpcMethod:
        """Odoo's method lookup: private names refused, unknown models and methods reported."""
        version = self.db.version
        private = name.startswith("_") or name == "init"
        if private and version == 17:
            raise AccessError(f"Private methods (such as {name}) cannot be called remotely.")
        if model not in self.db.schema:
            raise UserError(f"Object {model} doesn't exist")
        if private:
            raise AccessError(f"Private methods (such as '{model}.{name}') cannot be called remotely.")
        rpc = find_method(model, name, version)
        if rpc is None:
            if version == 17:
                raise AttributeError(f"The method '{name}' does not exist on the model '{model}'")
            raise AttributeError(f"The method '{model}.{name}' does not exist")
        return rpc

    def _maybe_fail(self, info: CallInfo) -> None:
        if self.faults.take("serialization", info.protocol, info.model, info.method):
            raise SerializationFailure()

    @staticmethod
    def _ids(value: Any) -> list[int]:
        if value in (None, False):
            return []
        if isinstance(value, int) and not isinstance(value, bool):
            return [value]
        if isinstance(value, list | tuple) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            return list(value)
        raise ValueError(f"Invalid record ids {value!r}")

    def _call_positional(
        self, env: Env, model: str, rpc: RpcMethod, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        if rpc.model_level:
            bound = rpc.signature().bind(*args, **kwargs)
            return rpc.func(env, model, *bound.args, **bound.kwargs)
        ids = self._ids(args[0])  # IndexError when no ids were given, as in Odoo
        bound = rpc.signature().bind(*args[1:], **kwargs)
        return rpc.func(env, model, ids, *bound.args, **bound.kwargs)

    # -- JSON-2 -------------------------------------------------------------------------------------
    def dispatch_json2(self, info: CallInfo, uid: int, params: dict[str, Any]) -> Any:
        """Run one ``/json/2/<model>/<method>`` call with named arguments; the app counts it."""
        model, name = info.model, info.method
        if model not in self.db.schema:
            raise Json2NotFound(f"the model {model!r} does not exist")
        try:
            rpc = self.resolve(model, name)
        except AttributeError as exc:
            raise Json2NotFound(str(exc)) from exc
        params = dict(params)
        ids = params.pop("ids", None)
        context = params.pop("context", None) or {}
        if rpc.model_level and ids is not None:
            raise Json2ArgumentError(f"cannot call {model}.{name} with ids")
        try:
            bound = rpc.signature().bind(**params)
        except TypeError as exc:
            raise Json2ArgumentError(exc.args[0]) from exc
        self._maybe_fail(info)
        env = Env(self.db, uid, context if isinstance(context, dict) else {})
        with self.db.store.transaction():
            if rpc.model_level:
                result = rpc.func(env, model, *bound.args, **bound.kwargs)
            else:
                result = rpc.func(env, model, self._ids(ids), *bound.args, **bound.kwargs)
        return list(result) if isinstance(result, CreatedIds) else result

    # -- direct -------------------------------------------------------------------------------------
    def execute_direct(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """Run a call as the admin without HTTP, counters or faults (test setup and assertions)."""
        kwargs = dict(kwargs)
        context = kwargs.pop("context", None) or {}
        rpc = self.resolve(model, method)
        env = Env(self.db, ADMIN_UID, context)
        with self.db.store.transaction():
            result = self._call_positional(env, model, rpc, list(args), kwargs)
        if method == "create" and args and isinstance(args[0], Mapping) and isinstance(result, CreatedIds):
            return result[0]
        return list(result) if isinstance(result, CreatedIds) else result
