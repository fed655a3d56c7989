"""Run history (/internal/runs and `flask runs`), pruning, and Sentry cron check-ins."""

import dataclasses
from datetime import timedelta

import pytest

from bootstrap import services_of
from tests.sofascore import error_response, event, final_score, round_path
from tests.support import AUTH, KICKOFF, START, insert, seed_match, seed_tournament

CRON = {**AUTH, "X-Tick-Trigger": "cron"}


@pytest.fixture
def client(make_app, settings, standin, db):
    return make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url)).test_client()


def test_runs_are_listed_newest_first_with_filters(client, db, clock):
    client.post("/internal/tick/matches", headers=CRON)
    clock.advance(60)
    client.post("/internal/tick/scores", headers=AUTH)
    clock.advance(60)
    client.post("/internal/tick/scores", headers=AUTH, json={"dry_run": True})
    runs = client.get("/internal/runs", headers=AUTH).get_json()["runs"]
    assert [(r["kind"], r["trigger"], r["outcome"]) for r in runs] == [
        ("scores", "manual", "ok"),
        ("matches", "cron", "ok"),
    ]
    first = runs[1]
    assert first["started_at"] == START.isoformat() and first["finished_at"] == START.isoformat()
    assert first["summary"]["tick"] == "matches" and first["summary"]["run_id"] == first["id"] and first["errors"] == []
    assert [r["kind"] for r in client.get("/internal/runs?kind=matches", headers=AUTH).get_json()["runs"]] == [
        "matches"
    ]
    assert client.get("/internal/runs?outcome=partial", headers=AUTH).get_json()["runs"] == []
    assert len(client.get("/internal/runs?limit=1", headers=AUTH).get_json()["runs"]) == 1


def test_a_failing_round_makes_a_partial_run_with_its_error(client, db, standin):
    tournament = seed_tournament(db)
    seed_match(db, tournament, 1)
    standin.respond(round_path(17, 100, 1), error_response(404))
    client.post("/internal/tick/matches", headers=AUTH)
    [run] = client.get("/internal/runs", headers=AUTH).get_json()["runs"]
    assert run["outcome"] == "partial" and run["summary"]["rounds_failed"] == 1
    assert run["errors"][0]["round"] == f"{tournament['id']}/1//" and "HTTP 404" in run["errors"][0]["error"]


def test_the_runs_command_shows_failed_items(make_app, settings, db, standin):
    tournament = seed_tournament(db)
    seed_match(db, tournament, 1)
    standin.respond(round_path(17, 100, 1), error_response(404))
    app = make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tick", "matches"]).exit_code == 0
    result = runner.invoke(args=["runs", "--kind", "matches"])
    assert result.exit_code == 0
    assert "matches cli" in result.output and "partial" in result.output and "HTTP 404" in result.output


def test_old_runs_are_pruned_and_abandoned_ones_closed(client, db):
    insert(db, "tick_run", kind="matches", trigger="cron", started_at=START - timedelta(days=40), outcome="ok")
    insert(db, "tick_run", kind="matches", trigger="cron", started_at=START - timedelta(days=2), outcome="ok")
    killed = insert(db, "tick_run", kind="matches", trigger="cron", started_at=START - timedelta(hours=1))
    client.post("/internal/tick/matches", headers=AUTH)
    runs = {r["id"]: r for r in db.execute("select * from tick_run")}
    assert len(runs) == 3, "the 40-day-old run is pruned"
    assert (
        runs[killed["id"]]["outcome"] == "failed"
        and "stopped without finishing" in runs[killed["id"]]["errors"][0]["error"]
    )


def test_a_cron_tick_checks_in_to_sentry_and_failed_rounds_are_tagged(client, db, standin, sentry_events):
    tournament = seed_tournament(db)
    seed_match(db, tournament, 1)
    seed_match(db, tournament, 2, round_number=2)
    standin.respond(round_path(17, 100, 1), error_response(404))
    standin.round(round_path(17, 100, 2), [event(2, 100, start=KICKOFF, home=final_score(1), away=final_score(0))])
    client.post("/internal/tick/scores", headers=CRON)
    client.post("/internal/tick/matches", headers=CRON)
    client.post("/internal/tick/matches", headers=AUTH)  # manual: no check-in

    check_ins = sentry_events.check_ins()
    assert [(c["monitor_slug"], c["status"]) for c in check_ins] == [
        ("tick-scores", "in_progress"),
        ("tick-scores", "ok"),
        ("tick-matches", "in_progress"),
        ("tick-matches", "error"),
    ]
    assert check_ins[0]["check_in_id"] == check_ins[1]["check_in_id"]
    assert check_ins[2]["monitor_config"]["schedule"] == {"type": "crontab", "value": "*/10 * * * *"}
    assert check_ins[0]["monitor_config"]["schedule"] == {"type": "crontab", "value": "*/5 * * * *"}
    [error] = sentry_events.errors()
    assert error["tags"]["tick"] == "matches" and error["tags"]["round"] == f"{tournament['id']}/1//"
    assert error["tags"]["tournament"] == str(tournament["id"])
    assert error["fingerprint"] == ["matches-item-failed", f"{tournament['id']}/1//", "404"]


def test_a_tick_that_cannot_run_checks_in_as_error(make_app, settings, sentry_events, db):
    broken = make_app(dataclasses.replace(settings, db_pool_timeout_seconds=1.0))
    services_of(broken).pool.close()
    response = broken.test_client().post("/internal/tick/scores", headers=CRON)
    assert response.status_code == 503 and response.get_json()["error"] == "database unavailable"
    assert [c["status"] for c in sentry_events.check_ins()] == ["in_progress", "error"]
