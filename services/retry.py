"""Retries of provider calls (SPEC §6.6-6.7), driven by tenacity with an injected sleep.

A failed attempt waits the next RETRY_DELAYS entry (longer if a 429 says so). A wait the
budget cannot afford stops the sequence as *deferred*: the caller records how far it got
so the next tick resumes from there instead of starting over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

from provider.base import ProviderError
from services.budget import Budget

T = TypeVar("T")


class RetriesExhausted(Exception):
    """The last allowed attempt failed, or the failure is not worth retrying."""

    def __init__(self, error: ProviderError, attempts: int):
        super().__init__(str(error))
        self.error = error
        self.attempts = attempts


class Deferred(Exception):
    """The next attempt (or its wait) would end past the budget; `error` is None if none was made."""

    def __init__(self, error: ProviderError | None, wait: float):
        super().__init__(str(error) if error else "not started: the tick's budget was spent")
        self.error = error
        self.wait = wait


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


def _failed_with(state: RetryCallState) -> ProviderError:
    """The error of the attempt just made: tenacity waits and sleeps only after an attempt it
    retries, and it retries only a ProviderError (_is_retryable)."""
    error = state.outcome.exception() if state.outcome is not None else None
    if not isinstance(error, ProviderError):
        raise TypeError(f"retrying after {error!r}, which is not a ProviderError")
    return error


@dataclass
class RetryPolicy:
    delays: tuple[float, ...]
    budget: Budget
    attempt_seconds: float  # what one attempt may cost: its timeout plus the rate-limit spacing
    sleep: Callable[[float], None]

    def run(
        self,
        attempt: Callable[[], T],
        *,
        attempts_made: int = 0,
        on_retry: Callable[[ProviderError, float], None] | None = None,
    ) -> T:
        """Call `attempt` until it succeeds; raise RetriesExhausted or Deferred otherwise.

        `attempts_made` counts failures already recorded by earlier ticks; `on_retry` runs
        before each wait, with the error and the wait, so a caller can persist progress.
        """
        if not self.budget.fits(self.attempt_seconds):
            raise Deferred(None, 0.0)
        stopped_for_budget: list[float] = []

        def attempts_so_far(state: RetryCallState) -> int:
            return attempts_made + state.attempt_number

        def wait(state: RetryCallState) -> float:
            done = attempts_so_far(state)
            if done > len(self.delays):
                return 0.0
            retry_after = min(_failed_with(state).retry_after or 0.0, self.budget.seconds)  # clamped to the budget
            return max(self.delays[done - 1], retry_after)

        def stop(state: RetryCallState) -> bool:
            if attempts_so_far(state) > len(self.delays):
                return True
            if not self.budget.fits(state.upcoming_sleep + self.attempt_seconds):
                stopped_for_budget.append(state.upcoming_sleep)
                return True
            return False

        def before_sleep(state: RetryCallState) -> None:
            if on_retry is not None:
                on_retry(_failed_with(state), state.upcoming_sleep)

        retrying = Retrying(
            retry=retry_if_exception(_is_retryable),
            wait=wait,
            stop=stop,
            before_sleep=before_sleep,
            sleep=self.sleep,
            reraise=True,
        )
        made = 0

        def counted_attempt() -> T:
            nonlocal made
            made += 1
            return attempt()

        try:
            return retrying(counted_attempt)
        except ProviderError as error:
            if stopped_for_budget:
                raise Deferred(error, stopped_for_budget[0]) from error
            raise RetriesExhausted(error, attempts_made + made) from error
