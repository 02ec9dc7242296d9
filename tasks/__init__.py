"""Celery tasks: the workflows (pull, sync, push, payments, outbox relay, replay)."""
