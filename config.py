"""Typed settings read once from the environment (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the variable."""


DEFAULT_SOFASCORE_BASE_URL = "https://api.sofascore.com/api/v1"


def _integer(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def _number(env: Mapping[str, str], name: str, default: float, *, positive: bool = False) -> float:
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0 or (positive and value == 0) or value != value:
        raise ConfigError(f"{name} must be {'> 0' if positive else '>= 0'}, got {raw!r}")
    return value


def _delays(env: Mapping[str, str], name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    delays = []
    for part in raw.split(","):
        try:
            value = float(part.strip())
        except ValueError:
            raise ConfigError(f"{name} must be comma-separated seconds, got {raw!r}") from None
        if value < 0:
            raise ConfigError(f"{name} must not contain negative delays, got {raw!r}")
        delays.append(value)
    return tuple(delays)


def _tokens(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    return tuple(token.strip() for token in raw.split(",") if token.strip())


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service; built by `from_env`, never mutated."""

    database_url: str | None = None
    internal_api_tokens: tuple[str, ...] = ()
    sofascore_base_url: str = DEFAULT_SOFASCORE_BASE_URL
    sentry_dsn: str | None = None
    sentry_environment: str = "production"
    match_result_delay_minutes: int = 120
    match_recheck_minutes: int = 10
    postponed_recheck_minutes: int = 360
    retry_delays: tuple[float, ...] = (30.0, 60.0, 120.0)
    tick_matches_budget_seconds: float = 240.0
    tick_scores_budget_seconds: float = 120.0
    tick_matches_max_rounds: int = 50
    tick_scores_max_leagues: int = 500
    scores_sync_lease_minutes: int = 10
    result_settle_minutes: int = 180
    provider_max_rps: float = 3.0
    provider_timeout_seconds: float = 10.0
    provider_http_session: str = "requests"
    db_pool_max_size: int = 10
    db_pool_timeout_seconds: float = 5.0
    runs_retention_days: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        """Parse and validate; raise ConfigError naming the first bad variable."""
        max_rounds = _integer(env, "TICK_MATCHES_MAX_ROUNDS", 50, minimum=1)
        max_leagues = _integer(env, "TICK_SCORES_MAX_LEAGUES", 500, minimum=1)
        if max_rounds > 500:
            raise ConfigError(f"TICK_MATCHES_MAX_ROUNDS must be <= 500, got {max_rounds}")
        if max_leagues > 5000:
            raise ConfigError(f"TICK_SCORES_MAX_LEAGUES must be <= 5000, got {max_leagues}")
        session = env.get("PROVIDER_HTTP_SESSION", "requests").strip() or "requests"
        if session not in ("requests", "curl_cffi"):
            raise ConfigError(f"PROVIDER_HTTP_SESSION must be 'requests' or 'curl_cffi', got {session!r}")
        return cls(
            database_url=env.get("DATABASE_URL", "").strip() or None,
            internal_api_tokens=_tokens(env, "INTERNAL_API_TOKEN"),
            sofascore_base_url=(env.get("SOFASCORE_BASE_URL", "").strip() or DEFAULT_SOFASCORE_BASE_URL).rstrip("/"),
            sentry_dsn=env.get("SENTRY_DSN", "").strip() or None,
            sentry_environment=env.get("SENTRY_ENVIRONMENT", "").strip() or "production",
            match_result_delay_minutes=_integer(env, "MATCH_RESULT_DELAY_MINUTES", 120),
            match_recheck_minutes=_integer(env, "MATCH_RECHECK_MINUTES", 10),
            postponed_recheck_minutes=_integer(env, "POSTPONED_RECHECK_MINUTES", 360),
            retry_delays=_delays(env, "RETRY_DELAYS", (30.0, 60.0, 120.0)),
            tick_matches_budget_seconds=_number(env, "TICK_MATCHES_BUDGET_SECONDS", 240.0, positive=True),
            tick_scores_budget_seconds=_number(env, "TICK_SCORES_BUDGET_SECONDS", 120.0, positive=True),
            tick_matches_max_rounds=max_rounds,
            tick_scores_max_leagues=max_leagues,
            scores_sync_lease_minutes=_integer(env, "SCORES_SYNC_LEASE_MINUTES", 10, minimum=1),
            result_settle_minutes=_integer(env, "RESULT_SETTLE_MINUTES", 180),
            provider_max_rps=_number(env, "PROVIDER_MAX_RPS", 3.0, positive=True),
            provider_timeout_seconds=_number(env, "PROVIDER_TIMEOUT_SECONDS", 10.0, positive=True),
            provider_http_session=session,
            db_pool_max_size=_integer(env, "DB_POOL_MAX_SIZE", 10, minimum=2),
            db_pool_timeout_seconds=_number(env, "DB_POOL_TIMEOUT_SECONDS", 5.0, positive=True),
            runs_retention_days=_integer(env, "RUNS_RETENTION_DAYS", 30, minimum=1),
        )
