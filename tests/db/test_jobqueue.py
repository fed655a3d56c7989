"""Contract tests of the job queue, run against every implementation (the seam)."""

from datetime import timedelta

import pytest

from bootstrap import services_of
from jobqueue.base import FailOutcome
from jobqueue.postgres import PostgresQueue
from jobqueue.redis import RedisQueue
from tests.support import START, stored_job


@pytest.fixture
def pg_queue(app, clock):
    return PostgresQueue(services_of(app).pool, clock=clock)


@pytest.fixture
def redis_queue(clean_redis, clock):
    return RedisQueue(clean_redis, clock=clock)


@pytest.fixture(params=["pg", "redis"])
def queue(request):
    return request.getfixturevalue(f"{request.param}_queue")


def send(queue, key="round-1", **overrides):
    options = {"retry_limit": 2, "retry_delay": 30, "expire_in": 300, **overrides}
    return queue.send("round", {"key": key}, singleton_key=key, **options)


def test_send_is_singleton_while_unfinished(queue):
    first = send(queue)
    assert first is not None
    assert send(queue) is None
    [job] = queue.fetch("round", singleton_keys=["round-1"], limit=5)
    assert send(queue) is None, "an active job still holds the key"
    assert queue.complete(job)
    assert send(queue) is not None, "a finished job frees the key"


def test_fetch_claims_only_wanted_keys_and_never_twice(queue):
    for key in ("a", "b", "c"):
        send(queue, key)
    claimed = queue.fetch("round", singleton_keys=["a", "b"], limit=5)
    assert sorted(job.singleton_key for job in claimed) == ["a", "b"]
    assert all(job.state == "active" and job.data == {"key": job.singleton_key} for job in claimed)
    assert queue.fetch("round", singleton_keys=["a", "b"], limit=5) == []
    assert queue.active_keys("round", singleton_keys=["a", "b", "c"]) == {"a", "b"}


def test_fetch_respects_the_limit_in_start_order_and_takes_only_jobs_whose_start_has_come(queue, clock):
    send(queue, "late", start_after=START + timedelta(seconds=60))
    send(queue, "early", start_after=START - timedelta(seconds=5))
    send(queue, "now")
    assert [job.singleton_key for job in queue.fetch("round", singleton_keys=["late", "early", "now"], limit=1)] == [
        "early"
    ]
    assert [job.singleton_key for job in queue.fetch("round", singleton_keys=["late", "early", "now"], limit=5)] == [
        "now"
    ]
    clock.advance(60)
    assert [job.singleton_key for job in queue.fetch("round", singleton_keys=["late"], limit=5)] == ["late"]


def test_fail_retries_with_delay_until_the_limit_then_keeps_the_failed_job(queue, clock):
    job_id = send(queue)
    for attempt in (1, 2):
        [job] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
        assert job.retry_count == attempt - 1
        assert queue.fail(job, error=f"boom {attempt}") is FailOutcome.RETRY
        assert stored_job(queue, job_id).start_after == clock() + timedelta(seconds=30)
        clock.advance(29)
        assert queue.fetch("round", singleton_keys=["round-1"], limit=1) == [], "waits out its delay"
        clock.advance(1)
    [job] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    assert queue.fail(job, error="boom 3") is FailOutcome.FAILED
    failed = stored_job(queue, job_id)
    assert (failed.state, failed.retry_count, failed.last_error) == ("failed", 3, "boom 3")
    assert queue.fetch("round", singleton_keys=["round-1"], limit=1) == []


def test_fail_with_explicit_wait_and_final(queue, clock):
    job_id = send(queue)
    [job] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    queue.fail(job, error="429", retry_in=90)
    assert stored_job(queue, job_id).start_after == clock() + timedelta(seconds=90)
    clock.advance(90)
    [job] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    assert queue.fail(job, error="404", final=True) is FailOutcome.FAILED


def test_release_gives_a_job_back_without_counting_an_attempt(queue):
    job_id = send(queue)
    [job] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    queue.release(job)
    again = stored_job(queue, job_id)
    assert (again.state, again.retry_count) == ("created", 0)
    assert [j.id for j in queue.fetch("round", singleton_keys=["round-1"], limit=1)] == [job_id]


def test_a_job_stuck_active_past_expiry_is_offered_again_with_one_attempt_counted(queue, clock):
    job_id = send(queue, expire_in=300)
    queue.fetch("round", singleton_keys=["round-1"], limit=1)
    clock.advance(299)
    assert queue.expire("round") == []
    assert queue.fetch("round", singleton_keys=["round-1"], limit=1) == []
    clock.advance(2)
    assert queue.expire("round") == [], "attempts remain: back to retry, nothing to report"
    [job] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    assert job.id == job_id and job.retry_count == 1
    assert job.last_error.startswith("expired")


def test_an_expired_job_out_of_attempts_is_failed_and_returned_for_reporting(queue, clock):
    job_id = send(queue, retry_limit=0, expire_in=10)
    queue.fetch("round", singleton_keys=["round-1"], limit=1)
    clock.advance(11)
    [failed] = queue.expire("round")
    assert (failed.id, failed.state, failed.singleton_key, failed.retry_count) == (job_id, "failed", "round-1", 1)
    assert failed.last_error.startswith("expired")
    assert queue.fetch("round", singleton_keys=["round-1"], limit=1) == []
    assert stored_job(queue, job_id).state == "failed"
    assert send(queue) is not None, "a failed job frees its key"


def test_waiting_jobs_no_longer_wanted_are_cancelled_and_free_their_key(queue, clock):
    stale = send(queue, "moved-away")
    kept = send(queue, "still-due")
    active = send(queue, "in-flight")
    queue.fetch("round", singleton_keys=["in-flight"], limit=1)
    assert queue.cancel_waiting("round", keep_keys=["still-due"]) == 1
    assert [stored_job(queue, job_id).state for job_id in (stale, kept, active)] == ["cancelled", "created", "active"]
    assert send(queue, "moved-away") is not None


def test_finished_jobs_older_than_the_cut_off_are_pruned(queue, clock):
    old = send(queue, "old")
    [job] = queue.fetch("round", singleton_keys=["old"], limit=1)
    queue.complete(job)
    clock.advance(3600)
    recent = send(queue, "recent")
    [job] = queue.fetch("round", singleton_keys=["recent"], limit=1)
    queue.fail(job, error="404", final=True)
    waiting = send(queue, "waiting")
    assert queue.prune("round", finished_before=clock() - timedelta(seconds=60)) == 1
    assert stored_job(queue, old) is None
    assert stored_job(queue, recent).state == "failed" and stored_job(queue, waiting).state == "created"


def test_every_claim_of_a_round_carries_a_fencing_token_that_grows(queue, clock):
    send(queue, expire_in=10)
    [first] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    queue.release(first)
    [same_instant] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    clock.advance(11)
    queue.expire("round")
    [taken_over] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    assert first.fence < same_instant.fence < taken_over.fence, "grows even when claimed twice at one instant"
    queue.complete(taken_over)
    clock.advance(60)
    send(queue)
    [next_job] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    assert next_job.fence > taken_over.fence, "a later job of the same round claims with a higher token"
    assert isinstance(next_job.fence, int) and next_job.fence == stored_job(queue, next_job.id).fence


def test_a_claim_that_expired_and_was_taken_over_can_no_longer_finish_the_job(queue, clock):
    job_id = send(queue, expire_in=10)
    [stale] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    clock.advance(11)
    queue.expire("round")
    [current] = queue.fetch("round", singleton_keys=["round-1"], limit=1)
    assert current.id == stale.id == job_id and current.claim_id != stale.claim_id
    assert queue.complete(stale) is False
    assert queue.fail(stale, error="late") is FailOutcome.LOST
    queue.release(stale)
    assert stored_job(queue, job_id).state == "active"
    assert queue.complete(current) is True


def test_operators_read_failures_counts_and_the_oldest_waiting_job(queue, clock):
    since = clock()
    for key in ("a", "b"):
        send(queue, key, retry_limit=0)
    [a, b] = queue.fetch("round", singleton_keys=["a", "b"], limit=2)
    queue.fail(a, error="HTTP 500")
    queue.fail(b, error="HTTP 404")
    clock.advance(60)
    send(queue, "a")
    [again] = queue.fetch("round", singleton_keys=["a"], limit=1)
    queue.complete(again)
    send(queue, "later", start_after=clock() + timedelta(minutes=5))
    send(queue, "sooner", start_after=clock() + timedelta(minutes=1))
    send(queue, "held")
    queue.fetch("round", singleton_keys=["held"], limit=1)

    failures = {f.singleton_key: f for f in queue.failures("round", since=since, limit=10)}
    assert set(failures) == {"a", "b"}
    assert (failures["a"].fixed_since, failures["b"].fixed_since) == (True, False)
    assert failures["b"].last_error == "HTTP 404" and failures["b"].attempts == 1 and failures["b"].data == {"key": "b"}
    assert queue.counts("round", since=since) == {"failed": 2, "completed": 1, "created": 2, "active": 1}
    assert queue.counts("round", since=clock() + timedelta(seconds=1)) == {"created": 2, "active": 1}
    assert queue.oldest_waiting("round").singleton_key == "sooner"
