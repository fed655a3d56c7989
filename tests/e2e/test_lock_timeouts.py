"""A locked row, a slow statement or a lost connection never stalls a tick (SPEC §6.7, §7.6):
lock waits and statements run under timeouts derived from the remaining budget, such a
failure fails one item, and the tick finishes the others within its budget."""

import dataclasses
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from app import utc_now
from bootstrap import services_of
from tests.sofascore import event, final_score, round_path
from tests.support import (
    AUTH,
    KICKOFF,
    insert,
    lt_statuses,
    match_row,
    seed_league,
    seed_match,
    seed_tournament,
    wait_until_blocked,
)

BUDGET = 8.0
MARGIN = 2.0


@pytest.fixture
def leagues(db):
    """Five leagues of two members following one tournament with one ended match."""
    liga = seed_tournament(db)
    match = seed_match(
        db, liga, 1, status="ended", home_score=1, away_score=0, home_score_regular=1, away_score_regular=0
    )
    rows = []
    for number in range(5):
        league, (row,) = seed_league(db, f"League {number}", [liga], up_to_date=False)
        for name in ("Ana", "Ben"):
            user = insert(db, "app_user", name=f"{name} {number}")
            insert(db, "league_participant", league_id=league["id"], user_id=user["id"])
            insert(db, "prediction", user_id=user["id"], match_id=match["id"], home_score=1, away_score=0)
        rows.append(row)
    return rows


@pytest.fixture
def real_time_app(make_app, settings):
    """An app on the wall clock with an 8 s scores budget: these tests measure real waits."""
    return make_app(dataclasses.replace(settings, tick_scores_budget_seconds=BUDGET), CLOCK=utc_now, SLEEP=time.sleep)


def hold(database_url, statement, params=()):
    conn = psycopg.connect(database_url, row_factory=dict_row)
    conn.execute(statement, params)
    return conn


@pytest.mark.timeout(30)
def test_standings_rows_held_by_another_session_fail_one_item_and_the_tick_ends_in_budget(
    real_time_app, db, leagues, database_url, sentry_events
):
    services = services_of(real_time_app)
    services.run_scores_tick()
    db.execute("update league_tournament set participants_scores_status = 'outdata'")
    held = leagues[2]["id"]
    blocker = hold(database_url, "select * from participant_score where league_tournament_id = %s for update", (held,))
    try:
        started = time.monotonic()
        summary = services.run_scores_tick()
        elapsed = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()
    assert elapsed < BUDGET + MARGIN, elapsed
    assert (summary["league_tournaments_failed"], summary["league_tournaments_updated"]) == (1, 4)
    assert lt_statuses(db)[held] == "outdata", "handed back at once, not left syncing for the lease"
    run = real_time_app.test_client().get("/internal/runs?kind=scores&limit=1", headers=AUTH).get_json()["runs"][0]
    assert run["outcome"] == "partial" and "LockNotAvailable" in run["errors"][0]["error"]
    assert [e["tags"]["league_tournament"] for e in sentry_events.errors()] == [str(held)]
    assert services.run_scores_tick()["league_tournaments_updated"] == 1, "the next tick finishes it"


@pytest.mark.timeout(30)
def test_a_statement_that_would_outlive_the_budget_is_cancelled_at_the_deadline(make_app, settings, db, leagues):
    app = make_app(dataclasses.replace(settings, tick_scores_budget_seconds=3), CLOCK=utc_now, SLEEP=time.sleep)
    slow = leagues[0]["id"]
    db.execute(
        f"""create function slow_standings() returns trigger language plpgsql as $$
                  begin if new.league_tournament_id = {slow} then perform pg_sleep(30); end if; return new; end $$"""
    )
    db.execute(
        "create trigger slow_standings before insert on participant_score "
        "for each row execute function slow_standings()"
    )
    try:
        started = time.monotonic()
        summary = services_of(app).run_scores_tick()
        elapsed = time.monotonic() - started
    finally:
        db.execute("drop trigger slow_standings on participant_score")
        db.execute("drop function slow_standings()")
    assert elapsed < 3 + MARGIN, elapsed
    assert summary["league_tournaments_failed"] == 1
    assert lt_statuses(db)[slow] == "outdata"
    assert "syncing" not in lt_statuses(db).values()


@pytest.mark.timeout(60)
def test_a_lost_connection_ends_the_tick_and_hands_back_the_row_in_flight(
    make_app, settings, db, leagues, database_url
):
    app = make_app(settings)
    client = app.test_client()
    blocker = hold(database_url, "lock table participant_score in share row exclusive mode")
    answer = {}
    tick = threading.Thread(target=lambda: answer.update(response=client.post("/internal/tick/scores", headers=AUTH)))
    tick.start()
    try:
        wait_until_blocked(db)
        db.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where wait_event_type = 'Lock' and pid <> pg_backend_pid()"
        )
        tick.join(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    response = answer["response"]
    assert response.status_code == 503 and response.get_json() == {"error": "database unavailable"}
    assert "syncing" not in lt_statuses(db).values(), "the row in flight went back to outdata"
    run = db.execute("select outcome from tick_run where kind = 'scores'").fetchone()
    assert run["outcome"] == "failed"


@pytest.mark.timeout(30)
def test_a_match_row_held_by_another_session_fails_its_round_only(make_app, settings, db, standin, database_url):
    app = make_app(
        dataclasses.replace(
            settings,
            sofascore_base_url=standin.base_url,
            tick_matches_budget_seconds=BUDGET,
            provider_timeout_seconds=2,
            provider_max_rps=100,
        ),
        CLOCK=utc_now,
        SLEEP=time.sleep,
    )
    tournament = seed_tournament(db)
    for number in (1, 2, 3):
        seed_match(db, tournament, number, round_number=number, start=utc_now() - timedelta(hours=3))
        standin.round(
            round_path(17, 100, number), [event(number, 100, start=KICKOFF, home=final_score(1), away=final_score(0))]
        )
    blocker = hold(database_url, "select * from match where sofascore_event_id = 2 for update")
    try:
        started = time.monotonic()
        response = app.test_client().post("/internal/tick/matches", headers=AUTH)
        elapsed = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()
    summary = response.get_json()
    assert response.status_code == 200 and elapsed < BUDGET + MARGIN, (elapsed, summary)
    assert (summary["rounds_failed"], summary["rounds_processed"]) == (1, 2)
    assert [match_row(db, n)["status"] for n in (1, 2, 3)] == ["ended", "open", "ended"]


# What the app's own writes wait for in the pipeline's triggers, at most, beside a scores tick:
# the tick locks a league tournament's row only to claim it and to finish it (milliseconds), never
# during the recalculation's long statements, so an app session with a lock timeout this short
# writes through a tick that is mid-calculation.
APP_LOCK_TIMEOUT = "200ms"


@pytest.mark.timeout(30)
def test_the_apps_writes_do_not_wait_for_a_scores_tick_mid_calculation(real_time_app, db, leagues, database_url):
    services = services_of(real_time_app)
    blocker = hold(database_url, "lock table participant_score in share row exclusive mode")
    tick = threading.Thread(target=services.run_scores_tick)
    tick.start()
    try:
        wait_until_blocked(db)  # the tick is inside its recalculation, its rows claimed `syncing`
        league = db.execute("select league_id from league_tournament where id = %s", (leagues[0]["id"],)).fetchone()
        newcomer = insert(db, "app_user", name="Newcomer")
        match = db.execute("select id from match").fetchone()["id"]
        with psycopg.connect(database_url, autocommit=True, options=f"-c lock_timeout={APP_LOCK_TIMEOUT}") as app:
            app.execute("insert into league_participant values (%s, %s)", (league["league_id"], newcomer["id"]))
            app.execute("insert into prediction values (%s, %s, 2, 0)", (newcomer["id"], match))
            app.execute("update league set points_outcome = 1 where id = %s", (league["league_id"],))
    finally:
        blocker.rollback()
        blocker.close()
        tick.join(20)
    assert lt_statuses(db)[leagues[0]["id"]] == "outdata", "marked during the calculation: left for the next tick"
