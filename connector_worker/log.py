"""Structured logging: JSON in production, readable in a terminal, secrets redacted on every line.

Every line carries what is bound in context (``instance``, ``order_id``, ``task_id``) via structlog's
contextvars; stdlib loggers (Celery, uvicorn, urllib3) go through the same processors, so their lines are
redacted too.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "[REDACTED]"

# A key whose (lower-case) name contains one of these holds a secret whatever its value looks like.
_SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "signature",
    "api_key",
    "apikey",
    "authorization",
    "cookie",
    "private_key",
    "oauth_nonce",
)
# Secrets that travel inside free text (headers, query strings, exception messages), with their replacement.
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    (re.compile(r'(?i)\b(oauth_[a-z_]+)=("?)[^",&\s]+"?'), rf"\1=\2{REDACTED}\2"),
    (
        re.compile(r"(?i)\b(password|passwd|secret|token|api_key|apikey|signature)=[^&\s,'\"]+"),
        rf"\1={REDACTED}",
    ),
    (
        re.compile(r'(?i)("(?:password|secret|token|api_key|apikey|signature)"\s*:\s*)"[^"]*"'),
        rf'\1"{REDACTED}"',
    ),
    (re.compile(r"(?i)\bsha256=[0-9a-f]{16,}"), f"sha256={REDACTED}"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/\s@]*:)[^@/\s]+@"), rf"\1{REDACTED}@"),
)

# Every pattern above starts with one of these words: text without any (most of it) skips the patterns.
_SECRET_HINT = re.compile(r"(?i)bearer|basic|oauth_|passw|secret|token|api_?key|signature|sha256=|://")

# Known secret values, longest first (a secret containing another is replaced whole); rebuilt on register.
_known_secrets: tuple[str, ...] = ()
_known_lock = threading.Lock()


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values so they are scrubbed from any text that reaches a log line."""
    global _known_secrets  # noqa: PLW0603 - one process-wide registry, replaced whole so readers need no lock
    with _known_lock:
        known = set(_known_secrets) | {value for value in values if value and len(value) >= 4}
        _known_secrets = tuple(sorted(known, key=len, reverse=True))


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in _SECRET_KEY_PARTS)


def scrub_text(text: str) -> str:
    """Text with every known secret value and secret-looking fragment replaced by ``[REDACTED]``."""
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if _SECRET_HINT.search(text) is None:
        return text
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any, key: str | None = None) -> Any:
    """``value`` with secrets replaced, recursing through mappings and sequences."""
    if key is not None and _is_secret_key(key) and value not in (None, "", False):
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    if isinstance(value, bytes):
        return scrub_text(value.decode("utf-8", "replace"))
    if isinstance(value, BaseException):
        return scrub_text(f"{type(value).__name__}: {value}")
    return value


CHATTY_HTTP_LOGGERS = ("httpx", "httpcore")


def _redact_processor(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        event_dict[key] = redact(event_dict[key], key if key != "event" else None)
    return event_dict


def _renderer(fmt: str, stream: TextIO) -> Any:
    tty = stream.isatty()
    if fmt == "auto":
        fmt = "console" if tty else "json"
    if fmt == "console":
        return structlog.dev.ConsoleRenderer(colors=tty)
    return structlog.processors.JSONRenderer(sort_keys=False)


def configure_logging(
    fmt: str = "auto", level: str = "INFO", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Configure structlog and the stdlib root logger for this process (idempotent)."""
    register_secrets(secrets)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _redact_processor,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _renderer(fmt, stream or sys.stderr),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_connector_handler", False):
            root.removeHandler(old)
    handler._connector_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx (the sandboxes' webhook deliveries, the demo's probes) logs every request at INFO: lines that
    # say nothing the connector's own do not. They come back with DEBUG.
    quiet = logging.WARNING if root.level > logging.DEBUG else logging.NOTSET
    for name in CHATTY_HTTP_LOGGERS:
        logging.getLogger(name).setLevel(quiet)


def get_logger(name: str | None = None) -> Any:
    """A structlog logger; bind ``instance``/``order_id`` with :func:`bind_context`."""
    return structlog.get_logger(name)


def bind_context(**values: Any) -> None:
    """Bind values to every log line of the current task or request."""
    structlog.contextvars.bind_contextvars(**values)


def clear_context() -> None:
    """Forget the bound context (at the end of a task or request)."""
    structlog.contextvars.clear_contextvars()
