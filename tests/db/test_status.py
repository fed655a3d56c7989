"""`GET /internal/status` and `flask status` (SPEC §9): each problem built on the real
database appears in `problems` and flips `healthy`; an all-fine pipeline is healthy."""

import dataclasses
import json
from datetime import timedelta

import pytest

from tests.sofascore import error_response, event, final_score, round_path
from tests.support import AUTH, KICKOFF, START, insert, seed_league, seed_match, seed_tournament


@pytest.fixture
def app(make_app, settings, standin, db):
    return make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url))


@pytest.fixture
def queue_client(make_app, settings, standin, db, queue_url):
    """A client of the app on each queue backend: the rounds part reads the queue itself."""
    return make_app(
        dataclasses.replace(settings, sofascore_base_url=standin.base_url, queue_url=queue_url)
    ).test_client()


@pytest.fixture
def client(app):
    return app.test_client()


def scheduled_runs(db, *, matches_ago=timedelta(minutes=3), scores_ago=timedelta(minutes=1)):
    """Cron has been calling both ticks (unless told otherwise)."""
    for kind, ago in (("matches", matches_ago), ("scores", scores_ago)):
        insert(
            db,
            "tick_run",
            kind=kind,
            trigger="cron",
            started_at=START - ago,
            finished_at=START - ago,
            outcome="ok",
            summary=json.dumps({"duration_ms": 812}),
        )


def status(client) -> dict:
    response = client.get("/internal/status", headers=AUTH)
    assert response.status_code == 200
    return response.get_json()


def test_an_all_fine_pipeline_is_healthy(client, db):
    scheduled_runs(db)
    tournament = seed_tournament(db)
    seed_match(db, tournament, 1, start=START + timedelta(days=1))
    seed_match(
        db, tournament, 2, status="ended", home_score=1, away_score=0, home_score_regular=1, away_score_regular=0
    )
    seed_league(db, "Office", [tournament])
    body = status(client)
    assert body["healthy"] is True and body["problems"] == []
    assert list(body)[:2] == ["healthy", "problems"]
    assert {"matches", "rounds", "scores", "ticks"} <= set(body)
    assert body["matches"]["due_now"] == {"rounds": 0, "matches": 0} and body["matches"]["most_overdue"] is None
    assert body["scores"]["outdata"] == 0 and body["scores"]["oldest_waiting"] is None
    assert body["ticks"]["matches"]["last_run"]["outcome"] == "ok" and body["ticks"]["matches"]["overdue"] is False
    assert body["ticks"]["scores"]["last_run"]["duration_ms"] == 812


def test_a_match_left_open_seven_hours_after_kick_off_is_a_problem(client, db):
    scheduled_runs(db)
    tournament = seed_tournament(db)
    seed_match(
        db,
        tournament,
        9001,
        start=START - timedelta(hours=7),
        home="Arsenal",
        away="Chelsea",
        last_checked_at=START - timedelta(minutes=2),
    )
    seed_match(db, tournament, 9002, start=START - timedelta(hours=3))
    body = status(client)
    assert body["healthy"] is False
    assert body["problems"] == ["1 match not ended 6 h after kick-off: Arsenal v Chelsea (#9001)"]
    assert (
        body["matches"]["stuck"]["count"] == 1 and body["matches"]["stuck"]["first"][0]["hours_since_kick_off"] == 7.0
    )
    assert body["matches"]["most_overdue"]["event_id"] == 9001
    assert body["matches"]["most_overdue"]["minutes_past_result_delay"] == 7 * 60 - 120
    assert body["matches"]["due_now"] == {"rounds": 1, "matches": 1}, "9001 was checked two minutes ago"


def test_postponed_matches_are_listed_with_their_next_check(client, db):
    scheduled_runs(db)
    tournament = seed_tournament(db)
    seed_match(db, tournament, 5, status="postponed", last_checked_at=START - timedelta(hours=1))
    body = status(client)
    assert body["healthy"] is True
    [postponed] = body["matches"]["postponed"]["first"]
    assert postponed["next_check_at"] == (START + timedelta(hours=5)).isoformat()


def test_a_round_that_failed_is_a_problem_until_it_is_fetched_again(queue_client, db, standin, clock):
    client = queue_client
    scheduled_runs(db)
    tournament = seed_tournament(db)
    seed_match(db, tournament, 1)
    path = round_path(17, 100, 1)
    standin.respond(path, error_response(404))
    client.post("/internal/tick/matches", headers=AUTH)
    body = status(client)
    key = f"{tournament['id']}/1//"
    assert body["problems"] == [
        f"1 round failed in the last 24 h and not fetched since: {key} (GET {path.removeprefix('/api/v1')}: HTTP 404)"
    ]
    [failed] = body["rounds"]["failed_last_24h"]
    assert (failed["round"], failed["attempts"], failed["fixed_since"]) == (key, 1, False)
    assert body["rounds"]["jobs"] == {"failed": 1}

    standin.round(path, [event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(0))])
    clock.advance(11 * 60)
    db.execute("update tick_run set started_at = started_at + interval '11 minutes'")
    client.post("/internal/tick/matches", headers=AUTH)
    body = status(client)
    assert body["healthy"] is True, body["problems"]
    assert body["rounds"]["failed_last_24h"][0]["fixed_since"] is True
    assert body["rounds"]["jobs"] == {"failed": 1, "completed": 1}


def test_a_league_tournament_waiting_forty_minutes_is_a_problem(client, db):
    scheduled_runs(db)
    tournament = seed_tournament(db)
    league, (waiting,) = seed_league(db, "Office", [tournament])
    db.execute(
        "update league_tournament set participants_scores_status = 'outdata', marked_outdata_at = %s",
        (START - timedelta(minutes=40),),
    )
    body = status(client)
    assert body["problems"] == [
        f"1 league tournament waiting more than 30 min: #{waiting['id']} "
        f"(league {league['id']}, tournament {tournament['id']}, 40 min)"
    ]
    assert body["scores"]["outdata"] == 1 and body["scores"]["oldest_waiting"]["waiting_minutes"] == 40
    db.execute("update league_tournament set marked_outdata_at = %s", (START - timedelta(minutes=20),))
    assert status(client)["healthy"] is True, "waiting, but not past STUCK_SCORES_MINUTES"


def test_a_league_tournament_syncing_past_its_lease_is_a_problem(client, db):
    scheduled_runs(db)
    tournament = seed_tournament(db)
    seed_league(db, "Office", [tournament])
    db.execute(
        "update league_tournament set participants_scores_status = 'syncing', marked_outdata_at = %s, "
        "sync_claimed_at = %s",
        (START - timedelta(minutes=12), START - timedelta(minutes=11)),
    )
    body = status(client)
    assert body["scores"]["syncing_past_lease"] == 1
    assert body["problems"] == [
        "1 league tournament syncing past the 10 min lease: a scores tick died holding it; the next one takes it back"
    ]


def test_a_kind_with_no_scheduled_run_for_25_minutes_is_overdue(client, db):
    scheduled_runs(db, matches_ago=timedelta(minutes=25))
    insert(db, "tick_run", kind="matches", trigger="manual", started_at=START - timedelta(minutes=1), outcome="ok")
    body = status(client)
    assert body["problems"] == ["matches tick overdue: no scheduled run for 25 min (expected every 10 min)"], (
        "an operator's manual run does not hide a cron that stopped calling"
    )
    assert body["ticks"]["matches"]["overdue"] is True and body["ticks"]["matches"]["last_run"]["trigger"] == "manual"
    assert body["ticks"]["scores"]["overdue"] is False


def test_a_fresh_deployment_says_no_tick_has_run_yet(client, db):
    body = status(client)
    assert body["problems"] == [
        "matches tick overdue: no scheduled run yet (expected every 10 min)",
        "scores tick overdue: no scheduled run yet (expected every 5 min)",
    ]


def test_the_cli_exit_code_follows_healthy_and_json_is_the_endpoints(app, client, db):
    runner = app.test_cli_runner()
    scheduled_runs(db)
    healthy = runner.invoke(args=["status"])
    assert healthy.exit_code == 0 and healthy.output.startswith("healthy")
    as_json = runner.invoke(args=["status", "--json"])
    assert as_json.exit_code == 0 and json.loads(as_json.output) == status(client)

    tournament = seed_tournament(db)
    seed_match(db, tournament, 9001, start=START - timedelta(hours=7), home="Arsenal", away="Chelsea")
    unhealthy = runner.invoke(args=["status"])
    assert unhealthy.exit_code == 1
    assert unhealthy.output.startswith("UNHEALTHY\n  - 1 match not ended 6 h after kick-off: Arsenal v Chelsea (#9001)")
    assert json.loads(runner.invoke(args=["status", "--json"]).output) == status(client)


def test_the_status_needs_the_token(client):
    assert client.get("/internal/status").status_code == 401


def test_one_alert_per_stuck_item_per_day_across_ticks(client, db, standin, clock, sentry_events):
    tournament = seed_tournament(db)
    stuck = seed_match(db, tournament, 9001, start=START - timedelta(hours=7), home="Arsenal", away="Chelsea")
    standin.round(round_path(17, 100, 1), [event(9001, 6, start=START - timedelta(hours=7))])  # still in play
    for _ in range(2):
        assert client.post("/internal/tick/matches", headers=AUTH).get_json()["rounds_processed"] == 1
        clock.advance(11 * 60)

    stuck_events = [e for e in sentry_events.errors() if e["fingerprint"][0] == "stuck"]
    assert [e["fingerprint"] for e in stuck_events] == [["stuck", f"match/{stuck['id']}"]], "two ticks, one event"
    [alert] = stuck_events
    assert alert["message"].startswith("match #9001 Arsenal v Chelsea not ended 6 h after kick-off")
    assert alert["tags"]["tick"] == "matches" and alert["tags"]["tournament"] == str(tournament["id"])
    assert alert["tags"]["match"] == str(stuck["id"])

    clock.advance(24 * 3600)
    client.post("/internal/tick/matches", headers=AUTH)
    assert len([e for e in sentry_events.errors() if e["fingerprint"][0] == "stuck"]) == 2, "a new day, a new alert"


def test_a_stuck_league_tournament_alerts_once_per_day_from_the_scores_tick(client, db, sentry_events, database_url):
    import psycopg

    tournament = seed_tournament(db)
    league, (waiting,) = seed_league(db, "Office", [tournament])
    db.execute(
        "update league_tournament set participants_scores_status = 'outdata', marked_outdata_at = %s",
        (START - timedelta(minutes=40),),
    )
    holder = psycopg.connect(database_url)  # holds the row as a marking transaction would: never claimed
    holder.execute("select * from league_tournament for update")
    try:
        for _ in range(2):
            assert client.post("/internal/tick/scores", headers=AUTH).get_json()["league_tournaments_claimed"] == 0
    finally:
        holder.rollback()
        holder.close()
    [alert] = [e for e in sentry_events.errors() if e["fingerprint"][0] == "stuck"]
    assert alert["fingerprint"] == ["stuck", f"league-tournament/{waiting['id']}"]
    assert alert["tags"]["league"] == str(league["id"]) and alert["tags"]["tick"] == "scores"
