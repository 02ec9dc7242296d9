"""Turns what Odoo and the wire raise (XML-RPC faults, JSON-RPC error dicts, JSON-2 statuses, socket and
http.client errors) into the connector's error tree, keeping Odoo's own message and never the request data.
"""

from __future__ import annotations

import http.client
import json
import re
import xml.parsers.expat
import xmlrpc.client
from dataclasses import dataclass
from typing import Any, NoReturn

from odoolib.tools import AuthenticationError as OdoolibAuthenticationError
from odoolib.tools import JsonRPCException

from connector_worker.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectorError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RemoteRejectedError,
    TransientError,
)

# Odoo exception class names (last dotted part) and what they mean for a retry.
_TRANSIENT_NAMES = frozenset(
    {
        "SerializationFailure",  # 40001, after Odoo's own five tries (reference odoo.md §5)
        "TransactionRollbackError",
        "DeadlockDetected",
        "LockNotAvailable",
        "ConcurrencyError",  # 18+
        "LockError",  # 19: JSON-2 answers 409
        "OperationalError",  # the database went away or a statement was cancelled
        "InterfaceError",
    }
)
_TRANSIENT_MESSAGES = re.compile(
    r"could not serialize access|deadlock detected|could not obtain lock|concurrent update", re.IGNORECASE
)
_REJECTED_NAMES = frozenset({"UserError", "ValidationError", "RedirectWarning", "Warning", "AccessError"})
_AUTH_NAMES = frozenset({"AccessDenied", "Unauthorized"})
_MISSING_NAMES = frozenset({"MissingError"})
_MARSHAL_NONE = "cannot marshal None"
# /xmlrpc/2 folds MissingError into code 2 (a UserError subclass); its message is the only tell.
_MISSING_RECORD = "Record does not exist or has been deleted"
# /xmlrpc/2 integer fault codes (odoo/addons/base/controllers/rpc.py; reference odoo.md §1.5, §7.2).
_XMLRPC2_NAMES = {
    2: "odoo.exceptions.UserError",
    3: "odoo.exceptions.AccessDenied",
    4: "odoo.exceptions.AccessError",
}
# Legacy /xmlrpc/ string fault codes: "warning -- <Kind>\n\n<message>".
_LEGACY_WARNING = re.compile(r"^warning -- (?P<kind>\w+)\n\n(?P<message>.*)\Z", re.DOTALL)
_EXCEPTION_LINE = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)(?:: (?P<message>.*))?$")
_NOT_EXCEPTION_LINES = ("Traceback (most recent call last):", "During handling", "The above exception")
# odoolib's json2 ValueError texts; everything from " for data " on is the request and is dropped.
_ODOOLIB_JSON2 = re.compile(
    r"^(?:Invalid request: (?P<body422>.*?) for data |Unexpected status code (?P<status>\d{3}): (?P<body>.*))",
    re.DOTALL,
)


@dataclass(frozen=True)
class OdooFault:
    """What Odoo said: its exception class (``odoo.exceptions.ValidationError``) and its message, verbatim."""

    name: str
    message: str
    http_status: int | None = None

    @property
    def short_name(self) -> str:
        """The class name without its module, e.g. ``ValidationError``."""
        return self.name.rsplit(".", 1)[-1]


class OdooRejectedError(RemoteRejectedError):
    """Odoo refused the call: UserError, ValidationError, AccessError (private method, missing rights)."""

    def __init__(self, message: str, fault: OdooFault) -> None:
        super().__init__(message)
        self.fault = fault


class OdooMissingError(NotFoundError):
    """Odoo's MissingError: the record was deleted or never existed."""

    def __init__(self, message: str, fault: OdooFault) -> None:
        super().__init__(message)
        self.fault = fault


class OdooAccessDeniedError(AuthenticationError):
    """Odoo refused the credentials (wrong password, revoked or expired API key)."""

    def __init__(self, message: str, fault: OdooFault) -> None:
        super().__init__(message)
        self.fault = fault


class OdooServerError(PermanentError):
    """Odoo failed in a way retrying cannot fix: unknown field, model or method, a bad value, a server bug."""

    def __init__(self, message: str, fault: OdooFault) -> None:
        super().__init__(message)
        self.fault = fault


class OdooConcurrencyError(TransientError):
    """Odoo gave up on a serialization failure or lock after its own retries; a later try will succeed."""

    def __init__(self, message: str, fault: OdooFault, *, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.fault = fault


class OdooResultNotMarshalledError(PermanentError):
    """XML-RPC only: the method ran **and committed**, but its result held ``None`` (reference odoo.md §7.4).

    Callers that do not need the result treat this as success; others re-read what the call changed.
    """

    def __init__(self, message: str, fault: OdooFault) -> None:
        super().__init__(message)
        self.fault = fault


class RequestNotSentError(Exception):
    """Raised by our transports when the request never fully left: connecting or sending failed.

    Odoo cannot have acted on it, so it is safe to retry even a create.
    """


class HttpStatusError(Exception):
    """A non-200 answer on the JSON-RPC or JSON-2 paths, with the body (never the request)."""

    def __init__(self, status: int, body: str, retry_after: str | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.retry_after = retry_after


def classify(exc: BaseException, *, label: str, read_only: bool) -> ConnectorError | None:
    """The connector error for a failure of the call ``label`` (``model.method``), or None if foreign.

    ``read_only`` calls whose answer was lost are merely transient; for the others the outcome is unknown
    (:class:`OutcomeUnknownError`), so a caller re-reads before it retries a create.
    """
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, xmlrpc.client.Fault):
        return error_from_fault(parse_xmlrpc_fault(exc), label)
    if isinstance(exc, JsonRPCException):
        return error_from_fault(parse_jsonrpc_error(exc.error), label)
    if isinstance(exc, HttpStatusError):
        return _from_http_status(exc.status, exc.body, exc.retry_after, label=label, read_only=read_only)
    if isinstance(exc, xmlrpc.client.ProtocolError):
        retry_after = exc.headers.get("Retry-After") if exc.headers else None
        return _from_http_status(exc.errcode, "", retry_after, label=label, read_only=read_only)
    return _from_odoolib(exc, label=label, read_only=read_only) or _from_transport(
        exc, label=label, read_only=read_only
    )


def _from_odoolib(exc: BaseException, *, label: str, read_only: bool) -> ConnectorError | None:
    """Errors odoo-client-lib raises itself (its login check, its json2 ``ValueError`` texts)."""
    if isinstance(exc, OdoolibAuthenticationError):
        if "not provided" in str(exc):
            return ConfigurationError(f"{label}: Odoo credentials missing: {exc}")
        return AuthenticationError(f"{label}: Odoo refused the credentials: {exc}")
    if isinstance(exc, ValueError) and (match := _ODOOLIB_JSON2.match(str(exc))):
        status = 422 if match["body422"] is not None else int(match["status"])
        body = match["body422"] if match["body422"] is not None else match["body"]
        return _from_http_status(status, body, None, label=label, read_only=read_only)
    return None


def _from_transport(exc: BaseException, *, label: str, read_only: bool) -> ConnectorError | None:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, RequestNotSentError):
        # Connecting or sending failed: Odoo cannot have parsed, let alone run, the call.
        return TransientError(f"{label}: Odoo not reachable ({reason})")
    if isinstance(exc, http.client.InvalidURL):
        return ConfigurationError(f"{label}: bad Odoo URL ({reason})")
    if isinstance(exc, OSError | http.client.HTTPException):  # TimeoutError is an OSError
        return _answer_lost(f"{label}: no answer from Odoo ({reason})", read_only=read_only)
    if isinstance(exc, xml.parsers.expat.ExpatError | xmlrpc.client.ResponseError | json.JSONDecodeError):
        return PermanentError(
            f"{label}: the answer is not Odoo RPC ({type(exc).__name__}); check the Odoo URL"
        )
    if isinstance(exc, TypeError | OverflowError) and ("marshal" in str(exc) or "XML-RPC limits" in str(exc)):
        return PermanentError(f"{label}: the request cannot be encoded for XML-RPC ({exc})")
    return None


def _answer_lost(message: str, *, read_only: bool) -> TransientError:
    if read_only:
        return TransientError(message)
    return OutcomeUnknownError(message + "; the call may have been applied, re-read before retrying")


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: let the caller's backoff decide


def _from_http_status(
    status: int, body: str, retry_after: str | None, *, label: str, read_only: bool
) -> ConnectorError:
    fault = parse_json2_body(status, body)
    if fault is not None:
        error = error_from_fault(fault, label)
        if isinstance(error, TransientError) and error.retry_after is None:
            error.retry_after = _retry_after(retry_after)
        return error
    where = f"{label}: Odoo (or a proxy in front of it) answered HTTP {status}"
    if status in (429, 503):
        return TransientError(where, retry_after=_retry_after(retry_after))
    if status >= 500 or status == 408:
        return _answer_lost(where, read_only=read_only)
    if status == 401:
        return AuthenticationError(where)
    if status == 413:
        return PermanentError(f"{where}: the request is larger than it accepts (nginx: client_max_body_size)")
    return PermanentError(f"{where}; check the Odoo URL and protocol")


def parse_xmlrpc_fault(fault: xmlrpc.client.Fault) -> OdooFault:
    """Read a fault from either XML-RPC endpoint: ``/xmlrpc/2`` (int codes) or legacy ``/xmlrpc`` (strings)."""
    code: Any = fault.faultCode  # typeshed says int; the legacy endpoint sends strings
    text = fault.faultString or ""
    if isinstance(code, int):
        if code == 2 and text.startswith(_MISSING_RECORD):
            return OdooFault("odoo.exceptions.MissingError", text.strip())
        if code in _XMLRPC2_NAMES:
            return OdooFault(_XMLRPC2_NAMES[code], text.strip())
        return _fault_from_traceback(text, fallback=str(code))
    code = str(code)
    warning = _LEGACY_WARNING.match(code)
    if warning:
        kind = warning["kind"]
        name = "odoo.exceptions.UserError" if kind == "Warning" else f"odoo.exceptions.{kind}"
        return OdooFault(name, warning["message"].strip())
    if code == "AccessDenied":
        return OdooFault("odoo.exceptions.AccessDenied", text.strip() or "Access Denied")
    # Any other exception: faultCode is its text, faultString the traceback whose last line names it.
    return _fault_from_traceback(text, fallback=code.strip())


def _fault_from_traceback(traceback_text: str, *, fallback: str) -> OdooFault:
    lines = traceback_text.rstrip().splitlines()
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if not line or line[0].isspace() or line.startswith(_NOT_EXCEPTION_LINES):
            continue
        match = _EXCEPTION_LINE.match(line)
        if match:
            rest = "\n".join([match["message"] or "", *lines[index + 1 :]]).strip()
            return OdooFault(match["name"], rest or fallback)
    return OdooFault("builtins.Exception", fallback or traceback_text.strip()[-500:])


def parse_jsonrpc_error(error: Any) -> OdooFault:
    """Read the ``error`` member of a JSON-RPC answer (``{"code", "message", "data": {"name", "message"}}``)."""
    if not isinstance(error, dict):
        return OdooFault("builtins.Exception", str(error))
    data: dict[str, Any] = error["data"] if isinstance(error.get("data"), dict) else {}
    name = str(data.get("name") or "builtins.Exception")
    message = data.get("message") or error.get("message") or ""
    return OdooFault(name, str(message))


def parse_json2_body(status: int, body: str) -> OdooFault | None:
    """Read a JSON-2 error body (``{"name", "message", "arguments", "context", "debug"}``); None if not one."""
    try:
        document = json.loads(body) if body else None
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        return None
    return OdooFault(document["name"], str(document.get("message") or ""), http_status=status)


def error_from_fault(fault: OdooFault, label: str) -> ConnectorError:
    """Map Odoo's exception class to our tree; the message keeps Odoo's words after ``label: Name:``."""
    short = fault.short_name
    message = f"{label}: {short}: {fault.message}"
    if _MARSHAL_NONE in fault.message:
        return OdooResultNotMarshalledError(message, fault)
    if short in _TRANSIENT_NAMES or _TRANSIENT_MESSAGES.search(fault.message):
        return OdooConcurrencyError(message, fault)
    if short in _AUTH_NAMES:
        return OdooAccessDeniedError(message, fault)
    if short in _MISSING_NAMES:
        return OdooMissingError(message, fault)
    if short in _REJECTED_NAMES:
        return OdooRejectedError(message, fault)
    return OdooServerError(message, fault)


def reraise(error: ConnectorError, exc: BaseException) -> NoReturn:
    """Raise ``error`` for ``exc``: socket-level causes stay chained for debugging, server payloads do not
    (Odoo tracebacks, and odoolib messages that echo the request data, may hold personal data).
    """
    if isinstance(exc, OSError | RequestNotSentError | http.client.HTTPException):
        raise error from exc
    raise error from None
