"""Liveness and readiness probes for Railway and operators."""

from __future__ import annotations

from flask import Blueprint, current_app

from blueprints.errors import error_response
from database.migrations import migration_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Alive as long as the process answers; never touches the database."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready when the database answers, every migration is applied, and none differs from its file."""
    with current_app.extensions["db_pool"].connection() as conn:
        state = migration_state(conn)
    if state.mismatched:
        return error_response(503, "applied migrations differ from their files", details={"mismatched": state.mismatched})
    if state.pending:
        return error_response(503, "migrations pending", details={"pending": state.pending})
    return {"status": "ready"}
