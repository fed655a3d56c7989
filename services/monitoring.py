"""Sentry set-up: on only when SENTRY_DSN is set (or a test supplies a transport)."""

from __future__ import annotations

import os
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration

from config import Settings

TEST_DSN = "http://public@sentry.invalid/1"


def init_sentry(settings: Settings, *, transport: Any = None) -> bool:
    """Initialise the SDK; return whether it is on."""
    dsn = settings.sentry_dsn or (TEST_DSN if transport is not None else None)
    if dsn is None:
        return False
    sentry_sdk.init(
        dsn=dsn,
        transport=transport,
        integrations=[FlaskIntegration()],
        environment=settings.sentry_environment,
        release=os.environ.get("RAILWAY_GIT_COMMIT_SHA") or None,
        traces_sample_rate=0.0,
        send_default_pii=False,
    )
    return True
