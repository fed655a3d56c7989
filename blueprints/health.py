"""Liveness and readiness probes for Railway and operators."""

from __future__ import annotations

from flask import Blueprint, current_app

from blueprints.errors import error_response
from bootstrap import services_of
from config import redacted
from jobqueue.base import QueueUnavailable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Alive as long as the process answers; never touches the database."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready when the database answers, every migration is applied and none differs from its
    file, and the queue's backend answers when it is not the database."""
    services = services_of(current_app)
    state = services.migration_state()
    try:
        services.queue.ping()
    except QueueUnavailable as exc:
        current_app.logger.warning("readyz: %s", exc)
        url = services.settings.queue_url  # set: only a queue of its own (Redis) can be unavailable here
        return error_response(503, "queue unavailable", details={"queue": redacted(url)} if url else None)
    if state.mismatched:
        return error_response(
            503, "applied migrations differ from their files", details={"mismatched": state.mismatched}
        )
    if state.pending:
        return error_response(503, "migrations pending", details={"pending": state.pending})
    return {"status": "ready"}
