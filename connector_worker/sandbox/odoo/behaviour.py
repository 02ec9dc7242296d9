"""The registry business modules fill: per-model defaults, computed fields, hooks, constraints, RPC methods.

The generic ORM (``orm.py``) knows nothing about sale orders or invoices; it asks this registry what a
model does on create, write and unlink, and ``rpc.py`` asks it which public methods a model has.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connector_worker.sandbox.odoo.orm import Env

Record = dict[str, Any]
Default = Callable[["Env", Record], Any]
Compute = Callable[["Env", Record], Any]
IdsHook = Callable[["Env", list[int]], None]
WriteHook = Callable[["Env", list[int], Record], None]
CreateHook = Callable[["Env", Record], None]


@dataclass(frozen=True)
class RpcMethod:
    """A public method called as ``func(env, model, [ids,] *args, **kwargs)``.

    ``model_level`` methods (``@api.model``) take no ids; the others get the record ids first.
    """

    name: str
    func: Callable[..., Any]
    model_level: bool = False
    versions: tuple[int, ...] = (17, 18, 19)

    def signature(self) -> inspect.Signature:
        """The Python signature a caller binds against: without ``env``, ``model`` (and ``ids``)."""
        params = list(inspect.signature(self.func).parameters.values())
        skip = 2 if self.model_level else 3
        return inspect.Signature(params[skip:])


@dataclass
class ModelBehaviour:
    """What one model does beyond storing values."""

    defaults: dict[str, Default] = field(default_factory=dict)
    computed: dict[str, Compute] = field(default_factory=dict)
    prepare_create: list[CreateHook] = field(default_factory=list)
    after_create: list[IdsHook] = field(default_factory=list)
    before_write: list[WriteHook] = field(default_factory=list)
    after_write: list[WriteHook] = field(default_factory=list)
    before_unlink: list[IdsHook] = field(default_factory=list)
    constraints: list[IdsHook] = field(default_factory=list)
    methods: dict[str, list[RpcMethod]] = field(default_factory=dict)
    display_name: Compute | None = None


REGISTRY: dict[str, ModelBehaviour] = {}
GENERIC_METHODS: dict[str, list[RpcMethod]] = {}


def behaviour(model: str) -> ModelBehaviour:
    """The behaviour of ``model``, created empty on first use."""
    return REGISTRY.setdefault(model, ModelBehaviour())


def rpc_method(
    model: str | None, *, model_level: bool = False, versions: tuple[int, ...] = (17, 18, 19), name: str = ""
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: publish ``func`` as a public method of ``model`` (``None``: of every model)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        method = RpcMethod(name or func.__name__.removeprefix("rpc_"), func, model_level, versions)
        target = GENERIC_METHODS if model is None else behaviour(model).methods
        target.setdefault(method.name, []).append(method)
        return func

    return register


def find_method(model: str, name: str, version: int) -> RpcMethod | None:
    """The public method ``name`` of ``model`` on ``version``, model-specific first."""
    candidates = REGISTRY.get(model, ModelBehaviour()).methods.get(name, []) + GENERIC_METHODS.get(name, [])
    return next((method for method in candidates if version in method.versions), None)
