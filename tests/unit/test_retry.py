"""RetryPolicy (SPEC §6.6-6.7): the waits of RETRY_DELAYS, a 429's longer wait, the final
failure, and the deferral of a wait the budget cannot afford — on a fake clock and sleep."""

import pytest

from provider.base import ProviderError
from services.budget import Budget
from services.retry import Deferred, RetriesExhausted, RetryPolicy
from tests.support import FakeClock, RecordingSleep


def failing(*errors: ProviderError, result: str = "ok"):
    """An attempt that raises these errors in turn, then returns `result`; counts its calls."""
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    attempt.calls = calls  # type: ignore[attr-defined]
    return attempt


def policy(clock: FakeClock, sleep: RecordingSleep, *, budget: float = 240, delays=(30.0, 60.0, 120.0)) -> RetryPolicy:
    return RetryPolicy(delays=delays, budget=Budget(budget, clock=clock), attempt_seconds=10, sleep=sleep)


def retryable(message: str = "timeout", retry_after: float | None = None) -> ProviderError:
    return ProviderError(message, retryable=True, retry_after=retry_after)


def test_a_failure_is_retried_after_each_delay_in_turn():
    clock = FakeClock()
    sleep = RecordingSleep(clock)
    attempt = failing(retryable(), retryable())
    assert policy(clock, sleep).run(attempt) == "ok"
    assert sleep.waits == [30.0, 60.0] and len(attempt.calls) == 3


def test_after_the_last_delay_the_failure_is_final_with_its_attempt_count():
    clock = FakeClock()
    sleep = RecordingSleep(clock)
    with pytest.raises(RetriesExhausted) as raised:
        policy(clock, sleep, budget=10_000).run(failing(*[retryable()] * 4))
    assert raised.value.attempts == 4 and sleep.waits == [30.0, 60.0, 120.0]


def test_a_failure_not_worth_retrying_is_final_at_once():
    clock = FakeClock()
    sleep = RecordingSleep(clock)
    with pytest.raises(RetriesExhausted) as raised:
        policy(clock, sleep).run(failing(ProviderError("404", retryable=False, status=404)))
    assert raised.value.attempts == 1 and sleep.waits == []


def test_retry_after_lengthens_a_wait_and_never_shortens_it():
    clock = FakeClock()
    sleep = RecordingSleep(clock)
    policy(clock, sleep, budget=10_000).run(failing(retryable(retry_after=45), retryable(retry_after=5)))
    assert sleep.waits == [45.0, 60.0]


def test_a_wait_the_budget_cannot_afford_defers_with_the_wait_it_needed():
    clock = FakeClock()
    sleep = RecordingSleep(clock)
    with pytest.raises(Deferred) as raised:
        policy(clock, sleep, budget=90).run(failing(retryable(), retryable()))
    assert raised.value.wait == 60.0 and sleep.waits == [30.0]


def test_attempts_made_by_earlier_ticks_resume_where_they_left_off():
    clock = FakeClock()
    sleep = RecordingSleep(clock)
    with pytest.raises(RetriesExhausted) as raised:
        policy(clock, sleep).run(failing(retryable(), retryable()), attempts_made=2)
    assert sleep.waits == [120.0] and raised.value.attempts == 4


def test_nothing_starts_when_one_attempt_no_longer_fits():
    clock = FakeClock()
    attempt = failing()
    with pytest.raises(Deferred) as raised:
        policy(clock, RecordingSleep(clock), budget=5).run(attempt)
    assert raised.value.error is None and attempt.calls == []
