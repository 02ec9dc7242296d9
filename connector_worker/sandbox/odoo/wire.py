"""How errors look on each wire: XML-RPC faults (legacy string codes and /xmlrpc/2 int codes), JSON-RPC
error dicts, and JSON-2 HTTP statuses with Odoo's error body (reference odoo.md §1.5, §2, §7.2, §7.16).
"""

from __future__ import annotations

import json
import traceback
import xmlrpc.client
from typing import Any

from connector_worker.sandbox.odoo.exceptions import (
    AccessDenied,
    AccessError,
    MissingError,
    UserError,
    odoo_error_name,
)
from connector_worker.sandbox.odoo.rpc import Json2ArgumentError, Json2NotFound

FAULT_APPLICATION, FAULT_WARNING, FAULT_ACCESS_DENIED, FAULT_ACCESS_ERROR = 1, 2, 3, 4

PROXY_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
PROXY_504 = PROXY_502.replace("502 Bad Gateway", "504 Gateway Time-out")
NOT_FOUND_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually please check your "
    "spelling and try again.</p>\n"
)


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def _message(exc: BaseException) -> str:
    """Odoo's ``exception_to_unicode``: the arguments joined by newlines."""
    if isinstance(exc, UserError):
        return exc.message
    if exc.args:
        return "\n".join(str(arg) for arg in exc.args)
    return str(exc)


def _legacy_fault(exc: BaseException, message: str) -> bytes:
    """``/xmlrpc/<service>``: string fault codes (Odoo's ``xmlrpc_handle_exception_string``)."""
    code: Any
    if isinstance(exc, MissingError):
        code, text = f"warning -- MissingError\n\n{message}", ""
    elif isinstance(exc, AccessError):
        code, text = f"warning -- AccessError\n\n{message}", ""
    elif isinstance(exc, AccessDenied):
        code, text = "AccessDenied", message
    elif isinstance(exc, UserError):
        code, text = f"warning -- UserError\n\n{message}", ""
    else:
        code, text = message, _traceback(exc)
    # The standard library types faultCode as int; Odoo's legacy endpoint sends strings.
    return xmlrpc.client.dumps(
        xmlrpc.client.Fault(code, text), methodresponse=True, allow_none=False
    ).encode()


def xmlrpc_fault(exc: BaseException, legacy: bool) -> bytes:
    """The fault Odoo's ``xmlrpc_handle_exception_string`` (legacy) or ``..._int`` (/xmlrpc/2) returns."""
    message = _message(exc)
    fault: xmlrpc.client.Fault
    if legacy:
        return _legacy_fault(exc, message)
    if isinstance(exc, AccessError):
        fault = xmlrpc.client.Fault(FAULT_ACCESS_ERROR, message)
    elif isinstance(exc, AccessDenied):
        fault = xmlrpc.client.Fault(FAULT_ACCESS_DENIED, message)
    elif isinstance(exc, UserError):
        fault = xmlrpc.client.Fault(FAULT_WARNING, message)
    else:
        fault = xmlrpc.client.Fault(FAULT_APPLICATION, _traceback(exc))
    return xmlrpc.client.dumps(fault, methodresponse=True, allow_none=False).encode()


def serialize_exception(exc: BaseException) -> dict[str, Any]:
    """Odoo's ``serialize_exception``: the ``data`` of a JSON-RPC error and the body of a JSON-2 error."""
    if isinstance(exc, Json2NotFound):
        name, message = "werkzeug.exceptions.NotFound", str(exc)
    elif isinstance(exc, Json2ArgumentError):
        name, message = "werkzeug.exceptions.UnprocessableEntity", str(exc)
    else:
        name, message = odoo_error_name(exc), _message(exc)
    return {
        "name": name,
        "debug": _traceback(exc),
        "message": message,
        "arguments": [message] if isinstance(exc, UserError) else [str(a) for a in exc.args],
        "context": {},
    }


def jsonrpc_error(exc: BaseException) -> dict[str, Any]:
    """The ``error`` member of a JSON-RPC answer (HTTP 200)."""
    return {"code": 200, "message": "Odoo Server Error", "data": serialize_exception(exc)}


def json2_status(exc: BaseException) -> int:
    """HTTP status of a JSON-2 error: ``http_status`` of Odoo's exceptions, 500 for anything else."""
    if isinstance(exc, Json2NotFound):
        return 404
    if isinstance(exc, Json2ArgumentError):
        return 422
    status = getattr(type(exc), "http_status", 500)
    return int(status)


def json_dumps(value: Any) -> bytes:
    """JSON as Odoo sends it (dates already strings; anything exotic as its string)."""
    return json.dumps(value, default=str, ensure_ascii=False).encode()
