"""Ticks killed with SIGKILL in the middle of their work: nothing is half-written, the
following ticks finish everything, and only the item in flight waits for its claim's
expiry or its lease (items are claimed as the tick reaches them)."""

import dataclasses
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row
from werkzeug import Response

from bootstrap import services_of
from repositories.scores import SMALL_LEAGUE_PARTICIPANTS
from services.matches_tick import ROUND_JOB
from tests.sofascore import event, final_score, round_path
from tests.support import (
    ROOT,
    assert_standings_match_reference,
    lt_statuses,
    seed_league,
    seed_match,
    seed_tournament,
    stored_job,
    wait_until_blocked,
)


def cli_tick(kind: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "tick", kind],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for_backends_to_end(db, application_name: str, deadline_seconds: float = 20) -> None:
    """A killed client's backend ends once it next talks to it: wait until it has."""
    deadline = time.monotonic() + deadline_seconds
    while db.execute(
        "select count(*) as n from pg_stat_activity where application_name = %s", (application_name,)
    ).fetchone()["n"]:
        assert time.monotonic() < deadline, "the killed tick's backend is still running"
        db.execute("select pg_sleep(0.05)")


@pytest.mark.timeout(90)
def test_a_matches_tick_killed_mid_round_strands_only_that_round(
    make_app, settings, database_url, db, standin, clock, queue_url
):
    real_now = datetime.now(UTC).replace(microsecond=0)
    kickoff = real_now - timedelta(hours=3)
    tournament = seed_tournament(db)
    _, (lt,) = seed_league(db, "L", [tournament])
    for number in (1, 2, 3):
        for event_id in (number * 10, number * 10 + 1):
            seed_match(db, tournament, event_id, round_number=number, start=kickoff)
        standin.round(
            round_path(17, 100, number),
            [
                event(i, 100, start=kickoff, home=final_score(2), away=final_score(0))
                for i in (number * 10, number * 10 + 1)
            ],
        )
    arrived, release = threading.Event(), threading.Event()

    def hanging(attempt):
        arrived.set()
        release.wait(timeout=30)
        return Response("{}", content_type="application/json")

    standin._routes[round_path(17, 100, 1)] = hanging
    process = cli_tick(
        "matches",
        {
            "DATABASE_URL": database_url,
            "SOFASCORE_BASE_URL": standin.base_url,
            "PROVIDER_TIMEOUT_SECONDS": "60",
            "PGAPPNAME": "chaos-matches",
            "QUEUE_URL": queue_url or "",
        },
    )
    try:
        assert arrived.wait(timeout=30), "the tick never reached the provider"
        process.kill()
        process.wait(timeout=10)
    finally:
        release.set()
    wait_for_backends_to_end(db, "chaos-matches")

    assert (
        db.execute("select count(*) as n from match where status <> 'open' or last_checked_at is not null").fetchone()[
            "n"
        ]
        == 0
    )
    services = services_of(
        make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url, queue_url=queue_url))
    )
    queue = services.queue
    keys = [f"{tournament['id']}/{n}//" for n in (1, 2, 3)]
    clock.set(real_now + timedelta(seconds=30))
    assert queue.active_keys(ROUND_JOB, singleton_keys=keys) == {keys[0]}, "only the round in flight was claimed"
    assert [stored_job(queue, job_id).state for job_id in ("1", "2", "3")] == ["active", "created", "created"]
    assert lt_statuses(db) == {lt["id"]: "up-to-date"}

    standin.round(
        round_path(17, 100, 1),
        [event(i, 100, start=kickoff, home=final_score(2), away=final_score(0)) for i in (10, 11)],
    )
    clock.set(real_now + timedelta(minutes=1))
    at_once = services.run_matches_tick()
    assert (at_once["rounds_processed"], at_once["rounds_skipped"], at_once["matches_ended"]) == (2, 1, 4), (
        "the unstarted rounds are done at once; the one in flight waits for its claim to expire"
    )
    clock.set(real_now + timedelta(minutes=6))
    after_expiry = services.run_matches_tick()
    assert (after_expiry["rounds_processed"], after_expiry["matches_ended"]) == (1, 2)
    assert db.execute("select count(*) as n from match where status = 'ended'").fetchone()["n"] == 6
    job = stored_job(queue, "1")
    assert (job.state, job.retry_count) == ("completed", 1) and job.last_error.startswith("expired")
    assert lt_statuses(db) == {lt["id"]: "outdata"}


@pytest.mark.timeout(90)
def test_a_scores_tick_killed_mid_recalculation_strands_only_that_league_tournament(
    make_app, settings, database_url, db, clock
):
    """Large leagues are claimed one at a time (small ones share a batch): the one in flight waits."""
    tournament = seed_tournament(db)
    match = seed_match(
        db, tournament, 1, status="ended", home_score=1, away_score=0, home_score_regular=1, away_score_regular=0
    )
    members = SMALL_LEAGUE_PARTICIPANTS + 1
    db.execute("insert into app_user (name) select 'User ' || i from generate_series(1, %s) i", (members,))
    db.execute(
        "insert into prediction (user_id, match_id, home_score, away_score) select id, %s, 1, 0 from app_user",
        (match["id"],),
    )
    for number in range(3):
        league, _ = seed_league(db, f"League {number}", [tournament], up_to_date=False)
        db.execute("insert into league_participant (league_id, user_id) select %s, id from app_user", (league["id"],))
    blocker = psycopg.connect(database_url, row_factory=dict_row)
    blocker.execute("lock table participant_score in share row exclusive mode")
    process = cli_tick("scores", {"DATABASE_URL": database_url, "PGAPPNAME": "chaos-scores"})
    try:
        wait_until_blocked(db)
        real_now = datetime.now(UTC)
        process.kill()
        process.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
    wait_for_backends_to_end(db, "chaos-scores")

    statuses = lt_statuses(db)
    assert sorted(statuses.values()) == ["outdata", "outdata", "syncing"], "only the row in flight was claimed"
    assert db.execute("select count(*) as n from participant_score").fetchone()["n"] == 0, "nothing half-written"
    [stranded] = [lt_id for lt_id, status in statuses.items() if status == "syncing"]

    services = services_of(make_app(settings))
    clock.set(real_now + timedelta(minutes=1))
    at_once = services.run_scores_tick()
    assert (at_once["league_tournaments_claimed"], at_once["league_tournaments_updated"]) == (2, 2)
    assert lt_statuses(db)[stranded] == "syncing", "the row in flight waits for its lease"
    clock.set(real_now + timedelta(minutes=11))
    after_lease = services.run_scores_tick()
    assert after_lease["league_tournaments_updated"] == 1
    assert set(lt_statuses(db).values()) == {"up-to-date"}
    assert_standings_match_reference(db)
