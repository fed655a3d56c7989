"""A silent stall becomes an alert: each tick looks for what is stuck past its threshold
(SPEC §3, §9) and sends one Sentry event per stuck item per day, whichever tick or process
notices it first (the `stuck_alert` ledger decides)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from database.pool import DictConnection, Pool, connection_lost
from repositories import status as status_repo
from services import monitoring
from services.runs import TickRun
from services.structured_log import log_event

ALERTS_PER_TICK = 20  # a broad outage is one problem, not a flood of events
LEDGER_DAYS = 7


def alert_stuck_matches(run: TickRun, *, pool: Pool, clock: Callable[[], datetime], hours: int) -> int:
    """Matches still not ended STUCK_MATCH_HOURS after kick-off; returns the events sent."""
    now = clock()

    def find(conn: DictConnection) -> list[dict]:
        return status_repo.open_since(conn, cutoff=now - timedelta(hours=hours), first=ALERTS_PER_TICK)

    def alert(match: dict) -> tuple[str, str, dict]:
        message = (
            f"match #{match['sofascore_event_id']} {match['home_team']} v {match['away_team']} not ended "
            f"{hours} h after kick-off ({match['start_time'].isoformat()})"
        )
        return (
            f"match/{match['id']}",
            message,
            {"tournament": match["tournament_id"], "match": match["id"], "event": match["sofascore_event_id"]},
        )

    return _alert(run, find, alert, pool=pool, clock=clock)


def alert_stuck_league_tournaments(run: TickRun, *, pool: Pool, clock: Callable[[], datetime], minutes: int) -> int:
    """League tournaments waiting longer than STUCK_SCORES_MINUTES; returns the events sent."""
    now = clock()

    def find(conn: DictConnection) -> list[dict]:
        return status_repo.waiting_since(conn, cutoff=now - timedelta(minutes=minutes), first=ALERTS_PER_TICK)

    def alert(row: dict) -> tuple[str, str, dict]:
        message = (
            f"league tournament #{row['id']} (league {row['league_id']}, tournament {row['tournament_id']}) "
            f"{row['status']} for more than {minutes} min, since {row['marked_outdata_at'].isoformat()}"
        )
        return (
            f"league-tournament/{row['id']}",
            message,
            {"league": row["league_id"], "league_tournament": row["id"], "tournament": row["tournament_id"]},
        )

    return _alert(run, find, alert, pool=pool, clock=clock)


def _alert(
    run: TickRun,
    find: Callable[[DictConnection], list[dict]],
    describe: Callable[[dict], tuple[str, str, dict]],
    *,
    pool: Pool,
    clock: Callable[[], datetime],
) -> int:
    """Best effort: a failure here is logged and never fails the tick (unless the database is gone)."""
    try:
        today = clock().date()
        with pool.connection() as conn, conn.transaction():
            alerts = [describe(row) for row in find(conn)]
            new = status_repo.record_alerts(conn, items=[item for item, _, _ in alerts], day=today)
            status_repo.prune_alerts(conn, before=today - timedelta(days=LEDGER_DAYS))
    except Exception as exc:
        if connection_lost(exc):
            raise
        log_event(f"{run.kind}.stuck_alerts_failed", run_id=run.run_id, error=f"{type(exc).__name__}: {exc}")
        return 0
    sent = 0
    for item, message, tags in alerts:
        if item in new:
            log_event(f"{run.kind}.stuck", run_id=run.run_id, item=item, message=message)
            monitoring.capture_item_failure(
                message, tags={"tick": run.kind, "run_id": run.run_id, **tags}, fingerprint=["stuck", item]
            )
            sent += 1
    return sent
