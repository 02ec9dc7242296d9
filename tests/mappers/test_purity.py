"""Mappers are pure: no Celery, Redis, HTTP or RPC imports, and no clock (STYLE.md rules 1-2)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mappers

PACKAGE = Path(mappers.__file__).parent

# Standard-library modules a mapper may use; everything else in the stdlib (socket, http, urllib,
# xmlrpc, time, ...) is refused along with every third-party package.
ALLOWED_STDLIB = frozenset(
    {
        "__future__",
        "collections",
        "collections.abc",
        "dataclasses",
        "datetime",
        "decimal",
        "email.utils",
        "enum",
        "fractions",
        "functools",
        "itertools",
        "math",
        "operator",
        "re",
        "typing",
        "unicodedata",
    }
)
ALLOWED_CONFIG = frozenset({"config.settings", "config.status_map"})  # types only
CLOCK_READS = frozenset({"now", "utcnow", "today", "time", "monotonic", "perf_counter", "time_ns"})


def import_problems(source: str) -> list[str]:
    """Every import outside the allowed set, and every call that reads the clock."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else ["mappers"]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in CLOCK_READS:
                problems.append(f"line {node.lineno}: reads the clock ({node.func.attr}())")
            continue
        else:
            continue
        for name in names:
            allowed = name in ALLOWED_STDLIB or name in ALLOWED_CONFIG or name.split(".")[0] == "mappers"
            if not allowed:
                problems.append(f"line {node.lineno}: imports {name}")
    return problems


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_mapper_modules_import_only_pure_code(path: Path) -> None:
    assert import_problems(path.read_text(encoding="utf-8")) == []


def test_the_package_has_modules_to_check() -> None:
    assert len(list(PACKAGE.glob("*.py"))) >= 8


@pytest.mark.parametrize(
    "source",
    [
        "import redis",
        "from celery import shared_task",
        "import requests",
        "from xmlrpc import client",
        "import httpx as h",
        "from connector_worker.errors import MappingError",
        "from config.celery import app",
        "import time",
        "from datetime import datetime\nstamp = datetime.now()",
        "import datetime\nday = datetime.date.today()",
    ],
)
def test_the_check_refuses_io_and_the_clock(source: str) -> None:
    assert import_problems(source) != []


def test_the_check_accepts_what_mappers_use() -> None:
    source = "from decimal import Decimal\nfrom config.settings import InstanceOptions\nfrom . import money\n"
    assert import_problems(source) == []
