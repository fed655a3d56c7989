"""Named queries of the public league API. Each body is JSON text the database holds or builds
in one statement: the league's page is stored (sql/009), a standings page is built by a
function of sql/008 (planned once per session) from a few rows read through indexes whatever
the league's size or the page's offset. The service only passes the text on (LeagueSchema,
StandingsSchema)."""

from __future__ import annotations

import psycopg

LEAGUE = "select body from league_page where league_id = %(league_id)s"
TOURNAMENT_STANDINGS = "select tournament_standings_body(%(league_id)s, %(tournament_id)s, %(limit)s, %(offset)s) as body"
LEAGUE_STANDINGS = "select league_standings_body(%(league_id)s, %(limit)s, %(offset)s) as body"


def _body(conn: psycopg.Connection, query: str, params: dict) -> str | None:
    row = conn.execute(query, params).fetchone()
    return row["body"] if row else None


def league(conn: psycopg.Connection, *, league_id: int) -> str | None:
    """The league's JSON body, or None if there is no such league."""
    return _body(conn, LEAGUE, {"league_id": league_id})


def tournament_standings(conn: psycopg.Connection, *, league_id: int, tournament_id: int, limit: int,
                         offset: int) -> str | None:
    """One page's JSON body, or None if the league does not follow the tournament."""
    return _body(conn, TOURNAMENT_STANDINGS,
                 {"league_id": league_id, "tournament_id": tournament_id, "limit": limit, "offset": offset})


def league_standings(conn: psycopg.Connection, *, league_id: int, limit: int, offset: int) -> str | None:
    """One page of the whole league's JSON body, or None for an unknown league."""
    return _body(conn, LEAGUE_STANDINGS, {"league_id": league_id, "limit": limit, "offset": offset})
