"""Adoption online (SPEC §4.1): `migrate` adopts a legacy database of a million predictions
while two connections keep writing as the app does; no writer fails, none waits longer than
the bound, and the tallies built beside their writes are exact."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from tests.legacy import APP_SCHEMA
from tests.support import ROOT

USERS, MATCHES_PER_TOURNAMENT, OPEN_MATCHES = 2_000, 250, 10  # 2 tournaments: 1,000,000 predictions
# The longest an app write may wait: the schema step's lock timeout (1 s) and its own work.
WRITER_WAIT_BOUND_SECONDS = 2.0

SEED = f"""
set session_replication_role = replica;  -- bulk load: the app's own audit trigger stays out of it
insert into tournament (name, sofascore_unique_tournament_id, sofascore_season_id, scoring_result)
values ('Liga', 1, 1, 'regular_time'), ('Cup', 2, 1, 'after_extra_time');
insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time, status,
                   home_score, away_score, home_score_regular, away_score_regular)
select t, t * 100000 + i, 1 + i / 10, 'H', 'A', timestamp '2026-01-01' + i * interval '1 hour', 'ended',
       (i + t) % 4, i % 3, (i + t) % 3, i % 3
  from generate_series(1, 2) t, generate_series(1, {MATCHES_PER_TOURNAMENT}) i;
insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time)
select 1, 900000 + i, 99, 'H', 'A', timestamp '2027-01-01' from generate_series(1, {OPEN_MATCHES}) i;
insert into app_user (name) select 'user ' || i from generate_series(1, {USERS}) i;
insert into prediction (user_id, match_id, home_score, away_score)
select u, m, (u + m) % 4, (u * m) % 3
  from generate_series(1, {USERS}) u, generate_series(1, {2 * MATCHES_PER_TOURNAMENT}) m;
insert into league (name) select 'League ' || i from generate_series(1, 100) i;
insert into league_tournament (league_id, tournament_id)
select l, t from generate_series(1, 100) l, generate_series(1, 2) t;
insert into league_participant (league_id, user_id) select 1 + (u - 1) / 20, u from generate_series(1, {USERS}) u;
set session_replication_role = origin;
analyze;
"""
FROM_SCRATCH = """
select m.tournament_id, p.user_id,
       count(*) filter (where tier = 3)::int, count(*) filter (where tier = 2)::int,
       count(*) filter (where tier = 1)::int
  from prediction p
  join match m on m.id = p.match_id and m.status = 'ended'
  join tournament t on t.id = m.tournament_id,
       scored_tier(t.scoring_result, p.home_score, p.away_score, m.home_score, m.away_score,
                   m.home_score_regular, m.away_score_regular) as tier
 group by 1, 2 having count(*) filter (where tier > 0) > 0
"""
STORED = """
select tournament_id, user_id, exact_count, goal_difference_count, outcome_count from prediction_tally
 where exact_count + goal_difference_count + outcome_count > 0
"""


class AppWriter(threading.Thread):
    """The app's commonest writes, one statement a transaction, timed, until told to stop."""

    def __init__(self, url: str, seed: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.url, self.random, self.stop = url, random.Random(seed), stop
        self.waits: list[float] = []
        self.errors: list[str] = []
        self.written = threading.Condition()

    def wait_for(self, more: int) -> None:
        """Block until this writer has made `more` further writes."""
        with self.written:
            target = len(self.waits) + more
            assert self.written.wait_for(lambda: len(self.waits) >= target, timeout=60)

    def write(self, conn: psycopg.Connection) -> None:
        user = self.random.randint(1, USERS)
        roll = self.random.random()
        if roll < 0.7:  # a prediction made or changed, on an open match or after the whistle
            match = self.random.choice(
                [
                    self.random.randint(1, 2 * MATCHES_PER_TOURNAMENT),
                    2 * MATCHES_PER_TOURNAMENT + self.random.randint(1, OPEN_MATCHES),
                ]
            )
            conn.execute(
                "insert into prediction (user_id, match_id, home_score, away_score) values (%s, %s, %s, %s)"
                " on conflict (user_id, match_id) do update set home_score = excluded.home_score,"
                " away_score = excluded.away_score",
                (user, match, self.random.randint(0, 3), self.random.randint(0, 3)),
            )
        elif roll < 0.85:
            conn.execute(
                "delete from prediction where user_id = %s and match_id = %s",
                (user, self.random.randint(1, 2 * MATCHES_PER_TOURNAMENT)),
            )
        else:  # joining another league, or leaving one
            league = self.random.randint(1, 100)
            if self.random.random() < 0.5:
                conn.execute("insert into league_participant values (%s, %s) on conflict do nothing", (league, user))
            else:
                conn.execute("delete from league_participant where league_id = %s and user_id = %s", (league, user))

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    self.write(conn)
                except psycopg.Error as exc:
                    self.errors.append(repr(exc))
                with self.written:
                    self.waits.append(time.perf_counter() - started)
                    self.written.notify_all()


@pytest.mark.timeout(300)
def test_adopting_a_million_predictions_while_the_app_writes(make_database):
    url = make_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(APP_SCHEMA)
        conn.execute(SEED)
    stop = threading.Event()
    writers = [AppWriter(url, seed, stop) for seed in (1, 2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.wait_for(20)  # under way before migrate starts
    started = time.perf_counter()
    migrate = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "migrate"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=240,
    )
    elapsed = time.perf_counter() - started
    for writer in writers:
        writer.wait_for(20)  # and going on after it
    stop.set()
    for writer in writers:
        writer.join(30)
    assert migrate.returncode == 0, migrate.stderr
    assert [w.errors for w in writers] == [[], []]
    longest = max(max(w.waits) for w in writers)
    assert longest < WRITER_WAIT_BOUND_SECONDS, f"an app write waited {longest:.2f} s (migrate took {elapsed:.1f} s)"
    with psycopg.connect(url, autocommit=True) as conn:
        stored = set(conn.execute(STORED).fetchall())
        assert stored == set(conn.execute(FROM_SCRATCH).fetchall())
        assert len(stored) > USERS, "tallies were built from the past results"
