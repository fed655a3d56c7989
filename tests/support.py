"""Test helpers shared by several test modules: a fake clock, a recording sleep, seed data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
import threading

import psycopg

AUTH = {"Authorization": "Bearer test-token"}
START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


class FakeClock:
    """A wall clock that only moves when told to (or when the fake sleep sleeps)."""

    def __init__(self, start: datetime = START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


@dataclass
class RecordingSleep:
    """Records every requested wait and advances the fake clock instead of blocking."""

    clock: FakeClock
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)


def insert(conn: psycopg.Connection, table: str, **values) -> dict:
    """Insert one row with just the given columns and return it (test seeding only)."""
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({name})s" for name in values)
    return conn.execute(
        f"insert into {table} ({columns}) values ({placeholders}) returning *", values
    ).fetchone()
