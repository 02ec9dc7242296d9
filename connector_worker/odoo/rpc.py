"""The gateway's core: one classified, counted, version-translated RPC per call, and the primitives
(``search_read``, ``read``, ``create``, ``write``, ``web_save``) the operations are built from.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from config.settings import OdooSettings
from connector_worker.log import get_logger
from connector_worker.odoo.errors import OdooResultNotMarshalledError, classify, reraise
from connector_worker.odoo.session import Session, open_session
from connector_worker.odoo.versions import FieldNames
from connector_worker.odoo.wire import to_wire

log = get_logger(__name__)

# The context flag the Odoo module reads so the worker's own writes do not echo back as outbox rows.
SYNC_CONTEXT: Mapping[str, Any] = {"magento_connector_sync": True}
# Methods that change nothing: a lost answer is merely transient, never "outcome unknown".
READ_METHODS = frozenset(
    {
        "search",
        "search_read",
        "search_count",
        "read",
        "web_read",
        "web_search_read",
        "read_group",
        "fields_get",
        "name_search",
        "default_get",
        "context_get",
        "check_access_rights",
        "has_group",
        "version",
        "login",
        "authenticate",
    }
)
_RECORD_RESULTS = frozenset({"read", "search_read", "web_read", "web_save"})
_TRANSLATED_ARGS = ("vals", "vals_list", "domain", "fields", "order", "specification")


class OdooRpc:
    """One logged-in session with one Odoo database; share it across threads, close it when done."""

    def __init__(self, session: Session) -> None:
        self.version = session.version
        self.protocol = session.protocol
        self.uid = session.uid
        self.names = FieldNames(session.version)
        self._session = session
        self._backend = session.backend

    @classmethod
    def connect(cls, settings: OdooSettings) -> Self:
        """Detect the server version, pick the protocol (``settings.protocol`` overrides) and log in."""
        return cls(open_session(settings))

    @property
    def calls(self) -> int:
        """RPC requests this session has sent, login and version detection included."""
        return self._session.counter.value

    @property
    def connections_opened(self) -> int:
        """TCP connections this session has opened (kept-alive ones are reused, not reopened)."""
        return self._session.counter.connections

    def close(self) -> None:
        """Close every kept-alive connection; the session stays usable and reconnects when called again."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def call(
        self,
        model: str,
        method: str,
        *,
        ids: Iterable[int] | None = None,
        context: Mapping[str, Any] | None = None,
        discard_result: bool = False,
        **kwargs: Any,
    ) -> Any:
        """One RPC: ``model.method`` on ``ids`` (None for model methods) with named arguments in Odoo 19 names.

        Calls that may write carry :data:`SYNC_CONTEXT`. With ``discard_result`` the XML-RPC "cannot marshal
        None" fault (raised *after* Odoo committed) counts as success and the result is None.
        """
        read_only = method in READ_METHODS
        for name in _TRANSLATED_ARGS:
            if name in kwargs:
                kwargs[name] = self._translate(model, name, kwargs[name])
        merged = dict(context or {}) if read_only else {**SYNC_CONTEXT, **(context or {})}
        if merged:
            kwargs["context"] = merged
        label = f"{model}.{method}"
        started = time.monotonic()
        try:
            result = self._backend.execute(model, method, None if ids is None else list(ids), to_wire(kwargs))
        except Exception as exc:
            error = classify(exc, label=label, read_only=read_only)
            if error is None:
                raise
            if discard_result and isinstance(error, OdooResultNotMarshalledError):
                log.debug("odoo.call", call=label, ms=_ms(started), result="not marshalled, committed")
                return None
            log.info("odoo.call_failed", call=label, ms=_ms(started), error=type(error).__name__)
            reraise(error, exc)
        log.debug("odoo.call", call=label, ms=_ms(started))
        if method in _RECORD_RESULTS:
            return self.names.records(model, result)
        return result

    def _translate(self, model: str, name: str, value: Any) -> Any:
        names = self.names
        if name == "vals" and isinstance(value, Mapping):
            return names.vals(model, value)
        if name == "vals_list" and isinstance(value, list | tuple):
            return [names.vals(model, vals) for vals in value]
        if name == "domain" and isinstance(value, list | tuple):
            return names.domain(model, value)
        if name == "fields" and isinstance(value, list | tuple):
            return names.fields(model, value)
        if name == "order" and isinstance(value, str):
            return names.order(model, value)
        if name == "specification" and isinstance(value, Mapping):
            return names.specification(model, value)
        return value

    def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        limit: int | None = None,
        offset: int = 0,
        order: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The server's ``search_read``: one RPC, one transaction (not odoolib's search + read)."""
        kwargs: dict[str, Any] = {"domain": list(domain), "fields": list(fields)}
        if limit:
            kwargs["limit"] = limit
        if offset:
            kwargs["offset"] = offset
        if order:
            kwargs["order"] = order
        result: list[dict[str, Any]] = self.call(model, "search_read", context=context, **kwargs)
        return result

    def read(
        self,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Records by id, in the order given (missing ids are left out, as Odoo does)."""
        if not ids:
            return []
        result: list[dict[str, Any]] = self.call(model, "read", ids=ids, fields=list(fields), context=context)
        return result

    def create(
        self, model: str, vals_list: Sequence[Mapping[str, Any]], *, context: Mapping[str, Any] | None = None
    ) -> list[int]:
        """Create several records in one RPC; their ids in the same order."""
        if not vals_list:
            return []
        result = self.call(model, "create", vals_list=[dict(vals) for vals in vals_list], context=context)
        return list(result) if isinstance(result, list) else [int(result)]

    def write(
        self,
        model: str,
        ids: Sequence[int],
        vals: Mapping[str, Any],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        """Write the same values on several records in one RPC."""
        if ids:
            self.call(model, "write", ids=ids, vals=dict(vals), context=context)

    def web_save(
        self,
        model: str,
        vals: Mapping[str, Any],
        specification: Mapping[str, Any],
        *,
        ids: Sequence[int] = (),
        context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create (no ids) or write, then read back ``specification``, in one RPC and one transaction."""
        result = self.call(
            model, "web_save", ids=ids, vals=dict(vals), specification=dict(specification), context=context
        )
        record: dict[str, Any] = result[0]
        return record


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def in_batches(values: Sequence[Any], size: int) -> Iterable[list[Any]]:
    """``values`` in consecutive lists of at most ``size`` (one RPC each)."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
