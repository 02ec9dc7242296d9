"""Backoff and attempt history: the pure parts of the task base."""

from __future__ import annotations

import random

from connector_worker.dlq import LOST_ERROR, Attempt, attempts_from_headers, complete_history, failure_reason
from connector_worker.errors import LockBusyError, MappingError, TransientError
from tasks.base import backoff_delay


def test_backoff_doubles_with_jitter_in_the_upper_half() -> None:
    rng = random.Random(7)
    for retries in range(6):
        ceiling = 10.0 * 2**retries
        delays = [backoff_delay(retries, 10.0, 1000.0, rng=rng) for _ in range(200)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert max(delays) - min(delays) > ceiling / 4  # actually jittered


def test_backoff_is_capped() -> None:
    assert backoff_delay(30, 10.0, 60.0, rng=random.Random(1)) <= 60.0


def test_a_longer_retry_after_wins() -> None:
    assert backoff_delay(0, 10.0, 60.0, retry_after=120.0) == 120.0
    assert backoff_delay(3, 10.0, 1000.0, retry_after=1.0, rng=random.Random(1)) >= 40.0


def test_history_fills_attempts_whose_process_died() -> None:
    # given attempt 1 raised, attempt 2 died without a word, attempt 3 raises now
    recorded = [Attempt(1, "2024-05-01T10:00:00.000+00:00", "TransientError", "503")]
    history = complete_history(recorded, 2, LockBusyError("busy"))
    assert [(a.number, a.error) for a in history] == [
        (1, "TransientError"),
        (2, LOST_ERROR),
        (3, "LockBusyError"),
    ]


def test_history_round_trips_through_headers() -> None:
    history = complete_history([], 0, TransientError("timeout"))
    headers = {"connector_attempts": [a.as_dict() for a in history]}
    assert attempts_from_headers(headers) == list(history)
    assert attempts_from_headers(None) == []
    assert attempts_from_headers({"connector_attempts": [{"bogus": 1}]}) == []


def test_failure_reasons_read_like_sentences() -> None:
    assert failure_reason(MappingError("unknown SKU 'X'"), 1, retryable=False) == (
        "permanent error: MappingError: unknown SKU 'X'"
    )
    assert (
        failure_reason(TransientError("503"), 6, retryable=True)
        == "gave up after 6 attempts: TransientError: 503"
    )
    # a foreground run (connector sync) makes one
    assert (
        failure_reason(TransientError("503"), 1, retryable=True)
        == "gave up after 1 attempt: TransientError: 503"
    )
    assert failure_reason(KeyError("items"), 1, retryable=False).startswith("unexpected error, not retried")
