"""The matches tick (SPEC §6): due rounds become queue jobs, claimed one at a time as the
tick reaches them, so a killed tick strands only the round in flight. Each round is fetched
once, retried within the budget, written in one transaction, and isolated: whatever goes
wrong with one round fails that round only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from config import Settings
from database.pool import DictConnection, Pool, connection_lost
from jobqueue.base import FailOutcome, Job, QueueUnavailable, WorkerQueue
from provider.base import MatchDataProvider, ProviderError, ProviderEvent, RoundRef
from repositories import matches as matches_repo
from repositories.matches import DuePolicy
from services import stuck_alerts
from services.budget import Budget
from services.retry import Deferred, RetriesExhausted, RetryPolicy
from services.runs import TickRun
from services.structured_log import log_event

ROUND_JOB = "matches.round"
# A job's claim outlives any tick that could hold it, so only a killed tick's job expires.
EXPIRY_MARGIN_SECONDS = 60


def ends_the_tick(exc: BaseException) -> bool:
    """The database or the queue is gone: no round can be done, so the tick stops (503)."""
    return connection_lost(exc) or isinstance(exc, QueueUnavailable)


def round_key(row: dict[str, Any]) -> str:
    """The singleton key of a round: one unfinished job per round, whoever sent it."""
    return f"{row['tournament_id']}/{row['round_number']}/{row['round_slug'] or ''}/{row['round_prefix'] or ''}"


def round_job_data(row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: row[name]
        for name in (
            "tournament_id",
            "round_number",
            "round_slug",
            "round_prefix",
            "sofascore_unique_tournament_id",
            "sofascore_season_id",
        )
    }


@dataclass
class Claim:
    """The round's job as this tick currently holds it (a retry wait re-claims it)."""

    job: Job
    held: bool = True
    due: list[dict] = field(default_factory=list)


class RoundTakenOver(Exception):
    """Another tick holds the round now (it claimed it while this one waited to retry, or
    after this one's claim expired), or has written it with a newer fencing token: this tick
    writes and reports nothing of it."""


@dataclass
class RoundResult:
    outcome: str  # processed | failed | deferred | skipped
    matches_checked: int = 0
    matches_ended: int = 0
    marked_outdata: int = 0


@dataclass
class RoundTally:
    """The tick's counters (SPEC §5): processed + failed + deferred + skipped = due."""

    due: int
    outcomes: Counter = field(default_factory=Counter)
    totals: Counter = field(default_factory=Counter)

    def add(self, result: RoundResult) -> None:
        self.outcomes[result.outcome] += 1
        self.totals.update(
            matches_checked=result.matches_checked, matches_ended=result.matches_ended, marked=result.marked_outdata
        )

    def summary(self) -> dict[str, int]:
        return {
            "rounds_due": self.due,
            "rounds_processed": self.outcomes["processed"],
            "rounds_failed": self.outcomes["failed"],
            "rounds_deferred": self.outcomes["deferred"],
            "rounds_skipped": self.outcomes["skipped"],
            "matches_checked": self.totals["matches_checked"],
            "matches_ended": self.totals["matches_ended"],
            "league_tournaments_marked_outdata": self.totals["marked"],
        }


class RoundWorker:
    """Processes claimed round jobs for one tick."""

    def __init__(
        self,
        *,
        pool: Pool,
        clock: Callable[[], datetime],
        queue: WorkerQueue,
        provider: MatchDataProvider,
        budget: Budget,
        retry: RetryPolicy,
        run: TickRun,
        policy: DuePolicy,
        settle_minutes: int,
    ):
        self.pool = pool
        self.clock = clock
        self.queue = queue
        self.provider = provider
        self.budget = budget
        self.retry = retry
        self.run = run
        self.policy = policy
        self.settle_minutes = settle_minutes

    def process(self, job: Job) -> RoundResult:
        """One claimed round, isolated: an unexpected error fails this round only; a lost
        database or queue hands the job back (best effort) and ends the tick."""
        claim = Claim(job)
        try:
            return self._process(claim)
        except Exception as exc:
            if ends_the_tick(exc):
                self._hand_back(claim)
                raise
            return self._round_failed(
                claim,
                f"{type(exc).__name__}: {exc}".strip(),
                attempts=claim.job.retry_count + 1,
                cause=type(exc).__name__,
                exc=exc,
            )

    def report_expired(self, job: Job) -> RoundResult:
        """A job whose claim expired (its tick was killed) with no attempt left: a final failure."""
        claim = Claim(job, held=False, due=self._due_matches(job))
        return self._record_failure(claim, job.last_error or "expired", attempts=job.retry_count, cause="expired")

    def _process(self, claim: Claim) -> RoundResult:
        self._record_claim(claim.job)
        claim.due = self._due_matches(claim.job)
        if not claim.due:  # another tick finished this round after we looked
            self.queue.complete(claim.job)
            return RoundResult("skipped")
        try:
            return self._write_round(claim, self._fetch_round(claim))
        except RoundTakenOver:
            return RoundResult("skipped")
        except Deferred as deferred:
            if deferred.error is None:
                self.queue.release(claim.job)
            elif self.queue.fail(claim.job, error=str(deferred.error), retry_in=deferred.wait) is FailOutcome.LOST:
                return RoundResult("skipped")
            return RoundResult("deferred")
        except RetriesExhausted as exhausted:
            return self._round_failed(
                claim, str(exhausted.error), attempts=exhausted.attempts, cause=str(exhausted.error.status or "request")
            )

    def _due_matches(self, job: Job) -> list[dict]:
        data = job.data
        with self.pool.connection() as conn:
            return matches_repo.due_matches_of_round(
                conn,
                policy=self.policy,
                now=self.clock(),
                tournament_id=data["tournament_id"],
                round_number=data["round_number"],
                round_slug=data["round_slug"],
                round_prefix=data["round_prefix"],
            )

    def _fetch_round(self, claim: Claim) -> list[ProviderEvent]:
        data = claim.job.data
        ref = RoundRef(
            data["sofascore_unique_tournament_id"],
            data["sofascore_season_id"],
            data["round_number"],
            data["round_slug"],
            data["round_prefix"],
        )

        def persist_failure(error: ProviderError, wait: float) -> None:
            if self.queue.fail(claim.job, error=str(error), retry_in=wait) is FailOutcome.LOST:
                raise RoundTakenOver(claim.job.singleton_key)
            claim.held = False

        def attempt() -> list[ProviderEvent]:
            if not claim.held:  # waited out a retry delay: take the job back before trying again
                claimed = self.queue.fetch(ROUND_JOB, singleton_keys=[claim.job.singleton_key], limit=1)
                if not claimed:
                    raise RoundTakenOver(claim.job.singleton_key)
                claim.job, claim.held = claimed[0], True
                self._record_claim(claim.job)
            fetched = self.provider.fetch_round(ref)
            with self.pool.connection() as conn:
                known = matches_repo.known_event_ids(conn, event_ids=list(fetched.malformed))
            return fetched.require(known)  # an unreadable event of a known match spoils the payload

        return self.retry.run(attempt, attempts_made=claim.job.retry_count, on_retry=persist_failure)

    def _round_failed(
        self, claim: Claim, error: str, *, attempts: int, cause: str, exc: BaseException | None = None
    ) -> RoundResult:
        if not claim.held:
            return RoundResult("skipped")  # failed while waiting to re-claim: another tick has it
        if self.queue.fail(claim.job, error=error, final=True) is FailOutcome.LOST:
            return RoundResult("skipped")
        return self._record_failure(claim, error, attempts=attempts, cause=cause, exc=exc)

    def _record_failure(
        self, claim: Claim, error: str, *, attempts: int, cause: str, exc: BaseException | None = None
    ) -> RoundResult:
        """The round's fetch finished for good: its due matches are checked, and it is reported."""
        job = claim.job
        checked = 0
        try:
            with self.pool.connection() as conn, self.budget.transaction(conn):
                self._fence(conn, job)
                checked = matches_repo.mark_checked(conn, match_ids=[m["id"] for m in claim.due], now=self.clock())
        except RoundTakenOver:
            return RoundResult("skipped")
        except Exception as mark_error:
            if ends_the_tick(mark_error):
                raise
            log_event("matches.mark_checked_failed", round=job.singleton_key, error=str(mark_error))
        data = job.data
        self.run.item_failed(
            {
                "round": job.singleton_key,
                "tournament_id": data["tournament_id"],
                "round_number": data["round_number"],
                "attempts": attempts,
            },
            error,
            tags={"tournament": data["tournament_id"], "round": job.singleton_key},
            fingerprint=[job.singleton_key, cause],
            exc=exc,
        )
        return RoundResult("failed", matches_checked=checked)

    def _hand_back(self, claim: Claim) -> None:
        """Best effort: give the in-flight job back so the next tick need not wait for its expiry."""
        if not claim.held:
            return
        try:
            self.queue.release(claim.job)
        except Exception as exc:
            log_event("matches.release_failed", round=claim.job.singleton_key, error=str(exc))

    def _fetch_missing_events(self, job: Job, missing: list[dict]) -> tuple[list[ProviderEvent], list[int]]:
        """Fetch due matches absent from their round one by one; returns events and unchecked ids."""
        events: list[ProviderEvent] = []
        unchecked: list[int] = []
        for match in missing:
            try:
                events.append(self.retry.run(partial(self.provider.fetch_event, match["sofascore_event_id"])))
            except Deferred:
                unchecked.append(match["id"])
            except RetriesExhausted as exhausted:
                self.run.item_failed(
                    {
                        "round": job.singleton_key,
                        "match_id": match["id"],
                        "event_id": match["sofascore_event_id"],
                        "attempts": exhausted.attempts,
                    },
                    str(exhausted.error),
                    tags={
                        "tournament": job.data["tournament_id"],
                        "round": job.singleton_key,
                        "event": match["sofascore_event_id"],
                    },
                    fingerprint=[f"event/{match['sofascore_event_id']}", str(exhausted.error.status or "request")],
                )
        return events, unchecked

    def _write_round(self, claim: Claim, events: list[ProviderEvent]) -> RoundResult:
        seen = {event.event_id for event in events}
        missing = [m for m in claim.due if m["sofascore_event_id"] not in seen]
        lone_events, unchecked = self._fetch_missing_events(claim.job, missing)
        checked_ids = [m["id"] for m in claim.due if m["id"] not in set(unchecked)]
        now = self.clock()
        with self.pool.connection() as conn, self.budget.transaction(conn):
            self._fence(conn, claim.job)
            ended = matches_repo.apply_events(
                conn, events=events + lone_events, now=now, settle_minutes=self.settle_minutes
            )
            checked = matches_repo.mark_checked(conn, match_ids=checked_ids, now=now)
            marked = matches_repo.marked_outdata_in_transaction(conn)
        if not self.queue.complete(claim.job):
            # Written under a token no newer claim had used: the data stands; the job is the new holder's.
            log_event("matches.claim_lost_after_write", run_id=self.run.run_id, round=claim.job.singleton_key)
        return RoundResult("processed", matches_checked=checked, matches_ended=len(ended), marked_outdata=marked)

    def _record_claim(self, job: Job) -> None:
        """From now on a tick holding an older claim of this round can no longer write it."""
        with self.pool.connection() as conn, self.budget.transaction(conn):
            matches_repo.record_claim(conn, round_key=job.singleton_key, token=job.fence or 0, now=self.clock())

    def _fence(self, conn: DictConnection, job: Job) -> None:
        """First statement of a round's write transaction: a newer claim has written this round
        already (this one is stale), so the transaction rolls back and nothing is reported."""
        token = job.fence or 0  # a claim made before tokens existed yields to every tokened one
        if not matches_repo.advance_fence(conn, round_key=job.singleton_key, token=token, now=self.clock()):
            raise RoundTakenOver(job.singleton_key)


def run_matches_tick(
    *,
    pool: Pool,
    queue: WorkerQueue,
    provider_factory: Callable[[], MatchDataProvider],
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    settings: Settings,
    policy: DuePolicy,
    max_rounds: int | None = None,
    dry_run: bool = False,
    trigger: str = "manual",
) -> dict[str, Any]:
    """One matches tick; returns the JSON summary of SPEC §5."""
    max_rounds = max_rounds or settings.tick_matches_max_rounds
    with TickRun(
        pool=pool,
        kind="matches",
        trigger=trigger,
        dry_run=dry_run,
        clock=clock,
        budget_seconds=settings.tick_matches_budget_seconds,
        retention_days=settings.runs_retention_days,
    ) as run:
        budget = Budget(settings.tick_matches_budget_seconds, clock=clock)
        with pool.connection() as conn:
            rounds = matches_repo.due_rounds(conn, policy=policy, now=clock())
        keys = [round_key(r) for r in rounds]
        if dry_run:
            return run.finish(
                _dry_run_counts(rounds, keys, queue.active_keys(ROUND_JOB, singleton_keys=keys), max_rounds)
            )

        provider = provider_factory()
        try:
            retry = RetryPolicy(
                delays=settings.retry_delays, budget=budget, attempt_seconds=provider.attempt_seconds, sleep=sleep
            )
            worker = RoundWorker(
                pool=pool,
                clock=clock,
                queue=queue,
                provider=provider,
                budget=budget,
                retry=retry,
                run=run,
                policy=policy,
                settle_minutes=settings.result_settle_minutes,
            )
            tally = _work_through_rounds(worker, settings, rounds=rounds, keys=keys, max_rounds=max_rounds)
        finally:
            provider.close()
        stuck_alerts.alert_stuck_matches(run, pool=pool, clock=clock, hours=settings.stuck_match_hours)
        return run.finish(tally.summary())


def _work_through_rounds(
    worker: RoundWorker, settings: Settings, *, rounds: list[dict], keys: list[str], max_rounds: int
) -> RoundTally:
    """Queue the due rounds, then claim and process them one at a time while budget and
    `max_rounds` allow; rounds not reached stay queued, unclaimed, for the next tick."""
    queue = worker.queue
    tally = RoundTally(due=len(rounds))
    waiting = set(keys)
    for job in queue.expire(ROUND_JOB):
        result = worker.report_expired(job)
        if job.singleton_key in waiting:
            waiting.discard(job.singleton_key)
            tally.add(result)
    queue.cancel_waiting(ROUND_JOB, keep_keys=keys)
    retention_cutoff = worker.clock() - timedelta(days=settings.runs_retention_days)
    queue.prune(ROUND_JOB, finished_before=retention_cutoff)
    with worker.pool.connection() as conn:
        matches_repo.prune_fences(conn, before=retention_cutoff)
    for row, key in zip(rounds, keys, strict=True):
        if key in waiting:
            queue.send(
                ROUND_JOB,
                round_job_data(row),
                singleton_key=key,
                retry_limit=len(settings.retry_delays),
                expire_in=settings.tick_matches_budget_seconds + EXPIRY_MARGIN_SECONDS,
            )

    taken = tally.outcomes["failed"]
    while taken < max_rounds and waiting and worker.budget.fits(worker.retry.attempt_seconds):
        claimed = queue.fetch(ROUND_JOB, singleton_keys=sorted(waiting), limit=1)
        if not claimed:
            break
        job = claimed[0]
        waiting.discard(job.singleton_key)
        taken += 1
        tally.add(worker.process(job))

    held_elsewhere = queue.active_keys(ROUND_JOB, singleton_keys=sorted(waiting))
    not_reached = min(len(waiting - held_elsewhere), max_rounds - taken)
    tally.outcomes["deferred"] += not_reached
    tally.outcomes["skipped"] += len(waiting) - not_reached
    return tally


def _dry_run_counts(rounds: list[dict], keys: list[str], held: set[str], max_rounds: int) -> dict[str, Any]:
    """What a real tick would take: free rounds up to max_rounds; their due matches get checked."""
    free = [row for row, key in zip(rounds, keys, strict=True) if key not in held][:max_rounds]
    return {
        "rounds_due": len(rounds),
        "rounds_processed": len(free),
        "rounds_failed": 0,
        "rounds_deferred": 0,
        "rounds_skipped": len(rounds) - len(free),
        "matches_checked": sum(row["due_matches"] for row in free),
        "matches_ended": 0,
        "league_tournaments_marked_outdata": 0,
    }
