"""Payload benchmark: what asking Magento for only the mapped fields saves per order, in bytes and CPU.

Run ``.venv/bin/python bench/payload.py`` (a few seconds, no servers). It seeds the Magento sandbox in
process and, for every order, compares the whole order with the order cut down by the selection the
connector sends (``mappers.fields.ORDER_SELECTION``, applied by the sandbox's copy of Magento's filter):

* bytes of the order as Magento sends it, of the body of the ``orders.sync`` message a pull queues, and
  of that message as Redis holds it (Celery's envelope around the body, which kombu base64-encodes);
* the worker CPU those bytes cost: parsing Magento's answer (``connector_worker.magento.parsing.loads``),
  encoding the message and decoding it in the sync (kombu's JSON), best of ``--repeat`` passes.

The last line of stdout is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from celery import Celery
from kombu.utils.json import dumps as kombu_dumps
from kombu.utils.json import loads as kombu_loads

from connector_worker import task_names
from connector_worker.magento.parsing import loads
from connector_worker.sandbox.magento import MagentoSandbox, SandboxConfig
from connector_worker.sandbox.magento.fields_filter import partial
from mappers.fields import ORDER_SELECTION


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=500, help="orders seeded (500)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the Magento sandbox's data (7)")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes; the best one counts (5)")
    return parser.parse_args(argv)


def best_ms_per_item(work: Callable[[], object], items: int, repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``work``, in milliseconds per item."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best * 1000 / items


def queued_bytes(orders: list[dict[str, Any]]) -> float:
    """Mean size of the ``orders.sync`` messages for ``orders`` as the broker stores them (kombu's in-memory
    transport keeps the very dict the Redis transport JSON-encodes into its list)."""
    app = Celery("payload-bench", broker="memory://", set_as_current=False)
    app.conf.task_serializer = "json"
    total = 0
    with app.producer_or_acquire() as producer:
        queue = producer.channel.queues  # created on the first publish
        for order in orders:
            kwargs = {
                "instance": "shop",
                "entity_id": order.get("entity_id"),
                "source": "pull",
                "order": order,
            }
            app.send_task(task_names.SYNC, kwargs=kwargs, queue="payload", producer=producer, kwargsrepr="{}")
            total += len(kombu_dumps(queue["payload"].get_nowait()))
    return total / len(orders)


def measure(bodies: list[str], repeat: int) -> dict[str, float]:
    """Bytes and CPU per order for Magento answers ``bodies`` (one JSON order each)."""
    orders = [loads(body) for body in bodies]
    messages = [kombu_dumps({"order": order}) for order in orders]
    count = len(bodies)
    parse = best_ms_per_item(lambda: [loads(body) for body in bodies], count, repeat)
    encode = best_ms_per_item(lambda: [kombu_dumps({"order": order}) for order in orders], count, repeat)
    decode = best_ms_per_item(lambda: [kombu_loads(message) for message in messages], count, repeat)
    return {
        "magento_bytes": round(sum(len(body) for body in bodies) / count),
        "message_bytes": round(sum(len(message) for message in messages) / count),
        "queued_bytes": round(queued_bytes(orders)),
        "parse_ms": round(parse, 3),
        "encode_ms": round(encode, 3),
        "decode_ms": round(decode, 3),
        "worker_ms": round(parse + encode + decode, 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sandbox = MagentoSandbox(SandboxConfig(seed=args.seed, orders=args.orders))
    try:
        rendered = [sandbox.control.order(entity_id) for entity_id in sandbox.control.order_ids()]
    finally:
        sandbox.close()
    whole = measure([json.dumps(order, separators=(",", ":")) for order in rendered], args.repeat)
    cut = measure(
        [json.dumps(partial(order, ORDER_SELECTION), separators=(",", ":")) for order in rendered],
        args.repeat,
    )
    print(f"{len(rendered)} seeded orders (seed {args.seed}), per order:")
    print(f"{'':24}{'whole':>10}{'fields=':>10}")
    labels = {
        "magento_bytes": "Magento answer, bytes",
        "message_bytes": "sync message, bytes",
        "queued_bytes": "queued in Redis, bytes",
        "parse_ms": "parse, ms",
        "encode_ms": "encode message, ms",
        "decode_ms": "decode message, ms",
        "worker_ms": "worker CPU, ms",
    }
    for key, label in labels.items():
        print(f"{label:24}{whole[key]:>10}{cut[key]:>10}")
    summary: dict[str, Any] = {"bench": "payload", "orders": len(rendered), "whole": whole, "fields": cut}
    summary["saved_worker_ms_per_order"] = round(whole["worker_ms"] - cut["worker_ms"], 3)
    summary["bytes_ratio"] = round(cut["magento_bytes"] / whole["magento_bytes"], 3)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
