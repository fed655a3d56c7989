"""Authenticated operator and cron endpoints under /internal/."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request

from blueprints.auth import reject_unless_authorised

bp = Blueprint("internal", __name__, url_prefix="/internal")


def init_app(app: Flask) -> None:
    @app.before_request
    def guard_internal():
        """Runs before routing resolves, so unknown internal paths stay hidden behind 401."""
        if request.path == "/internal" or request.path.startswith("/internal/"):
            settings = current_app.config["SETTINGS"]
            return reject_unless_authorised(request, settings.internal_api_tokens)
        return None
