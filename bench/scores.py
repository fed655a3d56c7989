"""Scores recalculation at the scale target (issue: 10,000 users, 380 matches).

(a) one league tournament of 10,000 participants, 380 ended matches, 3.8 million predictions;
(b) 1,000 league tournaments of 10 participants each, following the same 380 matches;
(c) baseline, same run: the same work as a straightforward per-participant Python loop.
Both (a) and (b) go through the real scores tick (claim, set-based SQL, conditional finish).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import psycopg
from psycopg.rows import dict_row

from bench.common import bench_database
from config import Settings
from database.pool import open_pool
from services.dependencies import Dependencies
from services.scores_tick import run_scores_tick

USERS = 10_000
MATCHES = 380
SMALL_LEAGUES = 1_000

SEED = [
    "insert into tournament (name, sofascore_unique_tournament_id, sofascore_season_id) values ('Liga', 1, 1)",
    f"""insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time, status,
                           home_score, away_score, home_score_regular, away_score_regular)
        select 1, i, 1 + (i - 1) / 10, 'H', 'A', now() - interval '1 day', 'ended',
               i % 4, (i / 4) % 3, i % 4, (i / 4) % 3
          from generate_series(1, {MATCHES}) i""",
    f"insert into app_user (name) select 'user ' || i from generate_series(1, {USERS}) i",
    f"""insert into prediction (user_id, match_id, home_score, away_score)
        select u, m, (u + m) % 4, (u * m) % 3 from generate_series(1, {USERS}) u, generate_series(1, {MATCHES}) m""",
    "insert into league (name) values ('Everyone')",
    f"insert into league_participant (league_id, user_id) select 1, u from generate_series(1, {USERS}) u",
    f"insert into league (name) select 'Small ' || i from generate_series(1, {SMALL_LEAGUES}) i",
    f"""insert into league_participant (league_id, user_id)
        select 2 + (u - 1) / 10, u from generate_series(1, {SMALL_LEAGUES * 10}) u""",
    "analyze",
]

BASELINE_PREDICTIONS = """
select p.home_score, p.away_score, m.home_score_regular as home, m.away_score_regular as away
  from prediction p join match m on m.id = p.match_id
 where p.user_id = %(user_id)s and m.tournament_id = %(tournament_id)s and m.status = 'ended'
"""
BASELINE_UPSERT = """
insert into participant_score (league_tournament_id, user_id, points, exact_count, goal_difference_count, outcome_count, rank)
values (%s, %s, %s, %s, %s, %s, %s)
on conflict (league_tournament_id, user_id) do update
   set points = excluded.points, exact_count = excluded.exact_count, goal_difference_count = excluded.goal_difference_count,
       outcome_count = excluded.outcome_count, rank = excluded.rank
"""


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def baseline_recalculate(conn: psycopg.Connection, league_tournament_id: int, league_id: int) -> int:
    """The straightforward version: one query per participant, scoring and ranking in Python."""
    participants = [r["user_id"] for r in conn.execute(
        "select user_id from league_participant where league_id = %s", (league_id,))]
    totals = []
    for user_id in participants:
        exact = difference = outcome = 0
        for p in conn.execute(BASELINE_PREDICTIONS, {"user_id": user_id, "tournament_id": 1}):
            if p["home_score"] == p["home"] and p["away_score"] == p["away"]:
                exact += 1
            elif p["home"] != p["away"] and p["home_score"] - p["away_score"] == p["home"] - p["away"]:
                difference += 1
            elif _sign(p["home_score"] - p["away_score"]) == _sign(p["home"] - p["away"]):
                outcome += 1
        totals.append([user_id, exact * 4 + difference * 3 + outcome * 2, exact, difference, outcome])
    totals.sort(key=lambda t: (-t[1], -t[2]))
    rows, rank = [], 0
    for position, total in enumerate(totals, start=1):
        if position == 1 or (total[1], total[2]) != (totals[position - 2][1], totals[position - 2][2]):
            rank = position
        rows.append((league_tournament_id, *total, rank))
    with conn.cursor() as cursor, conn.transaction():
        cursor.executemany(BASELINE_UPSERT, [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows])
    return len(rows)


def _timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def run() -> dict:
    with bench_database() as url:
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            seed_seconds, _ = _timed(lambda: [conn.execute(s) for s in SEED])
            pool = open_pool(url, max_size=4, timeout=30)
            deps = Dependencies(pool=pool, settings=Settings(database_url=url), clock=lambda: datetime.now(timezone.utc),
                                sleep=time.sleep, http_session_factory=lambda: None)

            conn.execute("insert into league_tournament (league_id, tournament_id) values (1, 1)")
            a_seconds, a = _timed(lambda: run_scores_tick(deps, max_leagues=1))
            a_baseline, _ = _timed(lambda: baseline_recalculate(conn, 1, 1))

            conn.execute(f"insert into league_tournament (league_id, tournament_id) select l, 1 from generate_series(2, {SMALL_LEAGUES + 1}) l")
            b_seconds, b = _timed(lambda: run_scores_tick(deps, max_leagues=5000))
            small = conn.execute("select id, league_id from league_tournament where league_id > 1 order by id").fetchall()
            b_baseline, _ = _timed(lambda: [baseline_recalculate(conn, r["id"], r["league_id"]) for r in small])
            pool.close()
    return {
        "seed_s": round(seed_seconds, 1),
        "a_s": round(a_seconds, 2), "a_updated": a["league_tournaments_updated"], "a_participants": a["participants_scored"],
        "a_baseline_s": round(a_baseline, 2), "a_ratio": round(a_baseline / a_seconds, 1),
        "b_s": round(b_seconds, 2), "b_updated": b["league_tournaments_updated"], "b_participants": b["participants_scored"],
        "b_baseline_s": round(b_baseline, 2), "b_ratio": round(b_baseline / b_seconds, 1),
        "budget_s": Settings().tick_scores_budget_seconds,
    }


def report(r: dict) -> str:
    return (
        f"scores tick ({USERS:,} users x {MATCHES} ended matches = {USERS * MATCHES:,} predictions; seeded in {r['seed_s']} s)\n"
        f"  (a) 1 league tournament, {r['a_participants']:,} participants: tick {r['a_s']} s; "
        f"per-participant loop {r['a_baseline_s']} s; ratio {r['a_ratio']}x\n"
        f"  (b) {r['b_updated']:,} league tournaments x 10 participants: tick {r['b_s']} s; "
        f"per-participant loop {r['b_baseline_s']} s; ratio {r['b_ratio']}x\n"
        f"  budget per tick: {r['budget_s']:.0f} s"
    )
