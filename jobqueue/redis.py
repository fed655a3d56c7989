"""The same queue contract on Redis (`QUEUE_URL=redis://…`): each operation is one atomic
Lua script. Times come from the injected clock as Unix seconds. Results stay in PostgreSQL,
guarded by the fencing token each claim carries (jobqueue/base.py).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import redis

from jobqueue.base import EXPIRED_ERROR, FailOutcome, Failure, Job, QueueBackend, QueueUnavailable, fence_token

P = ParamSpec("P")
R = TypeVar("R")

# KEYS: seq, singletons, waiting, active, job-prefix.
# ARGV: key, data, retry_limit, retry_delay, expire_in, start_after, now, name
_SEND = """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return false end
local id = tostring(redis.call('INCR', KEYS[1]))
redis.call('HSET', KEYS[5] .. id, 'id', id, 'singleton_key', ARGV[1], 'data', ARGV[2], 'state', 'created',
  'retry_count', 0, 'retry_limit', ARGV[3], 'retry_delay', ARGV[4], 'expire_in', ARGV[5],
  'start_after', ARGV[6], 'created_at', ARGV[7], 'name', ARGV[8])
redis.call('HSET', KEYS[2], ARGV[1], id)
redis.call('ZADD', KEYS[3], ARGV[6], id)
return id
"""

# KEYS: singletons, waiting, active, finished, job-prefix. ARGV: now, error. Returns the ids that failed.
_EXPIRE = """
local now = tonumber(ARGV[1])
local failed = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  local job = KEYS[5] .. id
  local count = tonumber(redis.call('HGET', job, 'retry_count')) + 1
  redis.call('ZREM', KEYS[3], id)
  redis.call('HSET', job, 'retry_count', count, 'last_error', ARGV[2], 'claim_id', '')
  if count > tonumber(redis.call('HGET', job, 'retry_limit')) then
    redis.call('HSET', job, 'state', 'failed', 'completed_at', now)
    redis.call('HDEL', KEYS[1], redis.call('HGET', job, 'singleton_key'))
    redis.call('ZADD', KEYS[4], now, id)
    table.insert(failed, id)
  else
    redis.call('HSET', job, 'state', 'retry', 'start_after', now)
    redis.call('ZADD', KEYS[2], now, id)
  end
end
return failed
"""

# KEYS: waiting, active, job-prefix. ARGV: now, limit, wanted keys (json list), fence token of now
_FETCH = """
local now = tonumber(ARGV[1])
local token = tonumber(ARGV[4])
local wanted = {}
for _, key in ipairs(cjson.decode(ARGV[3])) do wanted[key] = true end
local claimed = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  if #claimed >= tonumber(ARGV[2]) then break end
  local job = KEYS[3] .. id
  if wanted[redis.call('HGET', job, 'singleton_key')] then
    redis.call('ZREM', KEYS[1], id)
    local expire_at = now + tonumber(redis.call('HGET', job, 'expire_in'))
    local claim = redis.call('HINCRBY', job, 'claims', 1)
    local fence = math.max(token, (tonumber(redis.call('HGET', job, 'fence')) or 0) + 1)
    redis.call('HSET', job, 'state', 'active', 'expire_at', expire_at, 'claim_id', claim,
               'fence', string.format('%.0f', fence))
    redis.call('ZADD', KEYS[2], expire_at, id)
    table.insert(claimed, id)
  end
end
return claimed
"""

# KEYS: singletons, active, finished, job, completed-by-key. ARGV: claim id, now
_COMPLETE = """
if redis.call('HGET', KEYS[4], 'state') ~= 'active'
   or redis.call('HGET', KEYS[4], 'claim_id') ~= ARGV[1] then return 0 end
local id = redis.call('HGET', KEYS[4], 'id')
local key = redis.call('HGET', KEYS[4], 'singleton_key')
redis.call('HSET', KEYS[4], 'state', 'completed', 'completed_at', ARGV[2], 'claim_id', '')
redis.call('ZREM', KEYS[2], id)
redis.call('ZADD', KEYS[3], ARGV[2], id)
redis.call('HDEL', KEYS[1], key)
redis.call('HSET', KEYS[5], key, ARGV[2])
return 1
"""

# KEYS: singletons, waiting, active, finished, job.
# ARGV: now, error, retry_in ('' = job delay), final ('1'/'0'), claim id
_FAIL = """
if redis.call('HGET', KEYS[5], 'state') ~= 'active'
   or redis.call('HGET', KEYS[5], 'claim_id') ~= ARGV[5] then return 'lost' end
local id = redis.call('HGET', KEYS[5], 'id')
local count = tonumber(redis.call('HGET', KEYS[5], 'retry_count')) + 1
redis.call('ZREM', KEYS[3], id)
redis.call('HSET', KEYS[5], 'retry_count', count, 'last_error', ARGV[2], 'claim_id', '')
if ARGV[4] == '1' or count > tonumber(redis.call('HGET', KEYS[5], 'retry_limit')) then
  redis.call('HSET', KEYS[5], 'state', 'failed', 'completed_at', ARGV[1])
  redis.call('HDEL', KEYS[1], redis.call('HGET', KEYS[5], 'singleton_key'))
  redis.call('ZADD', KEYS[4], ARGV[1], id)
  return 'failed'
end
local delay = tonumber(ARGV[3]) or tonumber(redis.call('HGET', KEYS[5], 'retry_delay'))
local start_after = tonumber(ARGV[1]) + delay
redis.call('HSET', KEYS[5], 'state', 'retry', 'start_after', start_after)
redis.call('ZADD', KEYS[2], start_after, id)
return 'retry'
"""

# KEYS: waiting, active, job. ARGV: claim id
_RELEASE = """
if redis.call('HGET', KEYS[3], 'state') ~= 'active'
   or redis.call('HGET', KEYS[3], 'claim_id') ~= ARGV[1] then return 0 end
local id = redis.call('HGET', KEYS[3], 'id')
local state = 'created'
if tonumber(redis.call('HGET', KEYS[3], 'retry_count')) > 0 then state = 'retry' end
redis.call('HSET', KEYS[3], 'state', state, 'claim_id', '')
redis.call('ZREM', KEYS[2], id)
redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[3], 'start_after'), id)
return 1
"""

# KEYS: singletons, waiting, finished, job-prefix. ARGV: now, keys to keep (json list)
_CANCEL_WAITING = """
local keep = {}
for _, key in ipairs(cjson.decode(ARGV[2])) do keep[key] = true end
local cancelled = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local job = KEYS[4] .. id
  local key = redis.call('HGET', job, 'singleton_key')
  if not keep[key] then
    redis.call('ZREM', KEYS[2], id)
    redis.call('HSET', job, 'state', 'cancelled', 'completed_at', ARGV[1])
    redis.call('HDEL', KEYS[1], key)
    redis.call('ZADD', KEYS[3], ARGV[1], id)
    cancelled = cancelled + 1
  end
end
return cancelled
"""

# KEYS: finished, job-prefix. ARGV: finished before (exclusive)
_PRUNE = """
local pruned = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])) do
  redis.call('DEL', KEYS[2] .. id)
  redis.call('ZREM', KEYS[1], id)
  pruned = pruned + 1
end
return pruned
"""


def _reachable(method: Callable[P, R]) -> Callable[P, R]:
    """Redis being unreachable is the queue being unavailable, whatever the operation."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            raise QueueUnavailable(f"queue unavailable: {type(exc).__name__}: {exc}") from exc

    return wrapper


def job_from_hash(raw: dict[bytes, bytes]) -> Job | None:
    """A job's hash as the contract's Job; None for a job that is not there."""
    if not raw:
        return None
    row = {key.decode(): value.decode() for key, value in raw.items()}
    return Job(
        id=row["id"],
        name=row["name"],
        singleton_key=row["singleton_key"],
        data=json.loads(row["data"]),
        state=row["state"],
        retry_count=int(row["retry_count"]),
        retry_limit=int(row["retry_limit"]),
        start_after=datetime.fromtimestamp(float(row["start_after"]), tz=UTC),
        last_error=row.get("last_error"),
        claim_id=row.get("claim_id") or None,
        fence=int(row["fence"]) if row.get("fence") else None,
    )


def _timestamp(moment: datetime) -> float:
    return moment.timestamp()


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisQueue:
    """Queue on Redis."""

    def __init__(self, client: Any, *, clock: Callable[[], datetime], prefix: str = "queue"):
        self.redis = client
        self.clock = clock
        self.prefix = prefix
        self._send = client.register_script(_SEND)
        self._expire = client.register_script(_EXPIRE)
        self._fetch = client.register_script(_FETCH)
        self._complete = client.register_script(_COMPLETE)
        self._fail = client.register_script(_FAIL)
        self._release = client.register_script(_RELEASE)
        self._cancel_waiting = client.register_script(_CANCEL_WAITING)
        self._prune = client.register_script(_PRUNE)

    def _keys(self, name: str) -> dict[str, str]:
        base = f"{self.prefix}:{name}"
        return {
            "seq": f"{self.prefix}:seq",
            "singletons": f"{base}:singletons",
            "waiting": f"{base}:waiting",
            "active": f"{base}:active",
            "finished": f"{base}:finished",
            "completed_by_key": f"{base}:completed",
            "job": f"{self.prefix}:job:",
        }

    def _now(self) -> float:
        return _timestamp(self.clock())

    def _jobs(self, job_ids: list) -> list[Job]:
        """The jobs a script just returned the ids of, one read each."""
        jobs = (job_from_hash(self.redis.hgetall(f"{self.prefix}:job:{_text(job_id)}")) for job_id in job_ids)
        return [job for job in jobs if job is not None]

    @_reachable
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
        k = self._keys(name)
        now = self._now()
        job_id = self._send(
            keys=[k["seq"], k["singletons"], k["waiting"], k["active"], k["job"]],
            args=[
                singleton_key,
                json.dumps(data),
                retry_limit,
                retry_delay,
                expire_in,
                _timestamp(start_after) if start_after else now,
                now,
                name,
            ],
        )
        return None if job_id is None else _text(job_id)

    @_reachable
    def expire(self, name: str) -> list[Job]:
        k = self._keys(name)
        ids = self._expire(
            keys=[k["singletons"], k["waiting"], k["active"], k["finished"], k["job"]],
            args=[self._now(), EXPIRED_ERROR],
        )
        return self._jobs(ids)

    @_reachable
    def fetch(self, name: str, *, singleton_keys: list[str], limit: int) -> list[Job]:
        k = self._keys(name)
        now = self.clock()
        ids = self._fetch(
            keys=[k["waiting"], k["active"], k["job"]],
            args=[_timestamp(now), limit, json.dumps(list(singleton_keys)), fence_token(now)],
        )
        return self._jobs(ids)

    @_reachable
    def complete(self, job: Job) -> bool:
        k = self._keys(job.name)
        return (
            self._complete(
                keys=[k["singletons"], k["active"], k["finished"], f"{k['job']}{job.id}", k["completed_by_key"]],
                args=[job.claim_id, self._now()],
            )
            == 1
        )

    @_reachable
    def fail(self, job: Job, *, error: str, retry_in: float | None = None, final: bool = False) -> FailOutcome:
        k = self._keys(job.name)
        state = self._fail(
            keys=[k["singletons"], k["waiting"], k["active"], k["finished"], f"{k['job']}{job.id}"],
            args=[self._now(), error, "" if retry_in is None else retry_in, "1" if final else "0", job.claim_id],
        )
        return FailOutcome(_text(state))

    @_reachable
    def release(self, job: Job) -> None:
        k = self._keys(job.name)
        self._release(keys=[k["waiting"], k["active"], f"{k['job']}{job.id}"], args=[job.claim_id])

    @_reachable
    def cancel_waiting(self, name: str, *, keep_keys: list[str]) -> int:
        k = self._keys(name)
        return int(
            self._cancel_waiting(
                keys=[k["singletons"], k["waiting"], k["finished"], k["job"]],
                args=[self._now(), json.dumps(list(keep_keys))],
            )
        )

    @_reachable
    def prune(self, name: str, *, finished_before: datetime) -> int:
        k = self._keys(name)
        return int(self._prune(keys=[k["finished"], k["job"]], args=[_timestamp(finished_before)]))

    @_reachable
    def active_keys(self, name: str, *, singleton_keys: list[str]) -> set[str]:
        k = self._keys(name)
        now = self._now()
        held: set[str] = set()
        for key in singleton_keys:
            job_id = self.redis.hget(k["singletons"], key)
            if job_id is None:
                continue
            state, expire_at = self.redis.hmget(f"{k['job']}{_text(job_id)}", "state", "expire_at")
            if state == b"active" and float(expire_at) > now:
                held.add(key)
        return held

    @_reachable
    def ping(self) -> None:
        self.redis.ping()

    def _read(self, job_ids: list) -> list[tuple[Job, float | None]]:
        """Jobs with their completion time, in one round trip (operators' reads)."""
        pipeline = self.redis.pipeline(transaction=False)
        for job_id in job_ids:
            pipeline.hgetall(f"{self.prefix}:job:{_text(job_id)}")
        return [
            (job, float(raw[b"completed_at"]) if b"completed_at" in raw else None)
            for raw in pipeline.execute()
            if (job := job_from_hash(raw)) is not None
        ]

    def _finished_since(self, name: str, since: datetime) -> list[tuple[Job, float | None]]:
        return self._read(self.redis.zrangebyscore(self._keys(name)["finished"], _timestamp(since), "+inf"))

    @_reachable
    def failures(self, name: str, *, since: datetime, limit: int) -> list[Failure]:
        latest: dict[str, tuple[Job, float]] = {}
        for job, failed_at in self._finished_since(name, since):  # oldest first: the last one per key wins
            if job.state == "failed" and failed_at is not None:  # a failed job always has its time
                latest[job.singleton_key] = (job, failed_at)
        keys = list(latest)
        completed = (
            dict(zip(keys, self.redis.hmget(self._keys(name)["completed_by_key"], keys), strict=True)) if keys else {}
        )
        failures = [
            Failure(
                singleton_key=key,
                data=job.data,
                attempts=job.retry_count,
                last_error=job.last_error,
                failed_at=datetime.fromtimestamp(failed_at, tz=UTC),
                fixed_since=completed[key] is not None and float(completed[key]) > failed_at,
            )
            for key, (job, failed_at) in latest.items()
        ]
        return sorted(failures, key=lambda f: f.failed_at, reverse=True)[:limit]

    @_reachable
    def counts(self, name: str, *, since: datetime) -> dict[str, int]:
        k = self._keys(name)
        jobs = self._finished_since(name, since) + self._read(self.redis.zrange(k["waiting"], 0, -1))
        counts: dict[str, int] = {}
        for job, _ in jobs:
            counts[job.state] = counts.get(job.state, 0) + 1
        active = self.redis.zcard(k["active"])
        return {**counts, "active": active} if active else counts

    @_reachable
    def oldest_waiting(self, name: str) -> Job | None:
        first = self._jobs(self.redis.zrange(self._keys(name)["waiting"], 0, 0))
        return first[0] if first else None


def connect(url: str) -> redis.Redis:
    """A client for QUEUE_URL with short timeouts: an unreachable Redis fails fast (503), never hangs a tick."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


if TYPE_CHECKING:

    def _keeps_the_contract(queue: RedisQueue) -> QueueBackend:
        """Never called: mypy checks here that this backend serves both protocols."""
        return queue
