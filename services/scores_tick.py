"""The scores tick (SPEC §7): claim waiting league tournaments one at a time as the tick
reaches them, recalculate each in its own budget-limited transaction, and finish only if
nothing marked it outdata meanwhile. One failing league tournament never stops the others."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from database.pool import connection_lost
from repositories import scores as scores_repo
from services import stuck_alerts
from services.budget import Budget
from services.dependencies import Dependencies
from services.runs import TickRun
from services.structured_log import log_event


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
            return run.finish(_summary(Counter(claimed=len(preview), updated=len(preview),
                                               participants=sum(row["participants"] for row in preview))))

        budget = Budget(settings.tick_scores_budget_seconds, clock=deps.clock)
        counts: Counter[str] = Counter()
        handled: list[int] = []
        longest = timedelta(0)
        while counts["claimed"] < limit and budget.fits(longest.total_seconds()):
            with deps.pool.connection() as conn, budget.transaction(conn):
                claimed = scores_repo.claim(conn, run_id=run.run_id, limit=1, now=deps.clock(), lease_minutes=lease,
                                            handled=handled)
            if not claimed:
                break
            handled.append(claimed[0].id)
            counts["claimed"] += 1
            started = deps.clock()
            outcome, scored = _recalculate_isolated(deps, budget, run, claimed[0])
            counts.update({outcome: 1, "participants": scored})
            longest = max(longest, deps.clock() - started)
        stuck_alerts.alert_stuck_league_tournaments(deps, run)
        return run.finish(_summary(counts))


def _recalculate_isolated(deps: Dependencies, budget: Budget, run: TickRun,
                          item: scores_repo.Claimed) -> tuple[str, int]:
    """Recalculate one claimed row; any failure but a lost connection fails this row only."""
    try:
        with deps.pool.connection() as conn, budget.transaction(conn):
            scored = scores_repo.recalculate(conn, league_tournament_id=item.id, league_id=item.league_id)
            if not scores_repo.finish(conn, league_tournament_id=item.id, run_id=run.run_id, now=deps.clock()):
                raise _StaleClaim(item.id)
        return "updated", scored
    except _StaleClaim:
        return "requeued", 0
    except Exception as exc:
        _hand_back(deps, budget, run, item)
        if connection_lost(exc):
            raise
        message = f"{type(exc).__name__}: {str(exc).strip()}"
        run.item_failed(
            {"league_tournament_id": item.id, "league_id": item.league_id, "tournament_id": item.tournament_id},
            message,
            tags={"league": item.league_id, "league_tournament": item.id, "tournament": item.tournament_id},
            fingerprint=[f"league-tournament/{item.id}", type(exc).__name__],
            exc=exc,
        )
        return "failed", 0


def _hand_back(deps: Dependencies, budget: Budget, run: TickRun, item: scores_repo.Claimed) -> None:
    """Best effort, on a fresh connection: the row goes back to `outdata` for the next tick
    (if this fails, the lease returns it later)."""
    try:
        with deps.pool.connection() as conn, budget.transaction(conn):
            scores_repo.requeue(conn, ids=[item.id], run_id=run.run_id)
    except Exception as exc:
        log_event("scores.hand_back_failed", run_id=run.run_id, league_tournament_id=item.id, error=str(exc))


def _summary(counts: Counter) -> dict[str, int]:
    return {
        "league_tournaments_claimed": counts["claimed"],
        "league_tournaments_updated": counts["updated"],
        "league_tournaments_failed": counts["failed"],
        "league_tournaments_requeued": counts["requeued"],
        "participants_scored": counts["participants"],
    }
