"""The matches tick end to end: real PostgreSQL, a local server speaking SofaScore's JSON."""

import dataclasses
from datetime import timedelta

import pytest

from tests.sofascore import error_response, event, final_score, round_path
from tests.support import AUTH, KICKOFF, START, lt_statuses, match_row, seed_league, seed_match, seed_tournament

ROUND_1 = round_path(17, 100, 1)


@pytest.fixture
def tick_settings(settings, standin):
    return dataclasses.replace(settings, sofascore_base_url=standin.base_url)


@pytest.fixture
def client(make_app, tick_settings, db):
    return make_app(tick_settings).test_client()


@pytest.fixture
def tournament(db):
    return seed_tournament(db)


def tick(client, **params) -> dict:
    response = client.post("/internal/tick/matches", headers=AUTH, json=params or None)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def retry_waits(sleep) -> list[float]:
    """The retry waits among the recorded sleeps (rate-limit spacing is a fraction of a second)."""
    return [w for w in sleep.waits if w >= 1]


def test_a_round_updates_every_match_as_the_spec_maps_it(client, db, standin, tournament):
    other = seed_tournament(db, utid=99, sid=1, name="Other league")
    for event_id in range(1, 9):
        seed_match(db, tournament, event_id)
    seed_match(db, tournament, 9, status="postponed")
    not_due = seed_match(db, tournament, 10, start=START + timedelta(days=2))
    _, (followed,) = seed_league(db, "Followers", [tournament])
    _, (unaffected,) = seed_league(db, "Others", [other])
    moved = KICKOFF + timedelta(minutes=30)
    standin.round(
        ROUND_1,
        [
            event(1, 100, start=KICKOFF, home=final_score(2), away=final_score(1)),
            event(
                2, 110, start=KICKOFF, home=final_score(2, normaltime=1, extra1=1), away=final_score(1, normaltime=1)
            ),
            event(
                3,
                120,
                start=KICKOFF,
                home={"current": 7, "display": 3, "normaltime": 2, "penalties": 4},
                away={"current": 5, "display": 3, "normaltime": 2, "penalties": 2},
            ),
            event(4, 60, start=KICKOFF + timedelta(days=7)),
            event(5, 70, start=KICKOFF),
            event(6, 6, start=moved, home={"current": 1, "display": 1}, away={"current": 0, "display": 0}),
            event(7, 0, start=moved),
            event(8, 90, start=KICKOFF),
            event(9, 0, start=START + timedelta(days=1)),
            event(10, 0, start=START + timedelta(days=1)),
        ],
    )

    summary = tick(client)

    def row(event_id):
        r = match_row(db, event_id)
        return (
            r["status"],
            r["home_score"],
            r["away_score"],
            r["home_score_regular"],
            r["away_score_regular"],
            r["home_penalties"],
            r["away_penalties"],
        )

    assert row(1) == ("ended", 2, 1, 2, 1, None, None)
    assert row(2) == ("ended", 2, 1, 1, 1, None, None)
    assert row(3) == ("ended", 3, 3, 2, 2, 4, 2), "display, never current; normaltime for 90 minutes"
    assert row(4) == ("postponed", None, None, None, None, None, None)
    assert match_row(db, 4)["start_time"] == KICKOFF + timedelta(days=7)
    assert row(5)[0] == "canceled" and row(8)[0] == "canceled"
    assert row(6) == ("open", None, None, None, None, None, None), "in play stays open"
    assert match_row(db, 6)["start_time"] == moved and match_row(db, 7)["start_time"] == moved
    assert row(9)[0] == "open", "a postponed match rescheduled is open again"
    assert match_row(db, 10)["start_time"] == START + timedelta(days=1), (
        "a known match in the payload is updated, due or not"
    )
    assert match_row(db, 10)["last_checked_at"] is None and not_due["last_checked_at"] is None
    assert all(match_row(db, i)["last_checked_at"] == START for i in range(1, 10))
    assert lt_statuses(db) == {followed["id"]: "outdata", unaffected["id"]: "up-to-date"}
    assert summary == {
        "tick": "matches",
        "run_id": summary["run_id"],
        "dry_run": False,
        "rounds_due": 1,
        "rounds_processed": 1,
        "rounds_failed": 0,
        "rounds_deferred": 0,
        "rounds_skipped": 0,
        "matches_checked": 9,
        "matches_ended": 3,
        "league_tournaments_marked_outdata": 1,
        "duration_ms": summary["duration_ms"],
    }
    assert isinstance(summary["run_id"], int)
    assert standin.counts == {ROUND_1: 1}


def test_requests_look_like_a_browser(client, db, standin, tournament):
    seed_match(db, tournament, 1)
    standin.round(ROUND_1, [event(1, 0, start=KICKOFF)])
    tick(client)
    [request] = standin.requests
    assert "Mozilla" in request.headers["User-Agent"]
    assert request.headers["Referer"] == "https://www.sofascore.com/"
    assert request.headers["X-Requested-With"] == "XMLHttpRequest"


def test_knockout_rounds_use_slug_and_prefix_urls(client, db, standin):
    cup = seed_tournament(db, utid=7, sid=61644, name="Champions League")
    seed_match(db, cup, 1, round_number=27, round_slug="quarterfinals")
    seed_match(db, cup, 2, round_number=3, round_prefix="Qualification")
    seed_match(db, cup, 3, round_number=5, round_slug="final", round_prefix="Playoffs")
    standin.round(
        round_path(7, 61644, 27, slug="quarterfinals"),
        [event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(0))],
    )
    standin.round(round_path(7, 61644, 3, prefix="Qualification"), [event(2, 0, start=KICKOFF)])
    standin.round(round_path(7, 61644, 5, slug="final", prefix="Playoffs"), [event(3, 0, start=KICKOFF)])
    summary = tick(client)
    assert summary["rounds_processed"] == 3
    assert set(standin.counts) == {
        round_path(7, 61644, 27, slug="quarterfinals"),
        round_path(7, 61644, 3, prefix="Qualification"),
        round_path(7, 61644, 5, slug="final", prefix="Playoffs"),
    }
    assert match_row(db, 1)["status"] == "ended"
    assert (match_row(db, 1)["round_number"], match_row(db, 1)["round_slug"]) == (27, "quarterfinals"), (
        "round fields never change"
    )


def test_a_due_match_missing_from_its_round_is_fetched_alone(client, db, standin, tournament):
    seed_match(db, tournament, 1)
    seed_match(db, tournament, 2)
    seed_match(db, tournament, 3)
    standin.round(ROUND_1, [event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(1))])
    standin.respond(
        "/api/v1/event/2", {"event": event(2, 100, start=KICKOFF, home=final_score(0), away=final_score(3))}
    )
    standin.respond("/api/v1/event/3", error_response(500))
    summary = tick(client)
    assert match_row(db, 2)["status"] == "ended" and match_row(db, 2)["away_score"] == 3
    assert match_row(db, 1)["status"] == "ended", "the round's other matches are still written"
    assert match_row(db, 3)["status"] == "open"
    assert match_row(db, 3)["last_checked_at"] == match_row(db, 1)["last_checked_at"] > START, (
        "checked: its fetch finished"
    )
    assert standin.counts["/api/v1/event/3"] == 4
    assert summary["rounds_processed"] == 1 and summary["matches_checked"] == 3
    run = client.get("/internal/runs", headers=AUTH).get_json()["runs"][0]
    assert run["outcome"] == "partial"
    assert run["errors"][0]["event_id"] == 3 and "HTTP 500" in run["errors"][0]["error"]


def test_failing_twice_then_succeeding_waits_30_then_60(client, db, standin, tournament, sleep):
    seed_match(db, tournament, 1)
    standin.respond(
        ROUND_1,
        error_response(503),
        error_response(429),
        {"events": [event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(0))]},
    )
    summary = tick(client)
    assert standin.counts[ROUND_1] == 3
    assert retry_waits(sleep) == [30, 60]
    assert summary["rounds_processed"] == 1 and summary["matches_ended"] == 1


def test_retry_after_lengthens_the_wait_but_never_shortens_it(client, db, standin, tournament, sleep):
    seed_match(db, tournament, 1)
    standin.respond(
        ROUND_1,
        error_response(429, {"Retry-After": "45"}),
        error_response(429, {"Retry-After": "5"}),
        {"events": [event(1, 0, start=KICKOFF)]},
    )
    tick(client)
    assert retry_waits(sleep) == [45, 60]


def test_a_round_failing_always_is_tried_four_times_then_recorded_and_reported(
    client, db, standin, tournament, sleep, sentry_events
):
    seed_match(db, tournament, 1)
    seed_match(db, tournament, 2, round_number=2)
    standin.respond(ROUND_1, error_response(500))
    standin.round(round_path(17, 100, 2), [event(2, 100, start=KICKOFF, home=final_score(2), away=final_score(2))])
    summary = tick(client)
    assert standin.counts[ROUND_1] == 4
    assert retry_waits(sleep) == [30, 60, 120]
    assert (summary["rounds_failed"], summary["rounds_processed"]) == (1, 1)
    assert match_row(db, 2)["status"] == "ended", "the other round of the same tick is processed"
    assert match_row(db, 1)["last_checked_at"] >= START + timedelta(seconds=210), "checked after its final failure"
    run = client.get("/internal/runs", headers=AUTH).get_json()["runs"][0]
    assert run["outcome"] == "partial"
    assert run["errors"] == [
        {
            "round": f"{tournament['id']}/1//",
            "tournament_id": tournament["id"],
            "round_number": 1,
            "attempts": 4,
            "error": f"GET {ROUND_1.removeprefix('/api/v1')}: HTTP 500",
        }
    ]
    [event_payload] = sentry_events.errors()
    assert event_payload["tags"]["tournament"] == str(tournament["id"])
    assert event_payload["tags"]["round"] == f"{tournament['id']}/1//"
    assert event_payload["tags"]["tick"] == "matches"
    assert event_payload["message"] == f"GET {ROUND_1.removeprefix('/api/v1')}: HTTP 500"
    assert event_payload["fingerprint"] == ["matches-item-failed", f"{tournament['id']}/1//", "500"]


@pytest.mark.parametrize("status", [404, 400, 401])
def test_other_client_errors_are_final_at_once(client, db, standin, tournament, sleep, status):
    seed_match(db, tournament, 1)
    standin.respond(ROUND_1, error_response(status))
    summary = tick(client)
    assert standin.counts[ROUND_1] == 1
    assert retry_waits(sleep) == []
    assert summary["rounds_failed"] == 1


def test_a_budget_too_small_defers_and_the_next_tick_resumes_the_attempts(
    make_app, tick_settings, db, standin, tournament, sleep, clock, queue_url
):
    tick_settings = dataclasses.replace(tick_settings, queue_url=queue_url)
    client = make_app(dataclasses.replace(tick_settings, tick_matches_budget_seconds=90)).test_client()
    seed_match(db, tournament, 1)
    standin.respond(
        ROUND_1,
        error_response(500),
        error_response(500),
        error_response(500),
        {"events": [event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(0))]},
    )
    first = tick(client)
    assert first["rounds_deferred"] == 1 and first["rounds_failed"] == 0
    assert standin.counts[ROUND_1] == 2 and retry_waits(sleep) == [30]
    assert clock() - START <= timedelta(seconds=90), "returned within its budget"
    assert match_row(db, 1)["last_checked_at"] is None, "a deferred round keeps last_checked_at"

    clock.advance(600)
    roomier = make_app(dataclasses.replace(tick_settings, tick_matches_budget_seconds=240)).test_client()
    second = tick(roomier)
    assert standin.counts[ROUND_1] == 4, "attempts 3 and 4: none of the first tick's repeated"
    assert retry_waits(sleep) == [30, 120], "the third attempt's failure waits the third delay"
    assert second["rounds_processed"] == 1 and match_row(db, 1)["status"] == "ended"


def test_rounds_never_started_within_the_budget_are_deferred(
    make_app, tick_settings, db, standin, tournament, queue_url
):
    client = make_app(
        dataclasses.replace(tick_settings, tick_matches_budget_seconds=5, queue_url=queue_url)
    ).test_client()
    seed_match(db, tournament, 1)
    summary = tick(client)
    assert summary["rounds_deferred"] == 1 and standin.counts == {}


def test_max_rounds_limits_the_rounds_taken(client, db, standin, tournament):
    for number in (1, 2, 3):
        seed_match(db, tournament, number, round_number=number)
        standin.round(round_path(17, 100, number), [event(number, 0, start=KICKOFF)])
    summary = tick(client, max_rounds=2)
    assert summary["rounds_due"] == 3 and summary["rounds_processed"] == 2 and summary["rounds_skipped"] == 1
    assert sum(standin.counts.values()) == 2


@pytest.mark.parametrize(
    "body, reason",
    [
        ("<html><body>Just a moment...</body></html>", "not JSON"),
        (
            {
                "events": [
                    {
                        **event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(0)),
                        "homeScore": {"display": "x"},
                    }
                ]
            },
            "homeScore.display",
        ),
        ({"events": [event(1, 100, start=KICKOFF, home=final_score(-1), away=final_score(0))]}, "homeScore"),
        ({"events": [{k: v for k, v in event(1, 100, start=KICKOFF).items() if k != "status"}]}, "status"),
        ({"events": [event(1, 100, start=KICKOFF, home={}, away={})]}, "display score"),
        ({"events": "nope"}, "events"),
    ],
)
def test_a_malformed_payload_writes_nothing_and_says_why(client, db, standin, tournament, body, reason):
    seed_match(db, tournament, 1)
    seed_match(db, tournament, 2)
    good = event(2, 100, start=KICKOFF, home=final_score(3), away=final_score(0))
    if isinstance(body, str):
        from werkzeug import Response

        standin.respond(ROUND_1, Response(body, content_type="text/html"))
    else:
        if isinstance(body["events"], list):
            body["events"].append(good)
        standin.respond(ROUND_1, body)
    _, (lt,) = seed_league(db, "L", [tournament])
    summary = tick(client)
    assert summary["rounds_failed"] == 1
    assert match_row(db, 2)["status"] == "open", "nothing of that round is written"
    assert lt_statuses(db) == {lt["id"]: "up-to-date"}
    error = client.get("/internal/runs", headers=AUTH).get_json()["runs"][0]["errors"][0]["error"]
    assert reason in error


def test_a_late_correction_is_caught_by_the_settle_check(client, db, standin, tournament, clock):
    seed_match(db, tournament, 1)
    _, (lt,) = seed_league(db, "L", [tournament])
    standin.respond(
        ROUND_1,
        {"events": [event(1, 100, start=KICKOFF, home=final_score(2), away=final_score(1))]},
        {"events": [event(1, 100, start=KICKOFF, home=final_score(2), away=final_score(2))]},
    )
    tick(client)
    db.execute("update league_tournament set participants_scores_status = 'up-to-date'")
    clock.advance(179 * 60)
    assert tick(client)["rounds_due"] == 0
    clock.advance(60)
    summary = tick(client)
    assert summary["rounds_processed"] == 1 and summary["league_tournaments_marked_outdata"] == 1
    assert match_row(db, 1)["away_score"] == 2 and match_row(db, 1)["settle_check_at"] is None
    assert lt_statuses(db) == {lt["id"]: "outdata"}
    clock.advance(24 * 3600)
    assert tick(client)["rounds_due"] == 0, "checked once more, not forever"


def test_postponed_matches_are_rechecked_on_their_own_schedule(client, db, standin, tournament, clock):
    seed_match(db, tournament, 1, status="postponed", last_checked_at=START - timedelta(minutes=300))
    standin.round(ROUND_1, [event(1, 60, start=KICKOFF)])
    assert tick(client)["rounds_due"] == 0
    clock.advance(61 * 60)
    assert tick(client)["rounds_processed"] == 1


def test_a_dry_run_counts_but_writes_nothing_and_calls_no_provider(client, db, standin, tournament):
    seed_match(db, tournament, 1)
    seed_match(db, tournament, 2)
    seed_match(db, tournament, 3, round_number=2)
    summary = tick(client, dry_run=True)
    assert summary["run_id"] is None and summary["dry_run"] is True
    assert (summary["rounds_due"], summary["rounds_processed"], summary["matches_checked"]) == (2, 2, 3)
    assert standin.counts == {}
    assert db.execute("select count(*) as n from tick_run").fetchone()["n"] == 0
    assert db.execute("select count(*) as n from queue_job").fetchone()["n"] == 0
    assert match_row(db, 1)["last_checked_at"] is None


def test_nothing_due_answers_zeros(client, db):
    summary = tick(client)
    assert {k: v for k, v in summary.items() if k.startswith(("rounds", "matches", "league"))} == {
        "rounds_due": 0,
        "rounds_processed": 0,
        "rounds_failed": 0,
        "rounds_deferred": 0,
        "rounds_skipped": 0,
        "matches_checked": 0,
        "matches_ended": 0,
        "league_tournaments_marked_outdata": 0,
    }


def test_the_body_wins_over_the_query_string_and_booleans_take_any_case(client, db, tournament):
    for number in (1, 2):
        seed_match(db, tournament, number, round_number=number)
    response = client.post(
        "/internal/tick/matches?max_rounds=5&dry_run=FALSE", headers=AUTH, json={"max_rounds": 1, "dry_run": "True"}
    )
    assert response.get_json()["rounds_processed"] == 1 and response.get_json()["dry_run"] is True


@pytest.mark.parametrize(
    "body", [{"dry_run": 1}, {"dry_run": 0}, {"dry_run": "TRUE"}, {"max_rounds": "3", "dry_run": True}]
)
def test_the_accepted_forms_of_each_parameter_run(client, body):
    assert client.post("/internal/tick/matches", headers=AUTH, json=body).status_code == 200


def test_the_cli_tick_prints_the_same_summary(make_app, tick_settings, db, standin, tournament):
    seed_match(db, tournament, 1)
    standin.round(ROUND_1, [event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(0))])
    result = make_app(tick_settings).test_cli_runner().invoke(args=["tick", "matches", "--max-rounds", "5"])
    assert result.exit_code == 0, result.output
    import json

    summary = json.loads(result.output)
    assert summary["tick"] == "matches" and summary["matches_ended"] == 1
    run = db.execute("select trigger, outcome from tick_run").fetchone()
    assert run == {"trigger": "cli", "outcome": "ok"}


def test_the_curl_cffi_session_is_a_drop_in_switch(make_app, tick_settings, db, standin, tournament):
    settings = dataclasses.replace(tick_settings, provider_http_session="curl_cffi")
    client = make_app(settings).test_client()
    seed_match(db, tournament, 1)
    standin.round(ROUND_1, [event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(0))])
    assert tick(client)["matches_ended"] == 1
    assert standin.requests[0].headers["Referer"] == "https://www.sofascore.com/"
