"""Named queries of the public league API: one or two per request, whatever the league's size."""

from __future__ import annotations

import psycopg

LEAGUE_WITH_TOURNAMENTS = """
select l.id, l.name, lt.tournament_id, t.name as tournament_name,
       lt.participants_scores_status, lt.participants_scores_updated_at
  from league l
  left join league_tournament lt on lt.league_id = l.id
  left join tournament t on t.id = lt.tournament_id
 where l.id = %(league_id)s
 order by lt.tournament_id
"""

LEAGUE_TOURNAMENT_HEADER = """
select lt.id, lt.participants_scores_status,
       (select count(*) from participant_score ps where ps.league_tournament_id = lt.id) as total
  from league_tournament lt
 where lt.league_id = %(league_id)s and lt.tournament_id = %(tournament_id)s
"""

TOURNAMENT_STANDINGS = """
select ps.rank, ps.user_id, u.name, ps.points, ps.exact_count, ps.goal_difference_count, ps.outcome_count
  from participant_score ps
  join app_user u on u.id = ps.user_id
 where ps.league_tournament_id = %(league_tournament_id)s
 order by ps.rank, u.name, ps.user_id
 limit %(limit)s offset %(offset)s
"""

# The whole league: points and counts summed over its tournaments, ranked the same way.
LEAGUE_STANDINGS = """
with sums as (
    select ps.user_id, sum(ps.points)::int as points, sum(ps.exact_count)::int as exact_count,
           sum(ps.goal_difference_count)::int as goal_difference_count, sum(ps.outcome_count)::int as outcome_count
      from participant_score ps
      join league_tournament lt on lt.id = ps.league_tournament_id
     where lt.league_id = %(league_id)s
     group by ps.user_id
),
ranked as (
    select sums.*, rank() over (order by points desc, exact_count desc)::int as rank, count(*) over () as total
      from sums
)
select r.rank, r.user_id, u.name, r.points, r.exact_count, r.goal_difference_count, r.outcome_count, r.total
  from ranked r
  join app_user u on u.id = r.user_id
 order by r.rank, u.name, r.user_id
 limit %(limit)s offset %(offset)s
"""

LEAGUE_STANDINGS_TOTAL = """
select count(distinct ps.user_id) as total
  from participant_score ps join league_tournament lt on lt.id = ps.league_tournament_id
 where lt.league_id = %(league_id)s
"""


def league_with_tournaments(conn: psycopg.Connection, *, league_id: int) -> list[dict]:
    return conn.execute(LEAGUE_WITH_TOURNAMENTS, {"league_id": league_id}).fetchall()


def league_tournament_header(conn: psycopg.Connection, *, league_id: int, tournament_id: int) -> dict | None:
    return conn.execute(LEAGUE_TOURNAMENT_HEADER, {"league_id": league_id, "tournament_id": tournament_id}).fetchone()


def tournament_standings(conn: psycopg.Connection, *, league_tournament_id: int, limit: int, offset: int) -> list[dict]:
    params = {"league_tournament_id": league_tournament_id, "limit": limit, "offset": offset}
    return conn.execute(TOURNAMENT_STANDINGS, params).fetchall()


def league_standings(conn: psycopg.Connection, *, league_id: int, limit: int, offset: int) -> tuple[list[dict], int]:
    """A page of the summed standings and the number of ranked participants."""
    rows = conn.execute(LEAGUE_STANDINGS, {"league_id": league_id, "limit": limit, "offset": offset}).fetchall()
    if rows:
        return rows, rows[0]["total"]
    return rows, conn.execute(LEAGUE_STANDINGS_TOTAL, {"league_id": league_id}).fetchone()["total"]
