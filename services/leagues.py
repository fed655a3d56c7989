"""What the front end reads, once per page load: a league's sync status and its standings,
as JSON bodies the database builds (repositories/leagues.py)."""

from __future__ import annotations

from database.pool import Pool
from repositories import leagues as leagues_repo


class NotFound(LookupError):
    """The league (or the tournament within it) does not exist."""


def get_league(*, pool: Pool, league_id: int) -> str:
    """The league and its tournaments' statuses (LeagueSchema), as JSON text."""
    with pool.connection() as conn:
        body = leagues_repo.league(conn, league_id=league_id)
    if body is None:
        raise NotFound(f"league {league_id} not found")
    return body


def get_standings(*, pool: Pool, league_id: int, tournament_id: int | None, limit: int, offset: int) -> str:
    """One page of the standings of one league tournament, or of the whole league when
    `tournament_id` is None (StandingsSchema), as JSON text."""
    with pool.connection() as conn:
        body = leagues_repo.standings(
            conn, league_id=league_id, tournament_id=tournament_id, limit=limit, offset=offset
        )
        if body is None and tournament_id is not None and leagues_repo.league(conn, league_id=league_id) is not None:
            raise NotFound(f"league {league_id} does not follow tournament {tournament_id}")
    if body is None:
        raise NotFound(f"league {league_id} not found")
    return body
