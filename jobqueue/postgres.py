"""The PostgreSQL queue: claims with FOR UPDATE SKIP LOCKED, times from the injected clock.
The default backend: no extra service to run or pay for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from psycopg.types.json import Jsonb

from database.pool import Pool
from jobqueue.base import EXPIRED_ERROR, FailOutcome, Failure, Job, QueueBackend, fence_token

SEND = """
insert into queue_job (name, singleton_key, data, retry_limit, retry_delay, expire_in, start_after, created_at)
values (%(name)s, %(key)s, %(data)s, %(retry_limit)s, make_interval(secs => %(retry_delay)s::float8),
        make_interval(secs => %(expire_in)s::float8), %(start_after)s, %(now)s)
on conflict (name, singleton_key) where state in ('created', 'retry', 'active') do nothing
returning id
"""

# A killed worker's job: one failed attempt, then offered again (or failed when out of attempts).
EXPIRE = """
with expired as (
    select id from queue_job
     where name = %(name)s and state = 'active' and expire_at <= %(now)s
     order by id
     for update skip locked
)
update queue_job j
   set state = case when retry_count + 1 > retry_limit then 'failed' else 'retry' end,
       retry_count = retry_count + 1,
       start_after = %(now)s, claim_id = null,
       completed_at = case when retry_count + 1 > retry_limit then %(now)s end,
       last_error = %(error)s
  from expired
 where j.id = expired.id
returning j.*
"""

CANCEL_WAITING = """
with unwanted as (
    select id from queue_job
     where name = %(name)s and state in ('created', 'retry') and not (singleton_key = any(%(keep)s))
     for update skip locked
)
update queue_job j set state = 'cancelled', completed_at = %(now)s
  from unwanted
 where j.id = unwanted.id
"""

PRUNE = """
delete from queue_job
 where name = %(name)s and state in ('completed', 'failed', 'cancelled') and completed_at < %(before)s
"""

FETCH = """
with next_jobs as (
    select id from queue_job
     where name = %(name)s and state in ('created', 'retry') and singleton_key = any(%(keys)s)
       and start_after <= %(now)s
     order by start_after, id
     limit %(limit)s
     for update skip locked
)
update queue_job j
   set state = 'active', started_at = %(now)s, expire_at = %(now)s + j.expire_in, claim_id = gen_random_uuid(),
       fence = greatest(%(fence)s, coalesce(j.fence, 0) + 1)
  from next_jobs
 where j.id = next_jobs.id
returning j.*
"""

COMPLETE = """
update queue_job set state = 'completed', completed_at = %(now)s, claim_id = null
 where id = %(id)s and state = 'active' and claim_id = %(claim_id)s
"""

FAIL = """
update queue_job
   set state = case when %(final)s::boolean or retry_count + 1 > retry_limit then 'failed' else 'retry' end,
       retry_count = retry_count + 1,
       start_after = %(now)s + coalesce(make_interval(secs => %(retry_in)s::float8), retry_delay),
       completed_at = case when %(final)s::boolean or retry_count + 1 > retry_limit then %(now)s end,
       last_error = %(error)s, claim_id = null
 where id = %(id)s and state = 'active' and claim_id = %(claim_id)s
returning state
"""

RELEASE = """
update queue_job set state = case when retry_count > 0 then 'retry' else 'created' end,
       started_at = null, expire_at = null, claim_id = null
 where id = %(id)s and state = 'active' and claim_id = %(claim_id)s
"""

ACTIVE_KEYS = """
select singleton_key from queue_job
 where name = %(name)s and state = 'active' and expire_at > %(now)s and singleton_key = any(%(keys)s)
"""

# What operators read (the pipeline status): each served by an index of sql/002-004.
# The latest failure of each key in the window, and whether a job of it completed since.
FAILURES = """
select f.singleton_key, f.data, f.retry_count, f.last_error, f.completed_at as failed_at,
       exists (select 1 from queue_job c
                where c.name = f.name and c.singleton_key = f.singleton_key
                  and c.state = 'completed' and c.completed_at > f.completed_at) as fixed_since
  from (select distinct on (singleton_key) *
          from queue_job
         where name = %(name)s and state = 'failed' and completed_at >= %(since)s
         order by singleton_key, completed_at desc) as f
 order by f.completed_at desc
 limit %(first)s
"""

COUNTS = """
select state, count(*)::int as jobs from queue_job
 where name = %(name)s and state in ('created', 'retry', 'active')
 group by state
union all
select state, count(*)::int from queue_job
 where name = %(name)s and state in ('completed', 'failed', 'cancelled') and completed_at >= %(since)s
 group by state
"""

OLDEST_WAITING_JOB = """
select * from queue_job
 where name = %(name)s and state in ('created', 'retry')
 order by start_after, id
 limit 1
"""


def job_from_row(row: dict[str, Any]) -> Job:
    """A `queue_job` row as the contract's Job."""
    return Job(
        id=str(row["id"]),
        name=row["name"],
        singleton_key=row["singleton_key"],
        data=row["data"],
        state=row["state"],
        retry_count=row["retry_count"],
        retry_limit=row["retry_limit"],
        start_after=row["start_after"],
        last_error=row["last_error"],
        claim_id=str(row["claim_id"]) if row["claim_id"] else None,
        fence=row["fence"],
    )


class PostgresQueue:
    """Queue on the app's own database."""

    def __init__(self, pool: Pool, *, clock: Callable[[], datetime]):
        self.pool = pool
        self.clock = clock

    def send(
        self,
        name: str,
        data: dict[str, Any],
        *,
        singleton_key: str,
        retry_limit: int,
        retry_delay: float = 0,
        expire_in: float,
        start_after: datetime | None = None,
    ) -> str | None:
        now = self.clock()
        with self.pool.connection() as conn:
            row = conn.execute(
                SEND,
                {
                    "name": name,
                    "key": singleton_key,
                    "data": Jsonb(data),
                    "retry_limit": retry_limit,
                    "retry_delay": retry_delay,
                    "expire_in": expire_in,
                    "start_after": start_after or now,
                    "now": now,
                },
            ).fetchone()
        return str(row["id"]) if row else None

    def expire(self, name: str) -> list[Job]:
        with self.pool.connection() as conn:
            rows = conn.execute(EXPIRE, {"name": name, "now": self.clock(), "error": EXPIRED_ERROR}).fetchall()
        return sorted((job_from_row(r) for r in rows if r["state"] == "failed"), key=lambda job: int(job.id))

    def fetch(self, name: str, *, singleton_keys: list[str], limit: int) -> list[Job]:
        now = self.clock()
        with self.pool.connection() as conn:
            rows = conn.execute(
                FETCH,
                {"name": name, "keys": list(singleton_keys), "limit": limit, "now": now, "fence": fence_token(now)},
            ).fetchall()
        return sorted((job_from_row(r) for r in rows), key=lambda job: (job.start_after, int(job.id)))

    def cancel_waiting(self, name: str, *, keep_keys: list[str]) -> int:
        with self.pool.connection() as conn:
            return conn.execute(CANCEL_WAITING, {"name": name, "keep": list(keep_keys), "now": self.clock()}).rowcount

    def prune(self, name: str, *, finished_before: datetime) -> int:
        with self.pool.connection() as conn:
            return conn.execute(PRUNE, {"name": name, "before": finished_before}).rowcount

    def complete(self, job: Job) -> bool:
        with self.pool.connection() as conn:
            return (
                conn.execute(COMPLETE, {"id": int(job.id), "claim_id": job.claim_id, "now": self.clock()}).rowcount == 1
            )

    def fail(self, job: Job, *, error: str, retry_in: float | None = None, final: bool = False) -> FailOutcome:
        params = {
            "id": int(job.id),
            "claim_id": job.claim_id,
            "now": self.clock(),
            "error": error,
            "retry_in": retry_in,
            "final": final,
        }
        with self.pool.connection() as conn:
            row = conn.execute(FAIL, params).fetchone()
        return FailOutcome(row["state"]) if row else FailOutcome.LOST

    def release(self, job: Job) -> None:
        with self.pool.connection() as conn:
            conn.execute(RELEASE, {"id": int(job.id), "claim_id": job.claim_id})

    def active_keys(self, name: str, *, singleton_keys: list[str]) -> set[str]:
        with self.pool.connection() as conn:
            rows = conn.execute(ACTIVE_KEYS, {"name": name, "keys": list(singleton_keys), "now": self.clock()})
            return {row["singleton_key"] for row in rows}

    def ping(self) -> None:
        """The queue is the database: readiness checks the database already."""

    def failures(self, name: str, *, since: datetime, limit: int) -> list[Failure]:
        with self.pool.connection() as conn:
            rows = conn.execute(FAILURES, {"name": name, "since": since, "first": limit}).fetchall()
        return [
            Failure(
                singleton_key=r["singleton_key"],
                data=r["data"],
                attempts=r["retry_count"],
                last_error=r["last_error"],
                failed_at=r["failed_at"],
                fixed_since=r["fixed_since"],
            )
            for r in rows
        ]

    def counts(self, name: str, *, since: datetime) -> dict[str, int]:
        with self.pool.connection() as conn:
            return {row["state"]: row["jobs"] for row in conn.execute(COUNTS, {"name": name, "since": since})}

    def oldest_waiting(self, name: str) -> Job | None:
        with self.pool.connection() as conn:
            row = conn.execute(OLDEST_WAITING_JOB, {"name": name}).fetchone()
        return job_from_row(row) if row else None


if TYPE_CHECKING:

    def _keeps_the_contract(queue: PostgresQueue) -> QueueBackend:
        """Never called: mypy checks here that this backend serves both protocols."""
        return queue
