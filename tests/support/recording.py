"""An order that notes every key read from it, to check what a workflow reads against what it asks for."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from mappers.fields import Field

Path = tuple[str, ...]


class Recording(dict[str, Any]):
    """An order that notes the path of every key read from it (nested objects and lists included)."""

    def __init__(self, data: dict[str, Any], path: Path, reads: set[Path]) -> None:
        super().__init__({key: _record(value, (*path, key), reads) for key, value in data.items()})
        self._path, self._reads = path, reads

    def _read(self, key: object) -> None:
        self._reads.add((*self._path, str(key)))

    def __getitem__(self, key: str) -> Any:
        self._read(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._read(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._read(key)
        return super().__contains__(key)

    def _read_all(self) -> None:
        self._reads.update((*self._path, key) for key in dict.__iter__(self))

    def __iter__(self) -> Iterator[str]:
        self._read_all()
        return super().__iter__()

    def items(self) -> Any:
        self._read_all()
        return super().items()

    def values(self) -> Any:
        self._read_all()
        return super().values()


def _record(value: Any, path: Path, reads: set[Path]) -> Any:
    if isinstance(value, dict):
        return Recording(value, path, reads)
    if isinstance(value, list):
        return [_record(item, path, reads) for item in value]
    return value


def record(value: Any, reads: set[Path]) -> Any:
    """``value`` (an order, a list of orders) with every dict in it recording into ``reads``."""
    return _record(value, (), reads)


def selected_paths(fields: Sequence[Field], prefix: Path = ()) -> set[Path]:
    """Every path a ``mappers.fields`` selection keeps; a list's items share the list's path."""
    paths: set[Path] = set()
    for field in fields:
        name, subfields = (field, ()) if isinstance(field, str) else field
        paths.add((*prefix, name))
        paths |= selected_paths(subfields, (*prefix, name))
    return paths
