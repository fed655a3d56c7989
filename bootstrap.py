"""The composition root: the adapters the services use (pool, clock, sleep, queue, provider,
settings), built once per process, and one method per use case that hands its plain service
function exactly what that function's signature names. Blueprints and commands reach the
database and the services only through here (`services_of(app)`)."""

from __future__ import annotations

import atexit
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from flask import Flask

from config import Settings
from database.embedded import embedded_database_url
from database.migrations import (
    SQL_DIR,
    MigrationCheck,
    MigrationState,
    apply_migrations,
    check_migrations,
    migration_state,
)
from database.pool import Pool, open_pool
from database.removal import remove_pipeline
from jobqueue.base import QueueBackend
from jobqueue.postgres import PostgresQueue
from jobqueue.redis import RedisQueue
from jobqueue.redis import connect as connect_redis
from provider.ratelimit import RateLimiter
from provider.sofascore import SofaScoreProvider, make_http_session
from repositories.matches import DuePolicy
from services import leagues, matches_tick, runs, scores_tick, standings_maintenance, status, tournament_import

EXTENSION = "services"


def due_policy(settings: Settings) -> DuePolicy:
    """When a match is due, from its three settings: one policy for the ticks and the status alike."""
    return DuePolicy(
        settings.match_result_delay_minutes, settings.match_recheck_minutes, settings.postponed_recheck_minutes
    )


@dataclass(frozen=True)
class Services:
    """The process's adapters, and each use case wired from them."""

    settings: Settings
    pool: Pool
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    queue: QueueBackend
    due_policy: DuePolicy
    http_session_factory: Callable[[], Any]

    def provider(self) -> SofaScoreProvider:
        """A provider with its own rate limiter and HTTP session: PROVIDER_MAX_RPS holds per tick."""
        limiter = RateLimiter(self.settings.provider_max_rps, clock=self.clock, sleep=self.sleep)
        return SofaScoreProvider(
            base_url=self.settings.sofascore_base_url,
            session=self.http_session_factory(),
            timeout=self.settings.provider_timeout_seconds,
            limiter=limiter,
            clock=self.clock,
        )

    def run_matches_tick(
        self, *, max_rounds: int | None = None, dry_run: bool = False, trigger: str = "manual"
    ) -> dict[str, Any]:
        return matches_tick.run_matches_tick(
            pool=self.pool,
            queue=self.queue,
            provider_factory=self.provider,
            clock=self.clock,
            sleep=self.sleep,
            settings=self.settings,
            policy=self.due_policy,
            max_rounds=max_rounds,
            dry_run=dry_run,
            trigger=trigger,
        )

    def run_scores_tick(
        self, *, max_leagues: int | None = None, dry_run: bool = False, trigger: str = "manual"
    ) -> dict[str, Any]:
        return scores_tick.run_scores_tick(
            pool=self.pool,
            clock=self.clock,
            settings=self.settings,
            max_leagues=max_leagues,
            dry_run=dry_run,
            trigger=trigger,
        )

    def pipeline_status(self) -> dict[str, Any]:
        return status.pipeline_status(
            pool=self.pool, queue=self.queue, clock=self.clock, settings=self.settings, policy=self.due_policy
        )

    def recent_runs(self, *, limit: int, kind: str | None = None, outcome: str | None = None) -> list[dict[str, Any]]:
        return runs.recent_runs(pool=self.pool, limit=limit, kind=kind, outcome=outcome)

    def get_league(self, *, league_id: int) -> str:
        return leagues.get_league(pool=self.pool, league_id=league_id)

    def get_standings(
        self, *, league_id: int, tournament_id: int | None, round: str | None = None, limit: int, offset: int
    ) -> str:
        return leagues.get_standings(
            pool=self.pool, league_id=league_id, tournament_id=tournament_id, round=round, limit=limit, offset=offset
        )

    def get_rounds(self, *, league_id: int, tournament_id: int) -> str:
        return leagues.get_rounds(pool=self.pool, league_id=league_id, tournament_id=tournament_id)

    def get_participant_predictions(
        self, *, league_id: int, user_id: int, tournament_id: int, round: str | None = None
    ) -> str:
        return leagues.get_participant_predictions(
            pool=self.pool,
            clock=self.clock,
            league_id=league_id,
            user_id=user_id,
            tournament_id=tournament_id,
            round=round,
        )

    def verify(self, *, league_id: int | None = None) -> list[dict[str, Any]]:
        return standings_maintenance.verify(pool=self.pool, league_id=league_id)

    def rebuild(self, *, tournament_id: int | None = None) -> dict[str, int]:
        return standings_maintenance.rebuild(pool=self.pool, tournament_id=tournament_id)

    def import_tournament(
        self, *, unique_tournament_id: int, season_id: int, name: str | None = None
    ) -> dict[str, Any]:
        return tournament_import.import_tournament(
            pool=self.pool,
            provider_factory=self.provider,
            unique_tournament_id=unique_tournament_id,
            season_id=season_id,
            name=name,
        )

    def migrate(self) -> list[str]:
        """Apply what is pending, or adopt the app's database; raises what stops it before changing anything."""
        with self.pool.connection() as conn:
            return apply_migrations(conn)

    def check_migrations(self) -> MigrationCheck:
        """What `migrate` would do here, changing nothing."""
        with self.pool.connection() as conn:
            return check_migrations(conn)

    def remove_pipeline(self) -> None:
        """Drop everything the pipeline added to the app's database (database/removal.py)."""
        with self.pool.connection() as conn:
            remove_pipeline(conn, SQL_DIR, sleep=self.sleep)

    def migration_state(self) -> MigrationState:
        with self.pool.connection() as conn:
            return migration_state(conn)

    def close(self) -> None:
        """Give the connections back: at exit, or when a test is done with its app."""
        self.pool.close()
        if isinstance(self.queue, RedisQueue):
            self.queue.redis.close()


def bootstrap(
    settings: Settings,
    *,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    http_session_factory: Callable[[], Any] | None = None,
) -> Services:
    """Open the pool and the queue's backend once; the provider's HTTP session is made per tick."""
    pool = open_pool(
        settings.database_url or embedded_database_url(),
        max_size=settings.db_pool_max_size,
        timeout=settings.db_pool_timeout_seconds,
    )
    queue: QueueBackend = (
        RedisQueue(connect_redis(settings.queue_url), clock=clock)
        if settings.queue_url is not None
        else PostgresQueue(pool, clock=clock)
    )
    return Services(
        settings=settings,
        pool=pool,
        clock=clock,
        sleep=sleep,
        queue=queue,
        due_policy=due_policy(settings),
        http_session_factory=http_session_factory or partial(make_http_session, settings.provider_http_session),
    )


def init_app(app: Flask) -> Services:
    """The app's services, from its config (a test's CLOCK, SLEEP and HTTP_SESSION_FACTORY included)."""
    services = bootstrap(
        app.config["SETTINGS"],
        clock=app.config["CLOCK"],
        sleep=app.config["SLEEP"],
        http_session_factory=app.config["HTTP_SESSION_FACTORY"],
    )
    app.extensions[EXTENSION] = services
    atexit.register(services.close)
    return services


def services_of(app: Flask) -> Services:
    """What an entry point (a blueprint's handler, a CLI command) calls: the app's services."""
    return app.extensions[EXTENSION]
