"""The pipeline status (SPEC §9) on a large history: 1,000,000 matches, 10,000 league
tournaments, 100,000 runs and a month of round jobs.

Floor, same run: one database round trip (`select 1` through the same pool), which is what
`/readyz` costs. Target: the status's median under 50 ms.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import psycopg
from psycopg.rows import dict_row

from bench.common import bench_database, median_ms
from bench.due_matches import NOW
from bench.due_matches import _seed as seed_matches
from bootstrap import due_policy
from config import Settings
from database.pool import open_pool
from jobqueue import postgres as pg_queue
from repositories import status as status_repo
from services.matches_tick import ROUND_JOB
from services.status import pipeline_status

SEED = """
insert into league (name) select 'League ' || l from generate_series(1, 500) l;
insert into league_tournament (league_id, tournament_id)
select l, t from generate_series(1, 500) l, generate_series(1, 20) t;
update league_tournament set participants_scores_status = case
        when id %% 100 = 0 then 'outdata' when id %% 997 = 0 then 'syncing' else 'up-to-date' end,
       marked_outdata_at = %(now)s - make_interval(mins => (id %% 90)::int),
       sync_claimed_at = case when id %% 997 = 0 then %(now)s - interval '2 minutes' end;
insert into tick_run (kind, trigger, started_at, finished_at, outcome, summary)
select case when i %% 3 = 0 then 'matches' else 'scores' end, 'cron',
       %(now)s - make_interval(mins => 5 * i), %(now)s - make_interval(mins => 5 * i), 'ok', '{"duration_ms": 100}'
  from generate_series(1, 100000) i;
insert into queue_job (name, singleton_key, state, retry_count, retry_limit, start_after, completed_at, last_error,
                       created_at)
select 'matches.round', (1 + i %% 200) || '/' || (1 + i %% 38) || '//',
       case when i %% 50 = 0 then 'failed' else 'completed' end, 0, 3, %(now)s - make_interval(secs => 13 * i),
       %(now)s - make_interval(secs => 13 * i), case when i %% 50 = 0 then 'GET /x: HTTP 500' end,
       %(now)s - make_interval(secs => 13 * i)
  from generate_series(1, 200000) i;
insert into queue_job (name, singleton_key, state, retry_count, retry_limit, start_after, created_at)
select 'matches.round', 'waiting/' || i, 'retry', 1, 3, %(now)s + interval '1 minute', %(now)s - interval '1 minute'
  from generate_series(1, 50) i;
analyze
"""


def run() -> dict:
    with bench_database() as url:
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            seed_matches(conn)
            for statement in SEED.split(";\n"):
                if statement.strip():
                    conn.execute(statement, {"now": NOW})
            sizes = conn.execute("""select (select count(*) from match) as matches,
                                           (select count(*) from league_tournament) as league_tournaments,
                                           (select count(*) from tick_run) as runs,
                                           (select count(*) from queue_job) as jobs""").fetchone()
            plans = _plans(conn)
        pool = open_pool(url, max_size=2, timeout=5)
        try:
            settings = Settings()
            status_now = partial(
                pipeline_status,
                pool=pool,
                queue=pg_queue.PostgresQueue(pool, clock=lambda: NOW),
                clock=lambda: NOW,
                settings=settings,
                policy=due_policy(settings),
            )
            status = status_now()

            def round_trip() -> None:
                with pool.connection() as conn:
                    conn.execute("select 1").fetchone()

            floor = median_ms(round_trip, repeat=50)
            measured = median_ms(status_now, repeat=50)
        finally:
            pool.close()
    return {
        **sizes,
        "status_ms": round(measured, 2),
        "floor_ms": round(floor, 3),
        "ratio": round(measured / floor, 1),
        "problems": status["problems"],
        "plans": plans,
    }


def _plans(conn: psycopg.Connection) -> dict[str, str]:
    params = due_policy(Settings()).params(NOW)
    day_ago = NOW - timedelta(hours=24)
    queries = {
        "due now": (status_repo.DUE_NOW, params),
        "stuck matches": (status_repo.OPEN_SINCE, {"cutoff": NOW - timedelta(hours=6), "first": 5}),
        "failed rounds": (pg_queue.FAILURES, {"name": ROUND_JOB, "since": day_ago, "first": 50}),
        "jobs by state": (pg_queue.COUNTS, {"name": ROUND_JOB, "since": day_ago}),
        "waiting league tournaments": (
            status_repo.WAITING_LEAGUE_TOURNAMENTS,
            {"lease_cutoff": NOW - timedelta(minutes=10)},
        ),
        "stuck league tournaments": (status_repo.WAITING_SINCE, {"cutoff": NOW - timedelta(minutes=30), "first": 5}),
        "last runs": (status_repo.LAST_RUNS, {}),
    }
    return {
        name: "\n".join(row["QUERY PLAN"] for row in conn.execute("explain (costs off) " + sql, values))
        for name, (sql, values) in queries.items()
    }


def report(result: dict) -> str:
    plans = "\n".join(f"  {name}:\n    " + plan.replace("\n", "\n    ") for name, plan in result["plans"].items())
    return (
        f"pipeline status: {result['matches']:,} matches, {result['league_tournaments']:,} league tournaments, "
        f"{result['runs']:,} runs, {result['jobs']:,} round jobs\n"
        f"  status (9 queries; the PostgreSQL queue): {result['status_ms']} ms (median of 50; target < 50 ms)\n"
        f"  one round trip (floor, same run): {result['floor_ms']} ms (median of 50)\n"
        f"  ratio: {result['ratio']}x the floor\n"
        f"  problems found: {len(result['problems'])}\n"
        f"{plans}"
    )
