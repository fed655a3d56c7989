"""The queue contract (pg-boss semantics), shared by every implementation.

States: created → active → completed; active → retry (wait) → active …; active → failed;
created/retry → cancelled (no longer wanted). A job stuck `active` past its expiry (a killed
worker) counts one failed attempt and is offered again, or fails when out of attempts. Only
one non-finished job may exist per (name, singleton_key). Every fetch is a new claim
(`claim_id`): complete, fail and release act only on the claim still held, so a worker whose
claim expired and was taken over cannot finish the job.

Every claim also carries a fencing token (`fence`) for the writes it leads to, which live in
PostgreSQL whatever the queue's backend: the claim time in microseconds on the queue's
clock, and at least the job's previous token + 1. A new claim of the same round only ever
follows the end or the expiry (budget + 60 s) of the previous claim, so the token grows with
each claim of a round, and tokens stay comparable when the queue moves between backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

EXPIRED_ERROR = "expired: the worker holding it stopped before finishing"


class QueueUnavailable(Exception):
    """The queue's backend cannot be reached: the tick cannot run (HTTP 503)."""


def fence_token(moment: datetime) -> int:
    """The fencing token of a claim made at this moment (before the job's own +1 rule)."""
    return int(moment.timestamp() * 1_000_000)


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    singleton_key: str
    data: dict[str, Any]
    state: str
    retry_count: int
    retry_limit: int
    start_after: datetime
    last_error: str | None
    claim_id: str | None = None
    fence: int | None = None


@dataclass(frozen=True)
class Failure:
    """A key's latest job failure, and whether a job of the same key completed after it."""

    singleton_key: str
    data: dict[str, Any]
    attempts: int
    last_error: str | None
    failed_at: datetime
    fixed_since: bool


class FailOutcome(Enum):
    """What recording a failed attempt did to the job."""

    RETRY = "retry"  # waits for its next attempt
    FAILED = "failed"  # out of attempts, or final: finished
    LOST = "lost"  # the claim was no longer held: nothing changed


class WorkerQueue(Protocol):
    """What a tick does with the queue: send jobs, claim them, and finish each claim."""

    def send(
        self,
        name: str,
        data: dict[str, Any],
        *,
        singleton_key: str,
        retry_limit: int,
        retry_delay: float = 0,
        expire_in: float,
        start_after: datetime | None = None,
    ) -> str | None:
        """Create a job unless one with the same singleton key is unfinished; its id, or None."""

    def expire(self, name: str) -> list[Job]:
        """Take back jobs whose claim expired (a killed worker); returns those that thereby
        ran out of attempts and failed, for the caller to report."""

    def fetch(self, name: str, *, singleton_keys: list[str], limit: int) -> list[Job]:
        """Claim up to `limit` waiting jobs among the keys whose `start_after` has come,
        oldest `start_after` first, skipping those others hold."""

    def cancel_waiting(self, name: str, *, keep_keys: list[str]) -> int:
        """Cancel waiting jobs whose key is not among `keep_keys`; returns how many."""

    def prune(self, name: str, *, finished_before: datetime) -> int:
        """Delete jobs finished before this time; returns how many."""

    def complete(self, job: Job) -> bool:
        """Finish a claimed job; False if the claim was lost."""

    def fail(self, job: Job, *, error: str, retry_in: float | None = None, final: bool = False) -> FailOutcome:
        """Record a failed attempt: back to `retry` (after `retry_in`, else the job's delay) while
        attempts remain and not `final`, else `failed`; LOST if the claim was lost."""

    def release(self, job: Job) -> None:
        """Give a claimed job back unattempted (the tick ran out of time before it)."""

    def active_keys(self, name: str, *, singleton_keys: list[str]) -> set[str]:
        """The keys among these whose job is active and unexpired (held by someone)."""


class QueueInspector(Protocol):
    """What operators read: readiness and the pipeline status."""

    def ping(self) -> None:
        """Raise QueueUnavailable unless the backend answers (readiness)."""

    def failures(self, name: str, *, since: datetime, limit: int) -> list[Failure]:
        """The latest failure of each key that failed since then, newest first."""

    def counts(self, name: str, *, since: datetime) -> dict[str, int]:
        """Jobs waiting or active now, and jobs finished since then, by state."""

    def oldest_waiting(self, name: str) -> Job | None:
        """The waiting job that starts first."""


class QueueBackend(WorkerQueue, QueueInspector, Protocol):
    """A backend serves both sides: the ticks' work and the operators' reads."""
