"""Named queries of the public league API: a few index reads per request, whatever the
league's size or the page's offset."""

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

# Rows are numbered in the order the API shows (rank, name, user id) when they are written,
# so a page is read through the (…, position) index at any offset, and the total is the last number.
LEAGUE_TOURNAMENT_HEADER = """
select lt.id, lt.participants_scores_status,
       coalesce((select max(ps.position) from participant_score ps where ps.league_tournament_id = lt.id), 0) as total
  from league_tournament lt
 where lt.league_id = %(league_id)s and lt.tournament_id = %(tournament_id)s
"""

TOURNAMENT_STANDINGS = """
select ps.rank, ps.user_id, u.name, ps.points, ps.exact_count, ps.goal_difference_count, ps.outcome_count
  from participant_score ps
  join app_user u on u.id = ps.user_id
 where ps.league_tournament_id = (select id from league_tournament
                                   where league_id = %(league_id)s and tournament_id = %(tournament_id)s)
   and ps.position > %(offset)s
 order by ps.position
 limit %(limit)s
"""

# The whole league: stored by the scores tick (league_standing), summed over its tournaments.
LEAGUE_STANDINGS = """
select ls.rank, ls.user_id, u.name, ls.points, ls.exact_count, ls.goal_difference_count, ls.outcome_count
  from league_standing ls
  join app_user u on u.id = ls.user_id
 where ls.league_id = %(league_id)s and ls.position > %(offset)s
 order by ls.position
 limit %(limit)s
"""

LEAGUE_STANDINGS_TOTAL = """
select coalesce(max(position), 0) as total from league_standing where league_id = %(league_id)s
"""


def league_with_tournaments(conn: psycopg.Connection, *, league_id: int) -> list[dict]:
    return conn.execute(LEAGUE_WITH_TOURNAMENTS, {"league_id": league_id}).fetchall()


def tournament_page(conn: psycopg.Connection, *, league_id: int, tournament_id: int, limit: int,
                    offset: int) -> tuple[dict | None, list[dict]]:
    """The league tournament's header (None if the league does not follow it) and one page,
    sent together in one round trip."""
    params = {"league_id": league_id, "tournament_id": tournament_id, "limit": limit, "offset": offset}
    with conn.pipeline():
        header = conn.execute(LEAGUE_TOURNAMENT_HEADER, params)
        page = conn.execute(TOURNAMENT_STANDINGS, params)
    return header.fetchone(), page.fetchall()


def league_page(conn: psycopg.Connection, *, league_id: int, limit: int, offset: int) -> tuple[list[dict], list[dict], int]:
    """The league with its tournaments, one page of its whole standings and their total, sent
    together in one round trip."""
    params = {"league_id": league_id, "limit": limit, "offset": offset}
    with conn.pipeline():
        league = conn.execute(LEAGUE_WITH_TOURNAMENTS, params)
        page = conn.execute(LEAGUE_STANDINGS, params)
        total = conn.execute(LEAGUE_STANDINGS_TOTAL, params)
    return league.fetchall(), page.fetchall(), total.fetchone()["total"]


def league_with_tournaments(conn: psycopg.Connection, *, league_id: int) -> list[dict]:
    return conn.execute(LEAGUE_WITH_TOURNAMENTS, {"league_id": league_id}).fetchall()
