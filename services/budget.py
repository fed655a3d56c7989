"""A tick's time budget on the injected clock: nothing may start that would end past it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable


class Budget:
    def __init__(self, seconds: float, *, clock: Callable[[], datetime]):
        self._clock = clock
        self.deadline = clock() + timedelta(seconds=seconds)

    def fits(self, seconds: float) -> bool:
        """Would work of this length, started now, end within the budget?"""
        return self._clock() + timedelta(seconds=seconds) <= self.deadline
