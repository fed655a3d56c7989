"""Named queries of `flask scores verify` and `flask scores rebuild`."""

from __future__ import annotations

import psycopg

LEAGUE_TOURNAMENTS = """
select id, league_id, participants_scores_status as status from league_tournament
 where %(league_id)s::bigint is null or league_id = %(league_id)s
 order by league_id, id
"""

TOURNAMENT_IDS = "select id from tournament where %(tournament_id)s::bigint is null or id = %(tournament_id)s order by id"

REBUILD_TALLIES = "select rebuild_tournament_tallies(%(tournament_id)s) as changed"

MARK_TOURNAMENT_OUTDATA = """
select mark_league_tournaments_outdata(array(select id from league_tournament where tournament_id = %(tournament_id)s))
       as marked
"""


def league_tournaments(conn: psycopg.Connection, *, league_id: int | None) -> list[dict]:
    return conn.execute(LEAGUE_TOURNAMENTS, {"league_id": league_id}).fetchall()


def tournament_ids(conn: psycopg.Connection, *, tournament_id: int | None) -> list[int]:
    return [row["id"] for row in conn.execute(TOURNAMENT_IDS, {"tournament_id": tournament_id})]


def rebuild_tallies(conn: psycopg.Connection, *, tournament_id: int) -> int:
    return conn.execute(REBUILD_TALLIES, {"tournament_id": tournament_id}).fetchone()["changed"]


def mark_tournament_outdata(conn: psycopg.Connection, *, tournament_id: int) -> int:
    """League tournaments of this tournament that changed to outdata."""
    return conn.execute(MARK_TOURNAMENT_OUTDATA, {"tournament_id": tournament_id}).fetchone()["marked"]
