"""The round queue on both backends, in the same run: send + claim + complete of 1,000
round jobs one after another, and 5 concurrent claimers draining 1,000 jobs. Each figure is
reported as a ratio to the PostgreSQL queue's (the default backend is the baseline).

Claims name every due round's key, as the matches tick does. Redis: BENCH_REDIS_URL
(default redis://127.0.0.1:6379/13, flushed); skipped where it does not answer.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import redis

from bench.common import bench_database
from database.pool import open_pool
from jobqueue.base import WorkerQueue
from jobqueue.postgres import PostgresQueue
from jobqueue.redis import RedisQueue

JOBS = 1000
CLAIMERS = 5
NAME = "matches.round"
KEYS = [f"{1 + i % 200}/{i}//" for i in range(JOBS)]


def _clock() -> datetime:
    return datetime.now(UTC)


def _send_all(queue: WorkerQueue) -> None:
    for key in KEYS:
        queue.send(NAME, {"key": key}, singleton_key=key, retry_limit=3, expire_in=300)


def sequential(queue: WorkerQueue) -> float:
    """Seconds to send, claim and complete every job, one at a time."""
    started = time.perf_counter()
    _send_all(queue)
    while claimed := queue.fetch(NAME, singleton_keys=KEYS, limit=1):
        assert queue.complete(claimed[0])
    return time.perf_counter() - started


def concurrent(queue: WorkerQueue) -> tuple[float, Counter]:
    """Seconds for CLAIMERS threads to drain the queue; how often each job was completed."""
    _send_all(queue)
    completed: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(CLAIMERS)

    def claimer() -> None:
        barrier.wait()
        while claimed := queue.fetch(NAME, singleton_keys=KEYS, limit=1):
            if queue.complete(claimed[0]):
                with lock:
                    completed[claimed[0].singleton_key] += 1

    threads = [threading.Thread(target=claimer) for _ in range(CLAIMERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, completed


def _measure(make_queue, reset) -> dict:
    reset()
    seconds = sequential(make_queue())
    reset()
    drained, completed = concurrent(make_queue())
    assert len(completed) == JOBS and set(completed.values()) == {1}, "every job completed exactly once"
    return {"sequential_s": seconds, "concurrent_s": drained}


def run() -> dict:
    results: dict = {}
    with bench_database() as url:
        pool = open_pool(url, max_size=CLAIMERS + 2, timeout=10)
        try:

            def reset_postgres() -> None:
                with pool.connection() as conn:
                    conn.execute("truncate queue_job")

            results["postgres"] = _measure(lambda: PostgresQueue(pool, clock=_clock), reset_postgres)
        finally:
            pool.close()
    client = redis.Redis.from_url(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        return results
    try:
        results["redis"] = _measure(lambda: RedisQueue(client, clock=_clock), client.flushdb)
    finally:
        client.flushdb()
    return results


def report(results: dict) -> str:
    base = results["postgres"]
    lines = [
        f"round queue: {JOBS:,} jobs; ratios to the PostgreSQL queue measured in the same run",
        f"  {'backend':<10} {'send+claim+complete, sequential':>34} {f'{CLAIMERS} concurrent claimers':>26}",
    ]
    for backend, figures in results.items():
        seq, conc = figures["sequential_s"], figures["concurrent_s"]
        lines.append(
            f"  {backend:<10} {seq:>12.2f} s ({seq / base['sequential_s']:.2f}x, {JOBS / seq:,.0f} jobs/s)"
            f" {conc:>9.2f} s ({conc / base['concurrent_s']:.2f}x, {JOBS / conc:,.0f} jobs/s)"
        )
    if "redis" not in results:
        lines.append("  redis: skipped (no Redis at BENCH_REDIS_URL)")
    lines.append("  every job was completed exactly once under concurrency, on each backend")
    return "\n".join(lines)
