"""The matches tick (SPEC §6): due rounds become queue jobs; each job fetches its round once,
retries within the budget, and writes the round's results in one transaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from jobqueue.base import Job, Queue
from provider.base import MatchDataProvider, ProviderError, ProviderEvent, RoundRef
from repositories import matches as matches_repo
from repositories.matches import DuePolicy
from services.budget import Budget
from services.dependencies import Dependencies
from services.retry import Deferred, RetriesExhausted, RetryPolicy
from services.runs import TickRun

ROUND_JOB = "matches.round"
# A job's claim outlives any tick that could hold it, so only a killed tick's job expires.
EXPIRY_MARGIN_SECONDS = 60


def round_key(row: dict[str, Any]) -> str:
    """The singleton key of a round: one unfinished job per round, whoever sent it."""
    return f"{row['tournament_id']}/{row['round_number']}/{row['round_slug'] or ''}/{row['round_prefix'] or ''}"


def round_job_data(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in ("tournament_id", "round_number", "round_slug", "round_prefix",
                                         "sofascore_unique_tournament_id", "sofascore_season_id")}


@dataclass
class Claim:
    """The round's job as this tick currently holds it (a retry wait re-claims it)."""

    job: Job
    held: bool = True


class RoundTakenOver(Exception):
    """Another tick claimed the round (while this one waited to retry it, or after its claim expired)."""


@dataclass
class RoundResult:
    outcome: str  # processed | failed | deferred | skipped
    matches_checked: int = 0
    matches_ended: int = 0
    marked_outdata: int = 0


class RoundWorker:
    """Processes claimed round jobs for one tick."""

    def __init__(self, deps: Dependencies, *, queue: Queue, provider: MatchDataProvider, budget: Budget,
                 run: TickRun, policy: DuePolicy, attempt_seconds: float):
        self.deps = deps
        self.queue = queue
        self.provider = provider
        self.budget = budget
        self.run = run
        self.settings = deps.settings
        self.policy = policy
        self.retry = RetryPolicy(delays=self.settings.retry_delays, budget=budget,
                                 attempt_seconds=attempt_seconds, sleep=deps.sleep)

    def process(self, job: Job) -> RoundResult:
        wait = (job.start_after - self.deps.clock()).total_seconds()
        if wait > 0:
            if not self.budget.fits(wait + self.retry.attempt_seconds):
                self.queue.release(job)
                return RoundResult("deferred")
            self.deps.sleep(wait)

        data = job.data
        with self.deps.pool.connection() as conn:
            due = matches_repo.due_matches_of_round(
                conn, policy=self.policy, now=self.deps.clock(), tournament_id=data["tournament_id"],
                round_number=data["round_number"], round_slug=data["round_slug"], round_prefix=data["round_prefix"])
        if not due:  # another tick finished this round after we looked
            self.queue.complete(job)
            return RoundResult("skipped")

        claim = Claim(job)
        try:
            return self._write_round(claim, due, self._fetch_round(claim))
        except RoundTakenOver:
            return RoundResult("skipped")
        except Deferred as deferred:
            if deferred.error is None:
                self.queue.release(claim.job)
            else:
                self.queue.fail(claim.job, error=str(deferred.error), retry_in=deferred.wait)
            return RoundResult("deferred")
        except RetriesExhausted as exhausted:
            return self._round_failed(claim.job, due, exhausted)

    def _fetch_round(self, claim: Claim) -> list[ProviderEvent]:
        data = claim.job.data
        ref = RoundRef(data["sofascore_unique_tournament_id"], data["sofascore_season_id"], data["round_number"],
                       data["round_slug"], data["round_prefix"])

        def persist_failure(error: ProviderError, wait: float) -> None:
            self.queue.fail(claim.job, error=str(error), retry_in=wait)
            claim.held = False

        def attempt() -> list[ProviderEvent]:
            if not claim.held:  # waited out a retry delay: take the job back before trying again
                claimed = self.queue.fetch(ROUND_JOB, singleton_keys=[claim.job.singleton_key], limit=1)
                if not claimed:
                    raise RoundTakenOver(claim.job.singleton_key)
                claim.job, claim.held = claimed[0], True
            return self.provider.fetch_round(ref)

        return self.retry.run(attempt, attempts_made=claim.job.retry_count, on_retry=persist_failure)

    def _round_failed(self, job: Job, due: list[dict], exhausted: RetriesExhausted) -> RoundResult:
        self.queue.fail(job, error=str(exhausted.error), final=True)
        now = self.deps.clock()
        with self.deps.pool.connection() as conn:
            checked = matches_repo.mark_checked(conn, match_ids=[m["id"] for m in due], now=now)
        data = job.data
        self.run.item_failed(
            {"round": job.singleton_key, "tournament_id": data["tournament_id"], "round_number": data["round_number"],
             "attempts": exhausted.attempts},
            str(exhausted.error),
            tags={"tournament": data["tournament_id"], "round": job.singleton_key},
            fingerprint=[job.singleton_key, str(exhausted.error.status or "request")],
        )
        return RoundResult("failed", matches_checked=checked)

    def _fetch_missing_events(self, job: Job, missing: list[dict]) -> tuple[list[ProviderEvent], list[int]]:
        """Fetch due matches absent from their round one by one; returns events and unchecked ids."""
        events: list[ProviderEvent] = []
        unchecked: list[int] = []
        for match in missing:
            try:
                events.append(self.retry.run(lambda: self.provider.fetch_event(match["sofascore_event_id"])))
            except Deferred:
                unchecked.append(match["id"])
            except RetriesExhausted as exhausted:
                self.run.item_failed(
                    {"round": job.singleton_key, "match_id": match["id"], "event_id": match["sofascore_event_id"],
                     "attempts": exhausted.attempts},
                    str(exhausted.error),
                    tags={"tournament": job.data["tournament_id"], "round": job.singleton_key,
                          "event": match["sofascore_event_id"]},
                    fingerprint=[f"event/{match['sofascore_event_id']}", str(exhausted.error.status or "request")],
                )
        return events, unchecked

    def _write_round(self, claim: Claim, due: list[dict], events: list[ProviderEvent]) -> RoundResult:
        seen = {event.event_id for event in events}
        missing = [m for m in due if m["sofascore_event_id"] not in seen]
        lone_events, unchecked = self._fetch_missing_events(claim.job, missing)
        checked_ids = [m["id"] for m in due if m["id"] not in set(unchecked)]
        now = self.deps.clock()
        with self.deps.pool.connection() as conn, conn.transaction():
            applied = matches_repo.apply_events(conn, events=events + lone_events, now=now,
                                                settle_minutes=self.settings.result_settle_minutes)
            checked = matches_repo.mark_checked(conn, match_ids=checked_ids, now=now)
            marked = matches_repo.mark_league_tournaments_outdata(
                conn, tournament_ids=applied.changed_tournament_ids, now=now)
            if not self.queue.complete(claim.job, transaction=conn):
                raise RoundTakenOver(claim.job.singleton_key)  # rolls the writes back: the round is someone else's
        return RoundResult("processed", matches_checked=checked, matches_ended=len(applied.ended_ids),
                           marked_outdata=marked)


def run_matches_tick(deps: Dependencies, *, max_rounds: int | None = None, dry_run: bool = False,
                     trigger: str = "manual") -> dict[str, Any]:
    """One matches tick; returns the JSON summary of SPEC §5."""
    settings = deps.settings
    max_rounds = max_rounds or settings.tick_matches_max_rounds
    budget = Budget(settings.tick_matches_budget_seconds, clock=deps.clock)
    policy = DuePolicy(settings.match_result_delay_minutes, settings.match_recheck_minutes,
                       settings.postponed_recheck_minutes)
    queue = deps.queue()
    with TickRun(pool=deps.pool, kind="matches", trigger=trigger, dry_run=dry_run, clock=deps.clock,
                 budget_seconds=settings.tick_matches_budget_seconds, retention_days=settings.runs_retention_days) as run:
        with deps.pool.connection() as conn:
            rounds = matches_repo.due_rounds(conn, policy=policy, now=deps.clock())
        keys = [round_key(r) for r in rounds]
        if dry_run:
            return run.finish(_dry_run_counts(rounds, keys, queue.active_keys(ROUND_JOB, singleton_keys=keys), max_rounds))

        for row, key in zip(rounds, keys):
            queue.send(ROUND_JOB, round_job_data(row), singleton_key=key, retry_limit=len(settings.retry_delays),
                       expire_in=settings.tick_matches_budget_seconds + EXPIRY_MARGIN_SECONDS)
        jobs = queue.fetch(ROUND_JOB, singleton_keys=keys, limit=max_rounds)

        provider = deps.provider()
        worker = RoundWorker(deps, queue=queue, provider=provider, budget=budget, run=run, policy=policy,
                             attempt_seconds=settings.provider_timeout_seconds + provider.limiter.interval_seconds)
        outcomes: Counter[str] = Counter()
        totals: Counter[str] = Counter()
        for job in jobs:
            result = worker.process(job)
            outcomes[result.outcome] += 1
            totals.update(matches_checked=result.matches_checked, matches_ended=result.matches_ended,
                          marked=result.marked_outdata)
        return run.finish({
            "rounds_due": len(rounds),
            "rounds_processed": outcomes["processed"],
            "rounds_failed": outcomes["failed"],
            "rounds_deferred": outcomes["deferred"],
            "rounds_skipped": len(rounds) - len(jobs) + outcomes["skipped"],
            "matches_checked": totals["matches_checked"],
            "matches_ended": totals["matches_ended"],
            "league_tournaments_marked_outdata": totals["marked"],
        })


def _dry_run_counts(rounds: list[dict], keys: list[str], held: set[str], max_rounds: int) -> dict[str, Any]:
    """What a real tick would take: free rounds up to max_rounds; their due matches get checked."""
    free = [row for row, key in zip(rounds, keys) if key not in held][:max_rounds]
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
