"""The in-process retry budget: transient errors retried briefly, everything else raised at once."""

from __future__ import annotations

import pytest

from connector_worker.errors import NotFoundError, OutcomeUnknownError, RemoteRejectedError, TransientError
from connector_worker.magento.retry import RetryPolicy, build_retrying

FAST = RetryPolicy(attempts=4, initial_wait_seconds=0.1, max_wait_seconds=0.4, jitter_seconds=0.05)


class Flaky:
    """Raises the given errors in turn, then answers "ok"; counts its calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def run(policy: RetryPolicy, flaky: Flaky) -> tuple[str, list[float]]:
    sleeps: list[float] = []
    result = build_retrying(policy, sleeps.append)(flaky)
    return result, sleeps


def test_transient_errors_are_retried_with_growing_jittered_waits() -> None:
    flaky = Flaky(TransientError("503"), TransientError("503"), TransientError("502"))
    result, sleeps = run(FAST, flaky)
    assert result == "ok"
    assert flaky.calls == 4
    assert len(sleeps) == 3
    assert 0.1 <= sleeps[0] <= 0.15
    assert 0.2 <= sleeps[1] <= 0.25
    assert sleeps[2] == pytest.approx(0.4)  # capped at max_wait, jitter included


def test_the_budget_runs_out_and_the_last_error_is_raised_as_is() -> None:
    last = TransientError("still down")
    flaky = Flaky(TransientError("a"), TransientError("b"), TransientError("c"), last)
    with pytest.raises(TransientError) as caught:
        run(FAST, flaky)
    assert caught.value is last
    assert flaky.calls == 4


@pytest.mark.parametrize(
    "error", [NotFoundError("gone"), RemoteRejectedError("A hold action is not available.")]
)
def test_permanent_errors_are_never_retried(error: Exception) -> None:
    flaky = Flaky(error)
    with pytest.raises(type(error)):
        run(FAST, flaky)
    assert flaky.calls == 1


def test_a_write_with_an_unknown_outcome_is_not_resent() -> None:
    flaky = Flaky(OutcomeUnknownError("read timeout after PUT"))
    with pytest.raises(OutcomeUnknownError):
        run(FAST, flaky)
    assert flaky.calls == 1


def test_retry_after_is_honoured_when_it_is_short() -> None:
    flaky = Flaky(TransientError("Too Many Requests", retry_after=2.0))
    result, sleeps = run(FAST, flaky)
    assert result == "ok"
    assert sleeps == [2.0]


def test_a_long_retry_after_goes_back_to_the_caller_at_once() -> None:
    # a 10-minute backpressure window belongs to Celery's countdown, not to a sleeping worker
    flaky = Flaky(TransientError("Too Many Requests", retry_after=600.0))
    with pytest.raises(TransientError) as caught:
        run(FAST, flaky)
    assert caught.value.retry_after == 600.0
    assert flaky.calls == 1


def test_policies_are_validated() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(initial_wait_seconds=-1)
