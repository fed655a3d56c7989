"""What the ticks report to Sentry: cron check-ins and one event per failed or stuck item.
A no-op while Sentry is off (app.py turns it on)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sentry_sdk

if TYPE_CHECKING:
    from sentry_sdk._types import MonitorConfig  # the type capture_checkin takes, defined for type checkers only

# Sentry Crons: a monitor per tick, with the schedule Railway runs it on (SPEC §1).
MONITOR_SCHEDULES = {"matches": "*/10 * * * *", "scores": "*/5 * * * *"}


def monitor_config(kind: str, budget_seconds: float) -> MonitorConfig:
    return {
        "schedule": {"type": "crontab", "value": MONITOR_SCHEDULES[kind]},
        "timezone": "UTC",
        "checkin_margin": 5,
        "max_runtime": max(1, int(budget_seconds // 60) + 2),
        "failure_issue_threshold": 1,
        "recovery_threshold": 1,
    }


def check_in(
    kind: str, status: str, *, budget_seconds: float, check_in_id: str | None = None, duration: float | None = None
) -> str | None:
    """Report a cron check-in (`in_progress`, `ok` or `error`); a no-op while Sentry is off."""
    if not sentry_sdk.get_client().is_active():
        return None
    return sentry_sdk.crons.capture_checkin(
        monitor_slug=f"tick-{kind}",
        check_in_id=check_in_id,
        status=status,
        duration=duration,
        monitor_config=monitor_config(kind, budget_seconds),
    )


def capture_item_failure(
    message: str, *, tags: dict[str, Any], fingerprint: list[str], exc: BaseException | None = None
) -> None:
    """One Sentry event per failed or stuck round/event/match/league tournament, grouped by the
    item and what went wrong; an unexpected error travels as the exception itself, so the
    event carries its traceback."""
    with sentry_sdk.new_scope() as scope:
        for name, value in tags.items():
            scope.set_tag(name, str(value))
        scope.fingerprint = fingerprint
        if exc is None:
            sentry_sdk.capture_message(message, level="error")
        else:
            sentry_sdk.capture_exception(exc)
