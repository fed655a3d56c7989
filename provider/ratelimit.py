"""At most N provider requests per second, on the injected clock and sleep."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta


class RateLimiter:
    """Spaces request starts at least 1/N seconds apart (one limiter per tick)."""

    def __init__(self, max_per_second: float, *, clock: Callable[[], datetime], sleep: Callable[[float], None]):
        self._interval = timedelta(seconds=1.0 / max_per_second)
        self._clock = clock
        self._sleep = sleep
        self._next_start: datetime | None = None
        self._lock = threading.Lock()

    @property
    def interval_seconds(self) -> float:
        return self._interval.total_seconds()

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            if self._next_start is not None and now < self._next_start:
                self._sleep((self._next_start - now).total_seconds())
                now = self._next_start
            self._next_start = now + self._interval
