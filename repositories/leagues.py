"""Named queries of the public league API. Each builds its whole JSON body in the database,
in one statement that reads a few rows through indexes, whatever the league's size or the
page's offset: the service only passes the text on (LeagueSchema, StandingsSchema)."""

from __future__ import annotations

import psycopg

LEAGUE = """
select json_build_object(
           'id', l.id,
           'name', l.name,
           'participants_scores_status', league_status(array_remove(array_agg(lt.participants_scores_status), null)),
           'participants_scores_updated_at', oldest_update(array_agg(lt.participants_scores_updated_at)
                                                             filter (where lt.id is not null)),
           'tournaments', coalesce(json_agg(json_build_object(
                   'tournament_id', lt.tournament_id, 'name', t.name,
                   'participants_scores_status', lt.participants_scores_status,
                   'participants_scores_updated_at', lt.participants_scores_updated_at)
               order by lt.tournament_id) filter (where lt.id is not null), '[]'))::text as body
  from league l
  left join league_tournament lt on lt.league_id = l.id
  left join tournament t on t.id = lt.tournament_id
 where l.id = %(league_id)s
 group by l.id
"""

# Rows are numbered in the order the API shows (rank, name, user id) when they are written,
# so a page is read through the (…, position) index at any offset, and the total is the last
# number. `page` is one page of rows in that order, each with its user's name.
_STANDINGS_BODY = """
select json_build_object(
           'league_id', %(league_id)s::bigint,
           'tournament_id', %(tournament_id)s::bigint,
           'participants_scores_status', league_status(header.statuses),
           'total', header.total,
           'standings', coalesce((
               select json_agg(json_build_object(
                          'rank', page.rank, 'user_id', page.user_id, 'name', page.name, 'points', page.points,
                          'exact_count', page.exact_count, 'goal_difference_count', page.goal_difference_count,
                          'outcome_count', page.outcome_count) order by page.position)
                 from page), '[]'))::text as body
  from header
"""

TOURNAMENT_STANDINGS = f"""
with header as materialized (
    select lt.id, array[lt.participants_scores_status] as statuses,
           coalesce((select max(ps.position) from participant_score ps where ps.league_tournament_id = lt.id), 0) as total
      from league_tournament lt
     where lt.league_id = %(league_id)s and lt.tournament_id = %(tournament_id)s
),
page as (  -- the name joined inside the limit: 50 index lookups, not a scan of every user
    select ps.*, u.name from participant_score ps join app_user u on u.id = ps.user_id
     where ps.league_tournament_id = (select id from header) and ps.position > %(offset)s
     order by ps.position limit %(limit)s
)
{_STANDINGS_BODY}
"""

# The whole league: stored by the scores tick (league_standing), summed over its tournaments.
LEAGUE_STANDINGS = f"""
with header as materialized (
    select l.id, array_remove(array_agg(lt.participants_scores_status), null) as statuses,
           coalesce((select max(ls.position) from league_standing ls where ls.league_id = l.id), 0) as total
      from league l
      left join league_tournament lt on lt.league_id = l.id
     where l.id = %(league_id)s
     group by l.id
),
page as (  -- the name joined inside the limit: 50 index lookups, not a scan of every user
    select ls.*, u.name from league_standing ls join app_user u on u.id = ls.user_id
     where ls.league_id = (select id from header) and ls.position > %(offset)s
     order by ls.position limit %(limit)s
)
{_STANDINGS_BODY}
"""


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
    return _body(conn, LEAGUE_STANDINGS, {"league_id": league_id, "tournament_id": None, "limit": limit, "offset": offset})
