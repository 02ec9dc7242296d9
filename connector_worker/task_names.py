"""Celery task names in one place: the senders (webhook receiver, beat, CLI, outbox relay, dead-letter
replay, routes) use them without importing the tasks, and a rename cannot leave one sender behind."""

SYNC = "orders.sync"
PULL = "orders.pull"
RECONCILE = "orders.reconcile"
OUTBOX_RELAY = "outbox.relay"
RELEASE_DELAYED = "connector.release_delayed"
