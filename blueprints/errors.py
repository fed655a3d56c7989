"""Every error is JSON in the contract's shape: {"error": ..., "details": {...}}."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sentry_sdk
from flask import Flask, Response, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from database.pool import DATABASE_UNAVAILABLE
from jobqueue.base import QueueUnavailable

log = logging.getLogger(__name__)


def error_response(
    status: int, message: str, details: dict[str, Any] | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"error": message}
    if details:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        headers = {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")}
        return error_response(exc.code or 500, exc.description or exc.name, headers=headers)

    @app.errorhandler(ValidationError)
    def validation_error(exc: ValidationError):
        return error_response(400, "invalid parameters", details=exc.normalized_messages())

    def database_unavailable(exc: Exception):
        """The cause goes to the log only: database error text is not for anonymous callers."""
        log.warning("database unavailable: %s", exc)
        return error_response(503, "database unavailable")

    for exc_type in DATABASE_UNAVAILABLE:
        app.register_error_handler(exc_type, database_unavailable)

    @app.errorhandler(QueueUnavailable)
    def queue_unavailable(exc: QueueUnavailable):
        log.warning("%s", exc)
        return error_response(503, "queue unavailable")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        """Handled here, so Flask's signal never fires: report to Sentry explicitly."""
        log.exception("unhandled error")
        sentry_sdk.capture_exception(exc)
        return error_response(500, "internal server error")
