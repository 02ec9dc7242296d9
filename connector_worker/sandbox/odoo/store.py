"""In-memory tables with Odoo's transaction rule: one RPC call is one transaction, all or nothing.

A single lock serializes transactions (what REPEATABLE READ plus Odoo's retries amount to for a client),
and an undo log restores every record a failed call touched. Equality indexes are built on first use so
lookups such as ``magento_order_id = X`` stay fast with thousands of records.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Record = dict[str, Any]
_NEW = object()  # undo marker: the record did not exist before the transaction


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class Store:
    """Tables keyed by model then id, id counters, named sequences, and the transaction lock."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int, Record]] = defaultdict(dict)
        self.next_ids: dict[str, int] = defaultdict(lambda: 1)
        self.sequences: dict[str, int] = defaultdict(int)
        self.lock = threading.RLock()
        self._undo: dict[tuple[str, int], Any] | None = None
        self._saved_counters: tuple[dict[str, int], dict[str, int]] | None = None
        self._indexes: dict[tuple[str, str], dict[Any, set[int]]] = {}

    def clear(self) -> None:
        """Forget every record, counter and index (a fresh database)."""
        with self.lock:
            self.tables.clear()
            self.next_ids.clear()
            self.sequences.clear()
            self._indexes.clear()

    # -- transactions -------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block as one transaction: commit when it returns, undo everything when it raises."""
        with self.lock:
            if self._undo is not None:  # nested: part of the caller's transaction
                yield
                return
            self._undo = {}
            self._saved_counters = (dict(self.next_ids), dict(self.sequences))
            try:
                yield
            except BaseException:
                self._rollback()
                raise
            finally:
                self._undo = None
                self._saved_counters = None

    def _rollback(self) -> None:
        assert self._undo is not None and self._saved_counters is not None
        touched_models = set()
        for (model, rec_id), before in self._undo.items():
            touched_models.add(model)
            if before is _NEW:
                self.tables[model].pop(rec_id, None)
            else:
                self.tables[model][rec_id] = before
        ids, seqs = self._saved_counters
        self.next_ids.clear()
        self.next_ids.update(ids)
        self.sequences.clear()
        self.sequences.update(seqs)
        for key in [key for key in self._indexes if key[0] in touched_models]:
            del self._indexes[key]

    def _remember(self, model: str, rec_id: int) -> None:
        if self._undo is None:
            raise RuntimeError("writes must happen inside Store.transaction()")
        key = (model, rec_id)
        if key not in self._undo:
            current = self.tables[model].get(rec_id)
            self._undo[key] = _NEW if current is None else dict(current)

    # -- records ------------------------------------------------------------------------------------
    def insert(self, model: str, values: Record) -> int:
        rec_id = self.next_ids[model]
        self.next_ids[model] = rec_id + 1
        self._remember(model, rec_id)
        record = {**values, "id": rec_id}
        self.tables[model][rec_id] = record
        for (imodel, fname), index in self._indexes.items():
            if imodel == model:
                index.setdefault(_hashable(record.get(fname)), set()).add(rec_id)
        return rec_id

    def update(self, model: str, rec_id: int, values: Record) -> None:
        self._remember(model, rec_id)
        record = self.tables[model][rec_id]
        for fname, value in values.items():
            index = self._indexes.get((model, fname))
            if index is not None:
                index.get(_hashable(record.get(fname)), set()).discard(rec_id)
                index.setdefault(_hashable(value), set()).add(rec_id)
            record[fname] = value

    def delete(self, model: str, rec_id: int) -> None:
        self._remember(model, rec_id)
        record = self.tables[model].pop(rec_id)
        for (imodel, fname), index in self._indexes.items():
            if imodel == model:
                index.get(_hashable(record.get(fname)), set()).discard(rec_id)

    def get(self, model: str, rec_id: int) -> Record | None:
        return self.tables[model].get(rec_id)

    def ids(self, model: str) -> list[int]:
        return list(self.tables[model])

    def next_sequence(self, name: str) -> int:
        """Next number of a named sequence (``sale.order``, ``INV/2026``…), rolled back with the call."""
        self.sequences[name] += 1
        return self.sequences[name]

    # -- indexes ------------------------------------------------------------------------------------
    def lookup(self, model: str, fname: str, value: Any) -> set[int]:
        """Ids whose stored ``fname`` equals ``value`` (None for empty), through a lazily built index."""
        index = self._indexes.get((model, fname))
        if index is None:
            index = {}
            for rec_id, record in self.tables[model].items():
                index.setdefault(_hashable(record.get(fname)), set()).add(rec_id)
            self._indexes[(model, fname)] = index
        return set(index.get(_hashable(value), ()))
