"""HTTP entry points: one blueprint per concern, each thin (parse, call a service, answer)."""

from __future__ import annotations

from flask import Flask

from blueprints import errors, health, internal, leagues, openapi


def init_app(app: Flask) -> None:
    errors.init_app(app)
    internal.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(internal.bp)
    app.register_blueprint(leagues.bp)
    app.register_blueprint(openapi.bp)
