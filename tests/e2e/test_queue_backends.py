"""Choosing the queue's backend with QUEUE_URL: Redis going away mid-tick, readiness naming
the dependency that is down, and switching backends with jobs still waiting in the old one."""

import dataclasses
import os
import shutil
import subprocess
import time

import pytest
import redis

from bootstrap import services_of
from config import ConfigError, Settings
from tests.sofascore import error_response, event, final_score, json_response, round_path
from tests.support import AUTH, KICKOFF, free_port, match_row, seed_match, seed_tournament, stored_job


class RedisServer:
    """A Redis server of the test's own, which the test may stop and start again."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)  # polling for a port to open, not synchronising test logic

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis():
    if shutil.which("redis-server") is None:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail("REQUIRE_REDIS is set but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def three_rounds(db, standin):
    tournament = seed_tournament(db)
    for number in (1, 2, 3):
        seed_match(db, tournament, number, round_number=number)
        standin.round(
            round_path(17, 100, number), [event(number, 100, start=KICKOFF, home=final_score(1), away=final_score(0))]
        )
    return tournament


def test_redis_stopping_mid_tick_is_a_503_and_a_failed_run_and_the_next_tick_finishes(
    make_app, settings, db, standin, own_redis
):
    three_rounds(db, standin)
    payload = {"events": [event(2, 100, start=KICKOFF, home=final_score(1), away=final_score(0))]}

    def redis_dies_meanwhile(attempt):
        own_redis.stop()
        return json_response(payload)

    standin._routes[round_path(17, 100, 2)] = redis_dies_meanwhile
    app = make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url, queue_url=own_redis.url))
    client = app.test_client()
    response = client.post("/internal/tick/matches", headers=AUTH)
    assert response.status_code == 503 and response.get_json() == {"error": "queue unavailable"}
    run = db.execute("select outcome, errors from tick_run").fetchone()
    assert run["outcome"] == "failed" and "queue unavailable" in run["errors"][-1]["error"]
    assert [match_row(db, n)["status"] for n in (1, 2, 3)] == ["ended", "ended", "open"], (
        "round 2 was written under its claim before the completion failed; round 3 was never claimed"
    )
    assert match_row(db, 3)["last_checked_at"] is None
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json() == {
        "error": "queue unavailable",
        "details": {"queue": own_redis.url},
    }

    own_redis.start()  # back, and empty: it keeps nothing on disk
    standin.round(round_path(17, 100, 2), payload["events"])
    after = client.post("/internal/tick/matches", headers=AUTH).get_json()
    assert (after["rounds_due"], after["rounds_processed"]) == (1, 1)
    assert [match_row(db, n)["status"] for n in (1, 2, 3)] == ["ended"] * 3
    assert client.get("/readyz").status_code == 200


def test_readiness_names_a_queue_that_does_not_answer(make_app, settings, db):
    app = make_app(dataclasses.replace(settings, queue_url="redis://nowhere.invalid:1/0"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"error": "queue unavailable", "details": {"queue": "redis://nowhere.invalid:1/0"}}
    tick = app.test_client().post("/internal/tick/matches", headers=AUTH)
    assert tick.status_code == 503 and tick.get_json() == {"error": "queue unavailable"}


def test_readiness_never_shows_the_queue_password(make_app, settings, db):
    app = make_app(dataclasses.replace(settings, queue_url="redis://user:s3cret@nowhere.invalid:1/0"))
    response = app.test_client().get("/readyz")
    assert response.get_json()["details"] == {"queue": "redis://user:***@nowhere.invalid:1/0"}


@pytest.mark.parametrize(
    "value", ["http://localhost:6379", "redis://", "redis://host:port", "redis://host/zero", "amqp://guest@localhost"]
)
def test_a_queue_url_that_is_not_redis_stops_start_up(value):
    with pytest.raises(ConfigError, match="QUEUE_URL"):
        Settings.from_env({"QUEUE_URL": value})


def test_switching_backends_abandons_waiting_jobs_safely(
    make_app, settings, db, standin, clock, redis_url, clean_redis
):
    """Jobs left waiting in the old backend are never run by the new one: their rounds are
    still due, so the new backend's next tick queues them afresh."""
    tournament = seed_tournament(db)
    seed_match(db, tournament, 1)
    path = round_path(17, 100, 1)
    standin.respond(path, error_response(500))
    on_postgres = make_app(
        dataclasses.replace(settings, sofascore_base_url=standin.base_url, tick_matches_budget_seconds=40)
    )
    assert on_postgres.test_client().post("/internal/tick/matches", headers=AUTH).get_json()["rounds_deferred"] == 1
    abandoned = stored_job(services_of(on_postgres).queue, "1")
    assert abandoned.state == "retry", "waiting in PostgreSQL for its next attempt"

    standin.round(path, [event(1, 100, start=KICKOFF, home=final_score(3), away=final_score(1))])
    clock.advance(600)
    on_redis = make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url, queue_url=redis_url))
    switched = on_redis.test_client().post("/internal/tick/matches", headers=AUTH).get_json()
    assert (switched["rounds_due"], switched["rounds_processed"]) == (1, 1)
    assert match_row(db, 1)["status"] == "ended"

    clock.advance(600)
    back = make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url))
    assert back.test_client().post("/internal/tick/matches", headers=AUTH).get_json()["rounds_due"] == 0
    assert stored_job(services_of(back).queue, "1").state == "cancelled", (
        "switching back, the old job is cancelled: its round is no longer due"
    )
