"""Named queries of the public league API. Each body is JSON text the database holds or builds
in one statement: the league's page is stored (sql/functions/05_pages.sql), a standings page is
built by `standings_body()` (sql/functions/04_standings.sql, planned once per session) from a
few rows read through indexes whatever the league's size or the page's offset. The service only
passes the text on (LeagueSchema, StandingsSchema)."""

from __future__ import annotations

from database.pool import DictConnection

LEAGUE = "select body from league_page where league_id = %(league_id)s"
STANDINGS = "select standings_body(%(league_id)s, %(tournament_id)s, %(limit)s, %(offset)s) as body"


def _body(conn: DictConnection, query: str, params: dict) -> str | None:
    row = conn.execute(query, params).fetchone()
    return row["body"] if row else None


def league(conn: DictConnection, *, league_id: int) -> str | None:
    """The league's JSON body, or None if there is no such league."""
    return _body(conn, LEAGUE, {"league_id": league_id})


def standings(
    conn: DictConnection, *, league_id: int, tournament_id: int | None, limit: int, offset: int
) -> str | None:
    """One page's JSON body of a league tournament, or of the whole league when `tournament_id`
    is None; None when there is no such league or it does not follow the tournament."""
    return _body(
        conn, STANDINGS, {"league_id": league_id, "tournament_id": tournament_id, "limit": limit, "offset": offset}
    )
