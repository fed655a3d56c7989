"""Typed settings read once from the environment (SPEC §3).

Every value is checked at start-up against what it means: a number that is not finite,
negative, or absurdly large stops the service (and every CLI command) with a message that
names the variable, instead of failing later inside a tick.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the variable."""

    def __init__(self, variable: str, problem: str):
        super().__init__(f"{variable} {problem}")
        self.variable = variable


DEFAULT_SOFASCORE_BASE_URL = "https://api.sofascore.com/api/v1"
HTTP_SESSIONS = ("requests", "curl_cffi")


def _raw(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def _integer(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int) -> int:
    raw = _raw(env, name)
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"must be an integer, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigError(name, f"must be between {minimum} and {maximum}, got {value}")
    return value


def _seconds(name: str, raw: str, *, positive: bool, maximum: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"must be a number, got {raw!r}") from None
    low_ok = value > 0 if positive else value >= 0
    if not math.isfinite(value) or not low_ok or value > maximum:
        raise ConfigError(name, f"must be {'> 0' if positive else '>= 0'} and <= {maximum:g}, got {raw!r}")
    return value


def _number(env: Mapping[str, str], name: str, default: float, *, maximum: float, positive: bool = False) -> float:
    raw = _raw(env, name)
    return default if raw == "" else _seconds(name, raw, positive=positive, maximum=maximum)


def _delays(env: Mapping[str, str], name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = _raw(env, name)
    if raw == "":
        return default
    delays = tuple(_seconds(name, part.strip(), positive=False, maximum=3600) for part in raw.split(","))
    if len(delays) > 10:
        raise ConfigError(name, f"allows at most 10 retries, got {len(delays)}")
    return delays


def _tokens(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Unset or empty: the internal API is off. Anything else must name at least one token."""
    raw = _raw(env, name)
    if raw == "":
        return ()
    tokens = tuple(token.strip() for token in raw.split(",") if token.strip())
    if not tokens:
        raise ConfigError(name, f"lists no token (got {raw!r}); leave it unset to turn the internal API off")
    for token in tokens:
        if not token.isascii() or not token.isprintable() or " " in token:
            raise ConfigError(name, "tokens must be printable ASCII without spaces (an HTTP header carries them)")
    return tokens


def _queue_url(env: Mapping[str, str], name: str) -> str | None:
    """Unset: the PostgreSQL queue. Else a Redis URL (checked here; reachability is /readyz's)."""
    raw = _raw(env, name)
    if raw == "":
        return None
    parts = urlsplit(raw)
    try:
        _ = parts.port  # reading it raises ValueError for a port that is not a number up to 65535
    except ValueError:
        raise ConfigError(name, "has an invalid port") from None
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ConfigError(name, "must be redis://host[:port][/db] or rediss://… (unset: the PostgreSQL queue)")
    if parts.path.strip("/") and not parts.path.strip("/").isdigit():
        raise ConfigError(name, "must name a database number as its path, e.g. redis://host:6379/0")
    return raw


def redacted(url: str) -> str:
    """A URL fit for logs and answers: no password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(env, name) or default
    if value not in choices:
        raise ConfigError(name, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


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
    tick_scores_max_leagues: int = 100_000
    scores_sync_lease_minutes: int = 10
    result_settle_minutes: int = 180
    provider_max_rps: float = 3.0
    provider_timeout_seconds: float = 10.0
    provider_http_session: str = "requests"
    db_pool_max_size: int = 10
    db_pool_timeout_seconds: float = 5.0
    runs_retention_days: int = 30
    stuck_match_hours: int = 6
    stuck_scores_minutes: int = 30
    queue_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Parse and validate; raise ConfigError naming the first bad variable."""
        settings = cls(
            database_url=_raw(env, "DATABASE_URL") or None,
            internal_api_tokens=_tokens(env, "INTERNAL_API_TOKEN"),
            sofascore_base_url=(_raw(env, "SOFASCORE_BASE_URL") or DEFAULT_SOFASCORE_BASE_URL).rstrip("/"),
            sentry_dsn=_raw(env, "SENTRY_DSN") or None,
            sentry_environment=_raw(env, "SENTRY_ENVIRONMENT") or "production",
            match_result_delay_minutes=_integer(env, "MATCH_RESULT_DELAY_MINUTES", 120, maximum=7 * 24 * 60),
            match_recheck_minutes=_integer(env, "MATCH_RECHECK_MINUTES", 10, maximum=7 * 24 * 60),
            postponed_recheck_minutes=_integer(env, "POSTPONED_RECHECK_MINUTES", 360, maximum=30 * 24 * 60),
            retry_delays=_delays(env, "RETRY_DELAYS", (30.0, 60.0, 120.0)),
            tick_matches_budget_seconds=_number(env, "TICK_MATCHES_BUDGET_SECONDS", 240.0, positive=True, maximum=3600),
            tick_scores_budget_seconds=_number(env, "TICK_SCORES_BUDGET_SECONDS", 120.0, positive=True, maximum=3600),
            tick_matches_max_rounds=_integer(env, "TICK_MATCHES_MAX_ROUNDS", 50, minimum=1, maximum=500),
            tick_scores_max_leagues=_integer(env, "TICK_SCORES_MAX_LEAGUES", 100_000, minimum=1, maximum=100_000),
            scores_sync_lease_minutes=_integer(env, "SCORES_SYNC_LEASE_MINUTES", 10, minimum=1, maximum=24 * 60),
            result_settle_minutes=_integer(env, "RESULT_SETTLE_MINUTES", 180, maximum=7 * 24 * 60),
            provider_max_rps=_number(env, "PROVIDER_MAX_RPS", 3.0, positive=True, maximum=100),
            provider_timeout_seconds=_number(env, "PROVIDER_TIMEOUT_SECONDS", 10.0, positive=True, maximum=300),
            provider_http_session=_choice(env, "PROVIDER_HTTP_SESSION", "requests", HTTP_SESSIONS),
            db_pool_max_size=_integer(env, "DB_POOL_MAX_SIZE", 10, minimum=2, maximum=100),
            db_pool_timeout_seconds=_number(env, "DB_POOL_TIMEOUT_SECONDS", 5.0, positive=True, maximum=300),
            runs_retention_days=_integer(env, "RUNS_RETENTION_DAYS", 30, minimum=1, maximum=3650),
            stuck_match_hours=_integer(env, "STUCK_MATCH_HOURS", 6, minimum=1, maximum=30 * 24),
            stuck_scores_minutes=_integer(env, "STUCK_SCORES_MINUTES", 30, minimum=1, maximum=7 * 24 * 60),
            queue_url=_queue_url(env, "QUEUE_URL"),
        )
        if settings.tick_matches_budget_seconds <= settings.provider_timeout_seconds:
            raise ConfigError(
                "TICK_MATCHES_BUDGET_SECONDS",
                "must exceed PROVIDER_TIMEOUT_SECONDS, or no provider request fits in a tick",
            )
        return settings


def settings_or_exit(env: Mapping[str, str]) -> Settings:
    """A bad variable stops gunicorn's master and every CLI command alike: one JSON line on
    stderr naming it, exit 1."""
    try:
        return Settings.from_env(env)
    except ConfigError as exc:
        sys.stderr.write(json.dumps({"error": f"invalid configuration: {exc}", "variable": exc.variable}) + "\n")
        raise SystemExit(1) from None
