"""The matches tick at its edges: poison payloads, a round the database rejects, expired and
stranded jobs, and claims lost to another tick. One bad round never stops the others."""

import dataclasses
from datetime import timedelta

import pytest
import requests

from bootstrap import services_of
from services.matches_tick import EXPIRY_MARGIN_SECONDS, ROUND_JOB
from tests.sofascore import error_response, event, final_score, json_response, round_path
from tests.support import AUTH, KICKOFF, START, match_row, seed_match, seed_tournament, stored_job, takeover_route


@pytest.fixture
def app(make_app, settings, standin, db):
    return make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tournament(db):
    return seed_tournament(db)


def tick(client) -> dict:
    response = client.post("/internal/tick/matches", headers=AUTH)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def last_run(client) -> dict:
    return client.get("/internal/runs?limit=1", headers=AUTH).get_json()["runs"][0]


def healthy_rounds(db, standin, tournament, numbers=(2, 3)):
    for number in numbers:
        seed_match(db, tournament, number * 100, round_number=number)
        standin.round(
            round_path(17, 100, number),
            [event(number * 100, 100, start=KICKOFF, home=final_score(1), away=final_score(0))],
        )


def ended_with(**override):
    return {**event(1, 100, start=KICKOFF, home=final_score(2), away=final_score(0)), **override}


@pytest.mark.parametrize(
    "poison, reason",
    [
        (ended_with(homeScore=final_score(2**31)), "homeScore.display"),
        (ended_with(awayScore={"display": 1, "normaltime": 10**10}), "awayScore.normaltime"),
        (ended_with(startTimestamp=10**13), "startTimestamp"),
        (ended_with(startTimestamp=-(10**12)), "startTimestamp"),
        (ended_with(id=2**63), "events.0.id"),
        (ended_with(status={"code": 100.0}), "status.code"),
    ],
)
def test_a_value_the_schema_once_let_through_fails_its_round_only(client, db, standin, tournament, poison, reason):
    seed_match(db, tournament, 1)
    healthy_rounds(db, standin, tournament)
    standin.round(round_path(17, 100, 1), [poison])
    summary = tick(client)
    assert (summary["rounds_failed"], summary["rounds_processed"]) == (1, 2)
    assert match_row(db, 1)["status"] == "open" and match_row(db, 200)["status"] == "ended"
    [error] = last_run(client)["errors"]
    assert (
        error["round"] == f"{tournament['id']}/1//"
        and "malformed payload" in error["error"]
        and reason in error["error"]
    )
    assert (
        db.execute("select state from queue_job where singleton_key = %s", (error["round"],)).fetchone()["state"]
        == "failed"
    )


def test_an_unreadable_event_of_an_unknown_match_is_ignored(client, db, standin, tournament):
    seed_match(db, tournament, 1)
    standin.round(
        round_path(17, 100, 1),
        [
            event(1, 100, start=KICKOFF, home=final_score(2), away=final_score(0)),
            {**event(999, 100, start=KICKOFF, home=final_score(2**40), away={}), "homeTeam": None},
        ],
    )
    summary = tick(client)
    assert summary["rounds_processed"] == 1 and match_row(db, 1)["status"] == "ended"


def test_a_repeated_event_counts_once_and_its_last_copy_wins(client, db, standin, tournament):
    for event_id in range(1, 7):
        seed_match(db, tournament, event_id)
    events = [event(i, 100, start=KICKOFF, home=final_score(1), away=final_score(0)) for i in range(1, 7)]
    events.append(event(3, 100, start=KICKOFF, home=final_score(4), away=final_score(4)))
    standin.round(round_path(17, 100, 1), events)
    summary = tick(client)
    assert summary["matches_ended"] == 6 and summary["matches_checked"] == 6
    assert (match_row(db, 3)["home_score"], match_row(db, 3)["away_score"]) == (4, 4)


def test_an_absurd_retry_after_is_clamped_to_the_budget_and_defers(client, db, standin, tournament, sleep):
    seed_match(db, tournament, 1)
    healthy_rounds(db, standin, tournament, numbers=(2,))
    standin.respond(round_path(17, 100, 1), error_response(429, {"Retry-After": "1e12"}))
    summary = tick(client)
    assert (summary["rounds_deferred"], summary["rounds_processed"]) == (1, 1)
    job = db.execute("select state, start_after from queue_job where singleton_key like '%/1//'").fetchone()
    assert job["state"] == "retry" and job["start_after"] == START + timedelta(seconds=240), (
        "waits the budget, not 30,000 years"
    )


def test_a_round_the_database_rejects_fails_alone_with_its_traceback(client, db, standin, tournament, sentry_events):
    seed_match(db, tournament, 1)
    healthy_rounds(db, standin, tournament)
    standin.round(round_path(17, 100, 1), [event(1, 100, start=KICKOFF, home=final_score(7), away=final_score(0))])
    db.execute("alter table match add constraint reject_seven check (home_score is distinct from 7)")
    try:
        summary = tick(client)
    finally:
        db.execute("alter table match drop constraint reject_seven")
    assert (summary["rounds_failed"], summary["rounds_processed"]) == (1, 2)
    assert match_row(db, 1)["status"] == "open" and match_row(db, 1)["last_checked_at"] == START
    [error] = last_run(client)["errors"]
    assert error["error"].startswith("CheckViolation") and "reject_seven" in error["error"]
    [sentry_event] = sentry_events.errors()
    assert sentry_event["exception"]["values"][-1]["type"] == "CheckViolation"
    assert sentry_event["exception"]["values"][-1]["stacktrace"]["frames"], "the traceback travels"
    assert sentry_event["tags"]["round"] == f"{tournament['id']}/1//"
    assert sentry_event["fingerprint"] == ["matches-item-failed", f"{tournament['id']}/1//", "CheckViolation"]


@pytest.fixture
def queue_app(make_app, settings, standin, db, queue_url):
    """The app on each queue backend."""
    return make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url, queue_url=queue_url))


def test_a_job_that_expired_into_failed_is_reported_like_any_final_failure(
    queue_app, db, standin, tournament, clock, sentry_events
):
    seed_match(db, tournament, 1)
    key = f"{tournament['id']}/1//"
    queue = services_of(queue_app).queue
    data = {
        "tournament_id": tournament["id"],
        "round_number": 1,
        "round_slug": None,
        "round_prefix": None,
        "sofascore_unique_tournament_id": 17,
        "sofascore_season_id": 100,
    }
    job_id = queue.send(ROUND_JOB, data, singleton_key=key, retry_limit=0, expire_in=300)
    queue.fetch(ROUND_JOB, singleton_keys=[key], limit=1)  # a tick claimed it, then was killed
    clock.advance(301)
    client = queue_app.test_client()
    summary = tick(client)
    assert (summary["rounds_due"], summary["rounds_failed"], summary["rounds_skipped"]) == (1, 1, 0)
    run = last_run(client)
    assert run["outcome"] == "partial"
    assert run["errors"][0]["round"] == key and run["errors"][0]["error"].startswith("expired")
    assert match_row(db, 1)["last_checked_at"] == clock()
    assert [e["tags"]["round"] for e in sentry_events.errors()] == [key]
    assert standin.counts == {} and stored_job(queue, job_id).state == "failed"


def test_a_waiting_job_whose_round_stopped_being_due_is_cancelled_and_old_jobs_pruned(
    make_app, settings, db, standin, tournament, clock, queue_url
):
    app = make_app(
        dataclasses.replace(
            settings, sofascore_base_url=standin.base_url, queue_url=queue_url, tick_matches_budget_seconds=40
        )
    )
    client, queue = app.test_client(), services_of(app).queue
    key = f"{tournament['id']}/1//"
    seed_match(db, tournament, 1)
    standin.respond(round_path(17, 100, 1), error_response(500))
    assert tick(client)["rounds_deferred"] == 1, "its retry wait would cross the budget"
    assert queue.active_keys(ROUND_JOB, singleton_keys=[key]) == set()
    waiting = stored_job(queue, "1")  # the first job of a fresh queue, on either backend
    assert (waiting.singleton_key, waiting.state) == (key, "retry")
    db.execute("update match set start_time = %s", (START + timedelta(days=7),))  # kick-off moved a week
    clock.advance(600)
    assert tick(client)["rounds_due"] == 0
    assert stored_job(queue, waiting.id).state == "cancelled"
    clock.advance(31 * 24 * 3600)
    tick(client)
    assert stored_job(queue, waiting.id) is None, "finished jobs older than RUNS_RETENTION_DAYS are pruned"


@pytest.mark.parametrize("status", [500, 404])
def test_a_tick_whose_claim_was_taken_over_writes_and_reports_nothing(
    queue_app, db, standin, tournament, clock, sentry_events, status
):
    seed_match(db, tournament, 1)
    services = services_of(queue_app)
    route, b_summaries = takeover_route(
        clock,
        services,
        expiry_seconds=services.settings.tick_matches_budget_seconds + EXPIRY_MARGIN_SECONDS,
        first=error_response(status),
        then=json_response({"events": [event(1, 100, start=KICKOFF, home=final_score(1), away=final_score(0))]}),
    )
    standin._routes[round_path(17, 100, 1)] = route
    summary = tick(queue_app.test_client())
    assert b_summaries[0]["rounds_processed"] == 1
    assert (summary["rounds_skipped"], summary["rounds_failed"], summary["matches_checked"]) == (1, 0, 0)
    assert last_run(queue_app.test_client())["errors"] == [] and sentry_events.errors() == []
    assert standin.counts[round_path(17, 100, 1)] == 2, "A's one attempt, B's one"


def test_slug_and_prefix_are_encoded_in_the_provider_url(client, db, standin):
    cup = seed_tournament(db, utid=7, sid=5, name="Cup")
    seed_match(db, cup, 1, round_number=2, round_slug="semi final/2", round_prefix="Play?offs")
    sent = "/api/v1/unique-tournament/7/season/5/events/round/2/slug/semi%20final%2F2/prefix/Play%3Foffs"
    standin.respond(
        "/api/v1/unique-tournament/7/season/5/events/round/2/slug/semi final/2/prefix/Play?offs",
        json_response({"events": [event(1, 0, start=KICKOFF)]}),
    )
    assert tick(client)["rounds_processed"] == 1
    assert [r.environ["REQUEST_URI"] for r in standin.requests] == [sent]


class ClosingSession(requests.Session):
    """A real requests session that records whether it was closed."""

    opened: list["ClosingSession"] = []

    def __init__(self):
        super().__init__()
        self.closed = False
        ClosingSession.opened.append(self)

    def close(self):
        self.closed = True
        super().close()


def test_each_tick_closes_its_http_session_even_when_a_round_fails(make_app, settings, db, standin, tournament):
    ClosingSession.opened = []
    app = make_app(
        dataclasses.replace(settings, sofascore_base_url=standin.base_url), HTTP_SESSION_FACTORY=ClosingSession
    )
    seed_match(db, tournament, 1)
    standin.respond(round_path(17, 100, 1), error_response(404))
    for _ in range(2):
        tick(app.test_client())
    assert len(ClosingSession.opened) == 2 and all(session.closed for session in ClosingSession.opened)
