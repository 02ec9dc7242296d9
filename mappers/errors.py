"""The one error the mappers raise: Magento data that cannot become Odoo values.

It is a ``ValueError`` (bad data), not a connector error: mappers import nothing from the runtime, so the
task that calls a mapper turns it into ``connector_worker.errors.MappingError`` (a permanent error).
"""

from __future__ import annotations


class MappingError(ValueError):
    """A Magento record cannot be mapped; ``field`` names the offending field (or SKU) for the operator."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")
