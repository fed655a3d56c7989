"""Flask application factory: `flask --app app ...` and gunicorn's `app:create_app()`."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sentry_sdk
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from sentry_sdk.integrations.flask import FlaskIntegration

import blueprints
import bootstrap
import commands
from config import Settings, settings_or_exit
from services import structured_log

TEST_DSN = "http://public@sentry.invalid/1"


def utc_now() -> datetime:
    return datetime.now(UTC)


class InOrderJSONProvider(DefaultJSONProvider):
    """JSON keys in the order the code builds them (the contract's field order), not sorted."""

    sort_keys = False


def init_sentry(settings: Settings, *, transport: Any = None) -> bool:
    """Sentry on only when SENTRY_DSN is set (or a test supplies a transport); return whether it is on."""
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
    )
    return True


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` may carry SETTINGS, CLOCK, SLEEP and provider overrides."""
    app = Flask(__name__)
    app.json = InOrderJSONProvider(app)
    app.config.from_mapping(CLOCK=utc_now, SLEEP=time.sleep, HTTP_SESSION_FACTORY=None)
    if test_config is not None:
        app.config.update(test_config)
    settings: Settings = app.config.get("SETTINGS") or settings_or_exit(os.environ)
    app.config["SETTINGS"] = settings

    structured_log.configure()
    init_sentry(settings, transport=app.config.get("SENTRY_TRANSPORT"))

    bootstrap.init_app(app)
    blueprints.init_app(app)
    commands.init_app(app)
    return app
