"""The scores tick (SPEC §7): claim outdata league tournaments, recalculate each in one
transaction, and finish only if nothing marked it outdata meanwhile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg

from database.pool import DATABASE_UNAVAILABLE
from repositories import scores as scores_repo
from services.budget import Budget
from services.dependencies import Dependencies
from services.runs import TickRun


class _StaleClaim(Exception):
    """The row was marked outdata (or claimed anew) during the calculation: undo, leave it queued."""


def run_scores_tick(deps: Dependencies, *, max_leagues: int | None = None, dry_run: bool = False,
                    trigger: str = "manual") -> dict[str, Any]:
    """One scores tick; returns the JSON summary of SPEC §5."""
    settings = deps.settings
    limit = max_leagues or settings.tick_scores_max_leagues
    lease = settings.scores_sync_lease_minutes
    with TickRun(pool=deps.pool, kind="scores", trigger=trigger, dry_run=dry_run, clock=deps.clock,
                 budget_seconds=settings.tick_scores_budget_seconds, retention_days=settings.runs_retention_days) as run:
        if dry_run:
            with deps.pool.connection() as conn:
                preview = scores_repo.preview_claimable(conn, limit=limit, now=deps.clock(), lease_minutes=lease)
            return run.finish(_summary(claimed=len(preview), updated=len(preview), failed=0, requeued=0,
                                       participants=sum(row["participants"] for row in preview)))

        budget = Budget(settings.tick_scores_budget_seconds, clock=deps.clock)
        with deps.pool.connection() as conn:
            claimed = scores_repo.claim(conn, run_id=run.run_id, limit=limit, now=deps.clock(), lease_minutes=lease)

        updated = failed = participants = 0
        not_reached: list[int] = []
        longest = timedelta(0)
        for position, item in enumerate(claimed):
            if not budget.fits(longest.total_seconds()):
                not_reached = [c.id for c in claimed[position:]]
                break
            started = deps.clock()
            try:
                participants += _recalculate(deps, item, run_id=run.run_id)
                updated += 1
            except _StaleClaim:
                pass
            except DATABASE_UNAVAILABLE:
                raise
            except psycopg.Error as exc:
                failed += 1
                _calculation_failed(deps, run, item, exc)
            longest = max(longest, deps.clock() - started)

        if not_reached:
            with deps.pool.connection() as conn:
                scores_repo.requeue(conn, ids=not_reached, run_id=run.run_id)
        return run.finish(_summary(claimed=len(claimed), updated=updated, failed=failed,
                                   requeued=len(claimed) - updated - failed, participants=participants))


def _recalculate(deps: Dependencies, item: scores_repo.Claimed, *, run_id: int) -> int:
    with deps.pool.connection() as conn, conn.transaction():
        scored = scores_repo.recalculate(conn, league_tournament_id=item.id, league_id=item.league_id)
        if not scores_repo.finish(conn, league_tournament_id=item.id, run_id=run_id, now=deps.clock()):
            raise _StaleClaim(item.id)
    return scored


def _calculation_failed(deps: Dependencies, run: TickRun, item: scores_repo.Claimed, exc: Exception) -> None:
    with deps.pool.connection() as conn:
        scores_repo.requeue(conn, ids=[item.id], run_id=run.run_id)
    message = f"{type(exc).__name__}: {str(exc).strip()}"
    run.item_failed(
        {"league_tournament_id": item.id, "league_id": item.league_id, "tournament_id": item.tournament_id},
        message,
        tags={"league": item.league_id, "league_tournament": item.id, "tournament": item.tournament_id},
        fingerprint=[f"league-tournament/{item.id}", type(exc).__name__],
    )


def _summary(*, claimed: int, updated: int, failed: int, requeued: int, participants: int) -> dict[str, int]:
    return {
        "league_tournaments_claimed": claimed,
        "league_tournaments_updated": updated,
        "league_tournaments_failed": failed,
        "league_tournaments_requeued": requeued,
        "participants_scored": participants,
    }
