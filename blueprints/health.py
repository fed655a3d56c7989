"""Liveness and readiness probes for Railway and operators."""

from __future__ import annotations

from flask import Blueprint, current_app

from blueprints.errors import error_response
from database.migrations import pending_migrations

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Alive as long as the process answers; never touches the database."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready when the database answers and every migration is applied."""
    with current_app.extensions["db_pool"].connection() as conn:
        pending = pending_migrations(conn)
    if pending:
        return error_response(503, "migrations pending", details={"pending": pending})
    return {"status": "ready"}
