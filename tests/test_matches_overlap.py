"""Overlapping and crashing matches ticks: each round fetched once, nothing partial written."""

import dataclasses
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from werkzeug import Response

from services.dependencies import Dependencies
from services.matches_tick import run_matches_tick
from tests.sofascore import StandIn, event, final_score, json_response, round_path
from tests.support import KICKOFF, lt_statuses, seed_league, seed_match, seed_tournament

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def standin(httpserver):
    return StandIn(httpserver)


def test_five_ticks_at_once_fetch_each_of_20_rounds_exactly_once(make_app, settings, db, standin):
    tournament = seed_tournament(db)
    _, (lt,) = seed_league(db, "Everyone", [tournament])
    for number in range(1, 21):
        ids = (number * 10, number * 10 + 1)
        for event_id in ids:
            seed_match(db, tournament, event_id, round_number=number)
        standin.round(round_path(17, 100, number),
                      [event(i, 100, start=KICKOFF, home=final_score(1), away=final_score(0)) for i in ids])
    app = make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url, db_pool_max_size=12))
    deps = Dependencies.from_app(app)
    barrier = threading.Barrier(5)
    summaries, failures = [], []

    def one_tick():
        try:
            barrier.wait(timeout=10)
            summaries.append(run_matches_tick(deps, max_rounds=5))
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=one_tick) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(standin.counts) == 20 and set(standin.counts.values()) == {1}, standin.counts
    assert sum(s["rounds_processed"] for s in summaries) == 20
    assert sum(s["matches_ended"] for s in summaries) == 40
    assert all(s["rounds_processed"] + s["rounds_failed"] + s["rounds_deferred"] + s["rounds_skipped"] == s["rounds_due"]
               for s in summaries)
    assert db.execute("select count(*) as n from match where status = 'ended'").fetchone()["n"] == 40
    assert lt_statuses(db) == {lt["id"]: "outdata"}
    assert sum(s["league_tournaments_marked_outdata"] for s in summaries) == 1


def test_a_tick_that_lost_its_claim_writes_nothing(make_app, settings, db, standin, clock):
    """If a round's claim expired and another tick took it over, the late tick's write rolls back."""
    from jobqueue.postgres import PostgresQueue
    from services.matches_tick import ROUND_JOB

    tournament = seed_tournament(db)
    seed_match(db, tournament, 1)
    path = round_path(17, 100, 1)
    app = make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url))
    queue = PostgresQueue(app.extensions["db_pool"], clock=clock)

    def taken_over_meanwhile(attempt):
        db.execute("update queue_job set expire_at = %s", (clock() - timedelta(seconds=1),))
        queue.expire(ROUND_JOB)
        assert queue.fetch(ROUND_JOB, singleton_keys=[f"{tournament['id']}/1//"], limit=1), "another tick takes it over"
        return json_response({"events": [event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(0))]})

    standin._routes[path] = taken_over_meanwhile
    summary = run_matches_tick(Dependencies.from_app(app))
    assert summary["rounds_skipped"] == 1 and summary["rounds_processed"] == 0
    assert db.execute("select status, last_checked_at from match").fetchone() == {"status": "open", "last_checked_at": None}
    assert standin.counts == {path: 1}
