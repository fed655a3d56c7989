"""What the services need from the outside, built once from the Flask app (or a test)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from flask import Flask
from psycopg_pool import ConnectionPool

from config import Settings
from jobqueue.base import Queue
from jobqueue.postgres import PostgresQueue
from jobqueue.redis import RedisQueue
from provider.ratelimit import RateLimiter
from provider.sofascore import SofaScoreProvider, make_http_session


@dataclass(frozen=True)
class Dependencies:
    pool: ConnectionPool
    settings: Settings
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    http_session_factory: Callable[[], Any]
    redis: Any = None  # the QUEUE_URL client, when the queue lives in Redis

    @classmethod
    def from_app(cls, app: Flask) -> "Dependencies":
        settings: Settings = app.config["SETTINGS"]
        return cls(
            pool=app.extensions["db_pool"],
            settings=settings,
            clock=app.config["CLOCK"],
            sleep=app.config["SLEEP"],
            http_session_factory=app.config["HTTP_SESSION_FACTORY"]
            or (lambda: make_http_session(settings.provider_http_session)),
            redis=app.extensions.get("queue_redis"),
        )

    def provider(self) -> SofaScoreProvider:
        """A provider with its own rate limiter: PROVIDER_MAX_RPS holds per tick."""
        limiter = RateLimiter(self.settings.provider_max_rps, clock=self.clock, sleep=self.sleep)
        return SofaScoreProvider(base_url=self.settings.sofascore_base_url, session=self.http_session_factory(),
                                 timeout=self.settings.provider_timeout_seconds, limiter=limiter, clock=self.clock)

    def queue(self) -> Queue:
        """The round queue: Redis when QUEUE_URL names it, else the database's own tables."""
        if self.redis is not None:
            return RedisQueue(self.redis, clock=self.clock)
        return PostgresQueue(self.pool, clock=self.clock)
