"""The run history: the life of one tick run (its history row, failed items, Sentry
check-ins and log lines), and the history read back for operators."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from database.pool import DATABASE_UNAVAILABLE, Pool
from repositories import runs as runs_repo
from services import monitoring
from services.structured_log import log_event


def recent_runs(*, pool: Pool, limit: int, kind: str | None = None, outcome: str | None = None) -> list[dict[str, Any]]:
    """The newest runs first, each with its summary and failed items."""
    with pool.connection() as conn:
        return runs_repo.list_runs(conn, limit=limit, kind=kind, outcome=outcome)


class TickRun:
    """Use as a context manager around a tick; a dry run records nothing."""

    def __init__(
        self,
        *,
        pool: Pool,
        kind: str,
        trigger: str,
        dry_run: bool,
        clock: Callable[[], datetime],
        budget_seconds: float,
        retention_days: int = 30,
    ):
        self.pool = pool
        self.kind = kind
        self.trigger = trigger
        self.dry_run = dry_run
        self.clock = clock
        self.budget_seconds = budget_seconds
        self.retention_days = retention_days
        self.run_id: int | None = None
        self.errors: list[dict[str, Any]] = []
        self.started_at = clock()
        self._check_in_id: str | None = None

    @property
    def _cron(self) -> bool:
        return self.trigger == "cron" and not self.dry_run

    @property
    def recorded_id(self) -> int:
        """The id of the run's history row, for what a real run writes under its name (a dry run has none)."""
        if self.run_id is None:
            raise RuntimeError("the run has no history row: a dry run, or one not yet started")
        return self.run_id

    def __enter__(self) -> TickRun:
        if self._cron:
            self._check_in_id = monitoring.check_in(self.kind, "in_progress", budget_seconds=self.budget_seconds)
        if not self.dry_run:
            try:
                self._record_start()
            except BaseException as exc:
                self.__exit__(type(exc), exc, exc.__traceback__)
                raise
        return self

    def _record_start(self) -> None:
        now = self.started_at
        with self.pool.connection() as conn, conn.transaction():
            runs_repo.prune_runs(conn, before=now - timedelta(days=self.retention_days))
            runs_repo.close_abandoned_runs(
                conn, kind=self.kind, now=now, started_before=now - timedelta(seconds=2 * self.budget_seconds + 60)
            )
            self.run_id = runs_repo.start_run(conn, kind=self.kind, trigger=self.trigger, now=now)

    def item_failed(
        self,
        item: dict[str, Any],
        error: str,
        *,
        tags: dict[str, Any],
        fingerprint: list[str],
        exc: BaseException | None = None,
    ) -> None:
        """A round, event or league tournament failed for good: history, Sentry, log line.

        `exc` is an unexpected error: Sentry gets its traceback and the log line its stack."""
        self.errors.append({**item, "error": error})
        log_event(
            f"{self.kind}.item_failed", level=logging.WARNING, run_id=self.run_id, **item, error=error, exc_info=exc
        )
        monitoring.capture_item_failure(
            error,
            tags={"tick": self.kind, "run_id": self.run_id, **tags},
            fingerprint=[f"{self.kind}-item-failed", *fingerprint],
            exc=exc,
        )

    def elapsed_ms(self) -> int:
        return int((self.clock() - self.started_at) / timedelta(milliseconds=1))

    def finish(self, summary: dict[str, Any]) -> dict[str, Any]:
        """Record the outcome; returns the summary with run id and duration filled in."""
        summary = {
            "tick": self.kind,
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            **summary,
            "duration_ms": self.elapsed_ms(),
        }
        outcome = "partial" if self.errors else "ok"
        if self.run_id is not None:
            with self.pool.connection() as conn:
                runs_repo.finish_run(
                    conn, run_id=self.run_id, outcome=outcome, summary=summary, errors=self.errors, now=self.clock()
                )
        if self._cron:
            monitoring.check_in(
                self.kind,
                "ok" if outcome == "ok" else "error",
                check_in_id=self._check_in_id,
                budget_seconds=self.budget_seconds,
                duration=summary["duration_ms"] / 1000,
            )
        log_event(f"{self.kind}.tick", outcome=outcome, trigger=self.trigger, **summary)
        return summary

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            return
        message = f"{type(exc).__name__}: {exc}".strip()
        log_event(
            f"{self.kind}.tick",
            level=logging.ERROR,
            outcome="failed",
            run_id=self.run_id,
            trigger=self.trigger,
            error=message,
        )
        if self._cron:
            monitoring.check_in(self.kind, "error", check_in_id=self._check_in_id, budget_seconds=self.budget_seconds)
        if self.run_id is None:
            return
        try:
            with self.pool.connection() as conn:
                runs_repo.finish_run(
                    conn,
                    run_id=self.run_id,
                    outcome="failed",
                    summary=None,
                    errors=[*self.errors, {"error": message}],
                    now=self.clock(),
                )
        except DATABASE_UNAVAILABLE:
            log_event(f"{self.kind}.run_not_recorded", level=logging.ERROR, run_id=self.run_id)
