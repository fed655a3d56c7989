"""Is the pipeline healthy right now? (SPEC §9) One answer for `GET /internal/status` and
`flask status`: what is due, stuck, failing or overdue, each problem in plain words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from config import Settings
from database.pool import DictConnection, Pool
from jobqueue.base import QueueInspector
from repositories import status as status_repo
from repositories.matches import DuePolicy
from services.matches_tick import ROUND_JOB

# How often Railway cron calls each tick (docs/deploy.md); a kind with no scheduled run for
# two periods is overdue: the cron stopped calling, or the service is down.
TICK_PERIOD_MINUTES = {"matches": 10, "scores": 5}
FIRST = 5  # items listed per category; counts are always complete
FAILED_ROUNDS_WINDOW = timedelta(hours=24)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _match(row: dict) -> dict[str, Any]:
    return {
        "id": row["id"],
        "event_id": row["sofascore_event_id"],
        "tournament_id": row["tournament_id"],
        "teams": f"{row['home_team']} v {row['away_team']}",
        "kick_off": _iso(row["start_time"]),
        "last_checked_at": _iso(row["last_checked_at"]),
    }


def _listing(rows: list[dict], describe: Callable[[dict], str]) -> str:
    more = rows[0]["total"] - len(rows) if rows else 0
    return ", ".join(describe(row) for row in rows) + (f", and {more} more" if more > 0 else "")


def pipeline_status(
    *, pool: Pool, queue: QueueInspector, clock: Callable[[], datetime], settings: Settings, policy: DuePolicy
) -> dict[str, Any]:
    """The whole status document; `healthy` is true exactly when `problems` is empty."""
    now = clock()
    with pool.connection() as conn:
        matches, match_problems = _matches(conn, settings, policy, now)
        scores, score_problems = _scores(conn, settings, now)
        ticks, tick_problems = _ticks(conn, now)
    rounds, round_problems = _rounds(queue, now)
    problems = match_problems + round_problems + score_problems + tick_problems
    return {
        "healthy": not problems,
        "problems": problems,
        "checked_at": _iso(now),
        "matches": matches,
        "rounds": rounds,
        "scores": scores,
        "ticks": ticks,
    }


def _matches(conn: DictConnection, settings: Settings, policy: DuePolicy, now: datetime) -> tuple[dict, list[str]]:
    params = policy.params(now)
    due = status_repo.due_now(conn, params=params)
    overdue = next(iter(status_repo.open_since(conn, cutoff=params["open_cutoff"], first=1)), None)
    stuck = status_repo.open_since(conn, cutoff=now - timedelta(hours=settings.stuck_match_hours), first=FIRST)
    postponed = status_repo.postponed(conn, first=FIRST)
    recheck = timedelta(minutes=settings.postponed_recheck_minutes)
    section = {
        "due_now": {"rounds": due["rounds"], "matches": due["matches"]},
        "most_overdue": None
        if overdue is None
        else {
            **_match(overdue),
            "minutes_past_result_delay": _minutes(now - overdue["start_time"]) - settings.match_result_delay_minutes,
        },
        "stuck": {
            "threshold_hours": settings.stuck_match_hours,
            "count": stuck[0]["total"] if stuck else 0,
            "first": [
                {**_match(m), "hours_since_kick_off": round((now - m["start_time"]) / timedelta(hours=1), 1)}
                for m in stuck
            ],
        },
        "postponed": {
            "count": postponed[0]["total"] if postponed else 0,
            "first": [
                {**_match(m), "next_check_at": _iso(m["last_checked_at"] + recheck if m["last_checked_at"] else now)}
                for m in postponed
            ],
        },
    }
    problems = []
    if stuck:
        problems.append(
            f"{stuck[0]['total']} match{'es' if stuck[0]['total'] != 1 else ''} not ended "
            f"{settings.stuck_match_hours} h after kick-off: "
            + _listing(stuck, lambda m: f"{m['home_team']} v {m['away_team']} (#{m['sofascore_event_id']})")
        )
    return section, problems


def _rounds(queue: QueueInspector, now: datetime) -> tuple[dict, list[str]]:
    """From the queue itself, whichever backend holds it."""
    since = now - FAILED_ROUNDS_WINDOW
    oldest = queue.oldest_waiting(ROUND_JOB)
    failed = [
        {
            "round": f.singleton_key,
            "tournament_id": f.data.get("tournament_id"),
            "round_number": f.data.get("round_number"),
            "attempts": f.attempts,
            "last_error": f.last_error,
            "failed_at": _iso(f.failed_at),
            "fixed_since": f.fixed_since,
        }
        for f in queue.failures(ROUND_JOB, since=since, limit=50)
    ]
    section = {
        "failed_last_24h": failed,
        "jobs": queue.counts(ROUND_JOB, since=since),
        "oldest_waiting": None
        if oldest is None
        else {
            "round": oldest.singleton_key,
            "state": oldest.state,
            "starts_after": _iso(oldest.start_after),
            "attempts": oldest.retry_count,
        },
    }
    unfixed = [f for f in failed if not f["fixed_since"]]
    problems = []
    if unfixed:
        shown = ", ".join(f"{f['round']} ({f['last_error']})" for f in unfixed[:FIRST])
        more = f", and {len(unfixed) - FIRST} more" if len(unfixed) > FIRST else ""
        problems.append(
            f"{len(unfixed)} round{'s' if len(unfixed) != 1 else ''} failed in the last 24 h "
            f"and not fetched since: {shown}{more}"
        )
    return section, problems


def _scores(conn: DictConnection, settings: Settings, now: datetime) -> tuple[dict, list[str]]:
    waiting = {
        row["status"]: row
        for row in status_repo.waiting_league_tournaments(
            conn, lease_cutoff=now - timedelta(minutes=settings.scores_sync_lease_minutes)
        )
    }
    oldest = next(iter(status_repo.waiting_since(conn, cutoff=now, first=1)), None)
    stuck = status_repo.waiting_since(conn, cutoff=now - timedelta(minutes=settings.stuck_scores_minutes), first=FIRST)
    past_lease = waiting["syncing"]["past_lease"] if "syncing" in waiting else 0

    def item(row: dict) -> dict:
        return {
            "id": row["id"],
            "league_id": row["league_id"],
            "tournament_id": row["tournament_id"],
            "status": row["status"],
            "waiting_since": _iso(row["marked_outdata_at"]),
            "waiting_minutes": _minutes(now - row["marked_outdata_at"]),
        }

    section = {
        "outdata": waiting["outdata"]["league_tournaments"] if "outdata" in waiting else 0,
        "syncing": waiting["syncing"]["league_tournaments"] if "syncing" in waiting else 0,
        "syncing_past_lease": past_lease,
        "oldest_waiting": None if oldest is None else item(oldest),
        "stuck": {
            "threshold_minutes": settings.stuck_scores_minutes,
            "count": stuck[0]["total"] if stuck else 0,
            "first": [item(row) for row in stuck],
        },
    }
    problems = []
    if stuck:
        problems.append(
            f"{stuck[0]['total']} league tournament{'s' if stuck[0]['total'] != 1 else ''} waiting more than "
            f"{settings.stuck_scores_minutes} min: "
            + _listing(
                stuck,
                lambda r: (
                    f"#{r['id']} (league {r['league_id']}, tournament {r['tournament_id']}, "
                    f"{_minutes(now - r['marked_outdata_at'])} min)"
                ),
            )
        )
    if past_lease:
        problems.append(
            f"{past_lease} league tournament{'s' if past_lease != 1 else ''} syncing past the "
            f"{settings.scores_sync_lease_minutes} min lease: a scores tick died holding "
            f"{'them' if past_lease != 1 else 'it'}; the next one takes {'them' if past_lease != 1 else 'it'} back"
        )
    return section, problems


def _ticks(conn: DictConnection, now: datetime) -> tuple[dict, list[str]]:
    section, problems = {}, []
    for row in status_repo.last_runs(conn):
        kind, period = row["kind"], TICK_PERIOD_MINUTES[row["kind"]]
        scheduled = row["last_scheduled_at"]
        overdue = scheduled is None or now - scheduled > timedelta(minutes=2 * period)
        section[kind] = {
            "last_run": None
            if row["id"] is None
            else {
                "id": row["id"],
                "trigger": row["trigger"],
                "started_at": _iso(row["started_at"]),
                "finished_at": _iso(row["finished_at"]),
                "outcome": row["outcome"],
                "duration_ms": row["duration_ms"],
            },
            "last_scheduled_run_at": _iso(scheduled),
            "period_minutes": period,
            "overdue": overdue,
        }
        if overdue:
            problems.append(
                f"{kind} tick overdue: no scheduled run yet (expected every {period} min)"
                if scheduled is None
                else f"{kind} tick overdue: no scheduled run for {_minutes(now - scheduled)} min "
                f"(expected every {period} min)"
            )
    return section, problems
