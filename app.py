"""Flask application factory: `flask --app app ...` and gunicorn's `app:create_app()`."""

from __future__ import annotations

import atexit
import os
import time
from datetime import datetime, timezone
from typing import Any, Mapping

from flask import Flask

import blueprints
import commands
from config import Settings, settings_or_exit
from database.embedded import embedded_database_url
from database.pool import open_pool
from jobqueue import redis as redis_queue
from services import monitoring, structured_log


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` may carry SETTINGS, CLOCK, SLEEP and provider overrides."""
    app = Flask(__name__)
    app.json.sort_keys = False
    app.config.from_mapping(CLOCK=utc_now, SLEEP=time.sleep, HTTP_SESSION_FACTORY=None)
    if test_config is not None:
        app.config.update(test_config)
    settings: Settings = app.config.get("SETTINGS") or settings_or_exit(os.environ)
    app.config["SETTINGS"] = settings

    structured_log.configure()
    monitoring.init_sentry(settings, transport=app.config.get("SENTRY_TRANSPORT"))

    database_url = settings.database_url or embedded_database_url()
    pool = open_pool(database_url, max_size=settings.db_pool_max_size, timeout=settings.db_pool_timeout_seconds)
    app.extensions["db_pool"] = pool
    atexit.register(pool.close)
    if settings.queue_url is not None:
        app.extensions["queue_redis"] = redis_queue.connect(settings.queue_url)

    blueprints.init_app(app)
    commands.init_app(app)
    return app
