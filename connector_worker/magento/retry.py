"""The short in-process retry budget for Magento calls (tenacity): seconds, not minutes.

Only transient errors are retried here, with exponential backoff and jitter and at least the server's
``Retry-After``; a write whose outcome is unknown is never resent blindly. Anything that needs a longer wait
(a big ``Retry-After``, a store that stays down) is raised to the caller, where Celery's retries take over.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from connector_worker.errors import OutcomeUnknownError, TransientError
from connector_worker.log import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one client call tries before giving up to its caller."""

    attempts: int = 3  # tries in all, the first included
    initial_wait_seconds: float = 0.5
    max_wait_seconds: float = 4.0
    jitter_seconds: float = 0.5
    # Honour a Retry-After up to this long in-process; a longer one is raised for Celery to schedule.
    max_retry_after_seconds: float = 10.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if min(self.initial_wait_seconds, self.max_wait_seconds, self.jitter_seconds) < 0:
            raise ValueError("waits cannot be negative")


NO_RETRY = RetryPolicy(attempts=1)


def is_retryable(exc: BaseException) -> bool:
    """Transient, and safe to send again (an unknown outcome of a write is not)."""
    return isinstance(exc, TransientError) and not isinstance(exc, OutcomeUnknownError)


def _retry_after(state: RetryCallState) -> float | None:
    outcome = state.outcome
    exc = outcome.exception() if outcome is not None else None
    return exc.retry_after if isinstance(exc, TransientError) else None


def build_retrying(policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep) -> Retrying:
    """A tenacity controller for one call under ``policy`` (``reraise=True``: callers see our errors)."""
    backoff = wait_exponential_jitter(
        multiplier=policy.initial_wait_seconds, max=policy.max_wait_seconds, jitter=policy.jitter_seconds
    )
    attempts = stop_after_attempt(policy.attempts)

    def stop(state: RetryCallState) -> bool:
        retry_after = _retry_after(state)
        too_long = retry_after is not None and retry_after > policy.max_retry_after_seconds
        return too_long or attempts(state)

    def wait(state: RetryCallState) -> float:
        return max(backoff(state), _retry_after(state) or 0.0)

    def before_sleep(state: RetryCallState) -> None:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        log.info(
            "magento.retry",
            attempt=state.attempt_number,
            wait_seconds=round(state.upcoming_sleep, 3),
            error=type(exc).__name__,
            reason=str(exc),
        )

    return Retrying(
        stop=stop,
        wait=wait,
        retry=retry_if_exception(is_retryable),
        reraise=True,
        sleep=sleep,
        before_sleep=before_sleep,
    )
