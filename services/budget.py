"""A tick's time budget on the injected clock: nothing may start that would end past it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from database.pool import DictConnection, limited_transaction

# A lock held by a healthy writer is held for milliseconds; a longer wait means a stuck
# transaction, so a tick gives up on that item after this share of its budget (at least 1 s).
LOCK_WAIT_SHARE = 1 / 8
MIN_LOCK_WAIT_SECONDS = 1.0
MIN_STATEMENT_SECONDS = 0.5


class Budget:
    def __init__(self, seconds: float, *, clock: Callable[[], datetime]):
        self.seconds = seconds
        self._clock = clock
        self.deadline = clock() + timedelta(seconds=seconds)

    def fits(self, seconds: float) -> bool:
        """Would work of this length, started now, end within the budget?"""
        return self._clock() + timedelta(seconds=seconds) <= self.deadline

    def remaining(self) -> float:
        return max(0.0, (self.deadline - self._clock()).total_seconds())

    @contextmanager
    def transaction(self, conn: DictConnection) -> Iterator[DictConnection]:
        """A transaction that cannot outlive the budget: its statements stop at the deadline
        and a lock wait stops sooner, so one stuck row fails one item, not the tick."""
        statement = max(MIN_STATEMENT_SECONDS, self.remaining())
        lock = min(statement, max(MIN_LOCK_WAIT_SECONDS, self.seconds * LOCK_WAIT_SHARE))
        with limited_transaction(conn, statement_seconds=statement, lock_seconds=lock) as limited:
            yield limited
