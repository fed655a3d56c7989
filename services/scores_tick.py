"""The scores tick (SPEC §7): claim waiting league tournaments a small batch at a time as
the tick reaches them, recalculate them from the prediction tallies, and finish each only
if nothing marked it outdata meanwhile. Small leagues share one statement; one failing
league tournament never stops the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from config import Settings
from database.pool import DictConnection, Pool, connection_lost
from repositories import scores as scores_repo
from repositories.scores import Claimed
from services import stuck_alerts
from services.budget import Budget
from services.runs import TickRun
from services.structured_log import log_event


class _StaleClaim(Exception):
    """The row was marked outdata (or claimed anew) during the calculation: undo, leave it queued."""


def run_scores_tick(
    *,
    pool: Pool,
    clock: Callable[[], datetime],
    settings: Settings,
    max_leagues: int | None = None,
    dry_run: bool = False,
    trigger: str = "manual",
) -> dict[str, Any]:
    """One scores tick; returns the JSON summary of SPEC §5."""
    limit = max_leagues or settings.tick_scores_max_leagues
    with TickRun(
        pool=pool,
        kind="scores",
        trigger=trigger,
        dry_run=dry_run,
        clock=clock,
        budget_seconds=settings.tick_scores_budget_seconds,
        retention_days=settings.runs_retention_days,
    ) as run:
        if dry_run:
            with pool.connection() as conn:
                preview = scores_repo.preview_claimable(
                    conn, limit=limit, now=clock(), lease_minutes=settings.scores_sync_lease_minutes
                )
            return run.finish(
                _summary(
                    Counter(
                        claimed=len(preview),
                        updated=len(preview),
                        participants=sum(row["participants"] for row in preview),
                    )
                )
            )

        budget = Budget(settings.tick_scores_budget_seconds, clock=clock)
        counts: Counter[str] = Counter()
        longest = timedelta(0)
        while counts["claimed"] < limit and budget.fits(longest.total_seconds()):
            batch = _claim_next(
                pool,
                clock,
                budget,
                run,
                lease_minutes=settings.scores_sync_lease_minutes,
                limit=limit - counts["claimed"],
            )
            if not batch:
                break
            counts["claimed"] += len(batch)
            started = clock()
            counts.update(_recalculate_isolated(pool, clock, budget, run, batch))
            longest = max(longest, clock() - started)
        stuck_alerts.alert_stuck_league_tournaments(run, pool=pool, clock=clock, minutes=settings.stuck_scores_minutes)
        return run.finish(_summary(counts))


def _claim_next(
    pool: Pool,
    clock: Callable[[], datetime],
    budget: Budget,
    run: TickRun,
    *,
    lease_minutes: int,
    limit: int,
) -> list[Claimed]:
    """The longest-waiting row; if its league is small, more small ones to share its statement.
    A large league's row is only ever claimed when the tick is about to calculate it."""
    with pool.connection() as conn, budget.transaction(conn):
        first = scores_repo.claim(conn, run_id=run.recorded_id, limit=1, now=clock(), lease_minutes=lease_minutes)
        if not first or not first[0].small or limit == 1:
            return first
        more = scores_repo.claim(
            conn,
            run_id=run.recorded_id,
            limit=min(scores_repo.CLAIM_BATCH, limit) - 1,
            now=clock(),
            lease_minutes=lease_minutes,
            small_only=True,
        )
    return first + more


def _recalculate_isolated(
    pool: Pool, clock: Callable[[], datetime], budget: Budget, run: TickRun, batch: list[Claimed]
) -> Counter:
    """A batch in one transaction; if it fails, each row again in a savepoint of its own, so
    one failure (a lock, a timeout, a bug) fails that row only. Only a lost connection ends the tick."""
    try:
        with pool.connection() as conn, budget.transaction(conn):
            return _recalculate(conn, clock, run, batch)
    except Exception as exc:
        if connection_lost(exc):
            _hand_back(pool, budget, run, batch)
            raise
        if len(batch) == 1:
            return _failed(pool, budget, run, batch[0], exc)
    counts: Counter[str] = Counter()
    with pool.connection() as conn, budget.transaction(conn):
        for item in batch:
            try:
                with conn.transaction():
                    counts.update(_recalculate(conn, clock, run, [item]))
            except Exception as exc:
                if connection_lost(exc):
                    _hand_back(pool, budget, run, batch)
                    raise
                counts.update(_failed(pool, budget, run, item, exc))
    return counts


def _recalculate(conn: DictConnection, clock: Callable[[], datetime], run: TickRun, batch: list[Claimed]) -> Counter:
    """Recalculate and finish. A row marked during its calculation does not finish: alone, its
    writes are undone (_StaleClaim); in a batch they stand, harmlessly, under `outdata`."""
    scored = scores_repo.recalculate(conn, items=batch)
    finished = scores_repo.finish(conn, ids=[item.id for item in batch], run_id=run.recorded_id, now=clock())
    if len(batch) == 1 and not finished:
        raise _StaleClaim(batch[0].id)
    return Counter(
        updated=len(finished),
        requeued=len(batch) - len(finished),
        participants=sum(scored.get(item_id, 0) for item_id in finished),
    )


def _failed(pool: Pool, budget: Budget, run: TickRun, item: Claimed, exc: Exception) -> Counter:
    if isinstance(exc, _StaleClaim):
        return Counter(requeued=1)
    _hand_back(pool, budget, run, [item])
    message = f"{type(exc).__name__}: {str(exc).strip()}"
    run.item_failed(
        {"league_tournament_id": item.id, "league_id": item.league_id, "tournament_id": item.tournament_id},
        message,
        tags={"league": item.league_id, "league_tournament": item.id, "tournament": item.tournament_id},
        fingerprint=[f"league-tournament/{item.id}", type(exc).__name__],
        exc=exc,
    )
    return Counter(failed=1)


def _hand_back(pool: Pool, budget: Budget, run: TickRun, items: list[Claimed]) -> None:
    """Best effort, on a fresh connection: the rows go back to `outdata` for the next tick
    (if this fails, the lease returns them later)."""
    try:
        with pool.connection() as conn, budget.transaction(conn):
            scores_repo.requeue(conn, ids=[item.id for item in items], run_id=run.recorded_id)
    except Exception as exc:
        log_event(
            "scores.hand_back_failed", run_id=run.run_id, league_tournaments=[i.id for i in items], error=str(exc)
        )


def _summary(counts: Counter) -> dict[str, int]:
    return {
        "league_tournaments_claimed": counts["claimed"],
        "league_tournaments_updated": counts["updated"],
        "league_tournaments_failed": counts["failed"],
        "league_tournaments_requeued": counts["requeued"],
        "participants_scored": counts["participants"],
    }
