"""Named queries of the tournament import: idempotent upserts of a season's fixtures."""

from __future__ import annotations

from database.pool import DictConnection, one_row

UPSERT_TOURNAMENT = """
with inserted as (
    insert into tournament (name, sofascore_unique_tournament_id, sofascore_season_id)
    values (%(name)s, %(utid)s, %(sid)s)
    on conflict (sofascore_unique_tournament_id, sofascore_season_id) do nothing
    returning id, true as created
)
select id, created from inserted
union all
select id, false from tournament
 where sofascore_unique_tournament_id = %(utid)s and sofascore_season_id = %(sid)s
   and not exists (select 1 from inserted)
"""

# New matches get everything; known ones only follow team names and kick-off (the ticks own
# status and scores, and round fields never change).
UPSERT_MATCHES = """
insert into match as m (tournament_id, sofascore_event_id, round_number, round_slug, round_prefix,
                        home_team, away_team, start_time, status, home_score, away_score,
                        home_score_regular, away_score_regular, home_penalties, away_penalties)
select %(tournament_id)s, i.*
  from unnest(%(event_ids)s::bigint[], %(round_numbers)s::int[], %(round_slugs)s::text[], %(round_prefixes)s::text[],
              %(home_teams)s::text[], %(away_teams)s::text[], %(start_times)s::timestamptz[], %(statuses)s::text[],
              %(home_scores)s::int[], %(away_scores)s::int[], %(home_regular)s::int[], %(away_regular)s::int[],
              %(home_penalties)s::int[], %(away_penalties)s::int[]) as i
on conflict (sofascore_event_id) do update
   set home_team = excluded.home_team, away_team = excluded.away_team, start_time = excluded.start_time
 where (m.home_team, m.away_team, m.start_time)
       is distinct from (excluded.home_team, excluded.away_team, excluded.start_time)
returning (xmax = 0) as created
"""


def upsert_tournament(conn: DictConnection, *, name: str, unique_tournament_id: int, season_id: int) -> dict:
    return one_row(conn.execute(UPSERT_TOURNAMENT, {"name": name, "utid": unique_tournament_id, "sid": season_id}))


def upsert_matches(conn: DictConnection, *, tournament_id: int, rows: list[dict]) -> tuple[int, int]:
    """Returns (created, updated); unchanged matches are neither."""
    columns = {
        key: [row[key] for row in rows]
        for key in (
            "event_ids",
            "round_numbers",
            "round_slugs",
            "round_prefixes",
            "home_teams",
            "away_teams",
            "start_times",
            "statuses",
            "home_scores",
            "away_scores",
            "home_regular",
            "away_regular",
            "home_penalties",
            "away_penalties",
        )
    }
    results = conn.execute(UPSERT_MATCHES, {"tournament_id": tournament_id, **columns}).fetchall()
    created = sum(1 for r in results if r["created"])
    return created, len(results) - created
