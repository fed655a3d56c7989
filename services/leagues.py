"""What the front end reads: a league's sync status and its standings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg_pool import ConnectionPool

from repositories import leagues as leagues_repo


class NotFound(LookupError):
    """The league (or the tournament within it) does not exist."""


def league_status(statuses: list[str]) -> str:
    """outdata if any tournament is, else syncing if any is, else up-to-date (also for none)."""
    if "outdata" in statuses:
        return "outdata"
    if "syncing" in statuses:
        return "syncing"
    return "up-to-date"


def oldest_update(stamps: list[datetime | None]) -> datetime | None:
    """The oldest tournament update; null when any is null (or the league follows none)."""
    if not stamps or any(stamp is None for stamp in stamps):
        return None
    return min(stamps)


def get_league(pool: ConnectionPool, *, league_id: int) -> dict[str, Any]:
    with pool.connection() as conn:
        return _league(league_id, leagues_repo.league_with_tournaments(conn, league_id=league_id))


def _league(league_id: int, rows: list[dict]) -> dict[str, Any]:
    if not rows:
        raise NotFound(f"league {league_id} not found")
    tournaments = [
        {"tournament_id": r["tournament_id"], "name": r["tournament_name"],
         "participants_scores_status": r["participants_scores_status"],
         "participants_scores_updated_at": r["participants_scores_updated_at"]}
        for r in rows if r["tournament_id"] is not None
    ]
    return {
        "id": rows[0]["id"],
        "name": rows[0]["name"],
        "participants_scores_status": league_status([t["participants_scores_status"] for t in tournaments]),
        "participants_scores_updated_at": oldest_update([t["participants_scores_updated_at"] for t in tournaments]),
        "tournaments": tournaments,
    }


def get_standings(pool: ConnectionPool, *, league_id: int, tournament_id: int | None, limit: int, offset: int) -> dict[str, Any]:
    """One page of the standings of one league tournament, or of the whole league when
    `tournament_id` is None; its rows are already in the API's shape (StandingSchema)."""
    with pool.connection() as conn:
        if tournament_id is None:
            league_rows, rows, total = leagues_repo.league_page(conn, league_id=league_id, limit=limit, offset=offset)
            status = _league(league_id, league_rows)["participants_scores_status"]
        else:
            header, rows = leagues_repo.tournament_page(conn, league_id=league_id, tournament_id=tournament_id,
                                                        limit=limit, offset=offset)
            if header is None:
                _league(league_id, leagues_repo.league_with_tournaments(conn, league_id=league_id))  # an unknown league says so
                raise NotFound(f"league {league_id} does not follow tournament {tournament_id}")
            status, total = header["participants_scores_status"], header["total"]
    return {"league_id": league_id, "tournament_id": tournament_id, "participants_scores_status": status,
            "total": total, "standings": rows}
