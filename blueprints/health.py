"""Liveness and readiness probes for Railway and operators."""

from __future__ import annotations

from flask import Blueprint, current_app

from blueprints.errors import error_response
from config import redacted
from database.migrations import migration_state
from jobqueue.base import QueueUnavailable
from services.dependencies import Dependencies

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Alive as long as the process answers; never touches the database."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready when the database answers, every migration is applied and none differs from its
    file, and the queue's backend answers when it is not the database."""
    with current_app.extensions["db_pool"].connection() as conn:
        state = migration_state(conn)
    queue_url = current_app.config["SETTINGS"].queue_url
    try:
        Dependencies.from_app(current_app).queue().ping()
    except QueueUnavailable as exc:
        current_app.logger.warning("readyz: %s", exc)
        return error_response(503, "queue unavailable", details={"queue": redacted(queue_url)})
    if state.mismatched:
        return error_response(503, "applied migrations differ from their files", details={"mismatched": state.mismatched})
    if state.pending:
        return error_response(503, "migrations pending", details={"pending": state.pending})
    return {"status": "ready"}
