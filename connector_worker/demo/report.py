"""The demo's closing summary: what was synced and how (pull or webhook), payments, dead letters and their
reasons, and the totals check, as text for the terminal and as JSON for scripts and tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from connector_worker.demo.broker import SyncReport, first_sync_sources, update_counts
from connector_worker.demo.checks import Verdict

MAX_PROBLEMS_SHOWN = 20


@dataclass
class Summary:
    """The figures of one run; ``ok`` only when every check passed."""

    instance: str
    magento_orders: int
    placed_during_demo: int
    expected_in_odoo: int
    in_sync: int
    created_by: dict[str, int]
    updated_by: dict[str, int]
    payments_registered: int
    payments_expected: int
    totals_match: int
    dead_letters: list[dict[str, Any]]  # one per order: entity_id, increment_id, reason, entries
    webhooks_sent: int
    webhooks_accepted: int
    seconds: float
    problems: list[str] = field(default_factory=list)
    gave_up: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}

    def lines(self) -> list[str]:
        """The summary as printed: one figure per line, then the dead letters and any problem."""
        by = ", ".join(f"{count} by {source}" for source, count in sorted(self.created_by.items())) or "none"
        updates = ", ".join(f"{count} by {source}" for source, count in sorted(self.updated_by.items()))
        lines = [
            "Summary",
            f"  orders in Magento:     {self.magento_orders} ({self.placed_during_demo} placed during the demo)",
            f"  orders synced:         {self.in_sync}/{self.expected_in_odoo} in Odoo and in line ({by})",
            f"  updates synced:        {sum(self.updated_by.values())} ({updates or 'none'})",
            f"  webhooks:              {self.webhooks_accepted}/{self.webhooks_sent} accepted by the receiver",
            f"  payments registered:   {self.payments_registered} (expected {self.payments_expected})",
            f"  totals checked:        {self.totals_match}/{self.expected_in_odoo} Odoo amount_total == Magento grand_total",
            f"  dead letters:          {len(self.dead_letters)} order(s)",
        ]
        for letter in self.dead_letters:
            number = f" (#{letter['increment_id']})" if letter.get("increment_id") else ""
            again = f" [{letter['entries']} entries]" if letter["entries"] > 1 else ""
            lines.append(f"    order {letter['entity_id']}{number}: {letter['reason']}{again}")
        if self.ok:
            lines.append(f"Everything is in sync ({self.seconds:.1f} s).")
            return lines
        why = f" ({self.gave_up})" if self.gave_up else ""
        lines.append(f"NOT in sync after {self.seconds:.1f} s{why}:")
        lines.extend(f"  - {problem}" for problem in self.problems[:MAX_PROBLEMS_SHOWN])
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"  ... and {len(self.problems) - MAX_PROBLEMS_SHOWN} more")
        return lines


def summarize(
    *,
    instance: str,
    verdict: Verdict,
    magento_orders: Sequence[Mapping[str, Any]],
    placed: int,
    odoo_ids: set[int],
    reports: Sequence[SyncReport],
    webhooks: Sequence[Mapping[str, Any]],
    seconds: float,
    extra_problems: Sequence[str] = (),
) -> Summary:
    """Put the verdict, the workers' sync reports and the webhook deliveries together."""
    ours = [r for r in reports if r.odoo_id in odoo_ids]
    created: dict[str, int] = {}
    for source in first_sync_sources(ours).values():
        created[source] = created.get(source, 0) + 1
    increments = {str(o["entity_id"]): o.get("increment_id") for o in magento_orders}
    return Summary(
        instance=instance,
        magento_orders=len(magento_orders),
        placed_during_demo=placed,
        expected_in_odoo=verdict.expected_in_odoo,
        in_sync=verdict.in_line,
        created_by=created,
        updated_by=dict(update_counts(ours)),
        payments_registered=verdict.payments,
        payments_expected=verdict.payments_expected,
        totals_match=verdict.totals_match,
        dead_letters=_by_order(verdict, increments),
        webhooks_sent=len(webhooks),
        webhooks_accepted=sum(1 for w in webhooks if w.get("status") == 200),
        seconds=round(seconds, 1),
        problems=[*verdict.problems, *extra_problems],
        gave_up=verdict.gave_up,
    )


def _by_order(verdict: Verdict, increments: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per dead-lettered order (its first reason), with how many entries it has."""
    rows: dict[str, dict[str, Any]] = {}
    for letter in verdict.dead_letters:
        key = letter.entity_id or "?"
        row = rows.setdefault(
            key,
            {"entity_id": key, "increment_id": increments.get(key), "reason": letter.reason, "entries": 0},
        )
        row["entries"] += 1
    return list(rows.values())
