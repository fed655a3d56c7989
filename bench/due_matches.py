"""The due-match query (SPEC §6.1) on 1,000,000 matches with a few hundred due.

Baseline, same run: the same query with index scans switched off (a full-table scan).
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
from psycopg.rows import dict_row

from bench.common import bench_database, median_ms
from repositories.matches import DUE_ROUNDS, DuePolicy

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

SEED = """
insert into tournament (name, sofascore_unique_tournament_id, sofascore_season_id)
select 'Tournament ' || t, t, 2026 from generate_series(1, 200) t where %(now)s is not null;

-- 999,000 finished matches over ten seasons, 400 due ones (kicked off 3 hours ago, never checked),
-- 300 checked five minutes ago, 200 postponed, 100 awaiting their settle check, and future fixtures.
insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time, status,
                   home_score, away_score, home_score_regular, away_score_regular, last_checked_at)
select 1 + i %% 200, i, 1 + (i / 200) %% 38, 'H', 'A', %(now)s - make_interval(hours => 4 + i %% 80000), 'ended',
       1, 0, 1, 0, %(now)s - make_interval(hours => 3 + i %% 80000)
  from generate_series(1, 999000) i;
insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time, status,
                   last_checked_at)
select 1 + i %% 200, 2000000 + i, 38, 'H', 'A',
       case when i <= 700 then %(now)s - interval '3 hours' else %(now)s + make_interval(days => 1 + i %% 60) end,
       case when i between 701 and 900 then 'postponed' else 'open' end,
       case when i between 401 and 700 then %(now)s - interval '5 minutes' end
  from generate_series(1, 1000) i;
update match set settle_check_at = %(now)s - interval '1 minute', last_checked_at = %(now)s - interval '3 hours'
 where id in (select id from match where status = 'ended' order by id desc limit 100);
analyze match, tournament
"""


def run() -> dict:
    with bench_database() as url, psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        _seed(conn)
        params = DuePolicy(120, 10, 360).params(NOW)
        rounds = conn.execute(DUE_ROUNDS, params).fetchall()
        due_matches = sum(r["due_matches"] for r in rounds)
        plan = "\n".join(r["QUERY PLAN"] for r in conn.execute("explain (costs off) " + DUE_ROUNDS, params))
        indexed = median_ms(lambda: conn.execute(DUE_ROUNDS, params).fetchall(), repeat=15)
        conn.execute("set enable_indexscan = off; set enable_bitmapscan = off; set enable_indexonlyscan = off")
        full_scan = median_ms(lambda: conn.execute(DUE_ROUNDS, params).fetchall(), repeat=5)
        total = conn.execute("select count(*) as n from match").fetchone()["n"]
    return {
        "matches": total,
        "due_matches": due_matches,
        "due_rounds": len(rounds),
        "indexed_ms": round(indexed, 2),
        "full_scan_ms": round(full_scan, 2),
        "speed_up": round(full_scan / indexed, 1),
        "plan": plan,
    }


def _seed(conn: psycopg.Connection) -> None:
    for statement in SEED.split(";\n"):
        if statement.strip():
            conn.execute(statement, {"now": NOW})


def report(result: dict) -> str:
    return (
        f"due-match query: {result['matches']:,} matches, "
        f"{result['due_matches']} due in {result['due_rounds']} rounds\n"
        f"  with indexes: {result['indexed_ms']} ms (median of 15)\n"
        f"  full scan (baseline, same run): {result['full_scan_ms']} ms (median of 5)\n"
        f"  ratio: {result['speed_up']}x faster with the indexes\n"
        f"  plan:\n    " + result["plan"].replace("\n", "\n    ")
    )
