"""GET /openapi.json: the OpenAPI 3 document, generated from the request and response schemas."""

from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint

from blueprints import params, schemas

bp = Blueprint("openapi", __name__)

BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def _json(schema, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(schemas.ErrorSchema, description)


INVALID = {"400": _error("invalid parameters (unknown, of the wrong kind or out of range), with per-field details")}


def _internal(unavailable: str) -> dict:
    """What the guard in front of every /internal/ path answers, besides the endpoint's own statuses."""
    return {
        "401": _error("missing or invalid bearer token"),
        "503": _error(f"{unavailable} unavailable, or INTERNAL_API_TOKEN not configured"),
    }


# The league endpoints, read on every page load, revalidate with If-None-Match.
REVALIDATING = {
    "ETag": {"description": "strong ETag of exactly what the body shows", "schema": {"type": "string"}},
    "Cache-Control": {"description": "`no-cache`: ask again on every load", "schema": {"type": "string"}},
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "schema": {"type": "string"},
    "description": "the ETag of an earlier answer: 304 while it still matches",
}


def _league_read(schema, description: str, not_found: str) -> dict:
    return {
        "200": {**_json(schema, description), "headers": REVALIDATING},
        "304": {"description": "unchanged since the ETag sent in If-None-Match (no body)", "headers": REVALIDATING},
        **INVALID,
        "404": _error(not_found),
        "503": _error("database unavailable"),
    }


def _tick(summary, parameters, description: str, unavailable: str) -> dict:
    return {
        "post": {
            "summary": description,
            "security": BEARER,
            "parameters": [
                {"in": "query", "schema": parameters},
                {
                    "in": "header",
                    "name": "X-Tick-Trigger",
                    "schema": {"type": "string", "enum": ["cron"]},
                    "description": "`cron` when Railway cron calls; otherwise the run is recorded as manual",
                },
            ],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": parameters}},
                "description": "the same parameters as a JSON object; the body wins",
            },
            "responses": {
                "200": _json(summary, "the tick ran (failed items are reported, not fatal)"),
                **INVALID,
                **_internal(unavailable),
            },
        }
    }


@lru_cache(maxsize=1)
def build_spec() -> dict:
    spec = APISpec(
        title="Match-results pipeline",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Keeps match results fresh and league standings correct. Every error is JSON; "
            "an unknown route answers 404 and a method a route does not take 405."
        },
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.path(
        path="/internal/tick/matches",
        operations=_tick(
            schemas.MatchesTickSummarySchema, params.MatchesTickParams, "Run one matches tick", "database or queue"
        ),
    )
    spec.path(
        path="/internal/tick/scores",
        operations=_tick(schemas.ScoresTickSummarySchema, params.ScoresTickParams, "Run one scores tick", "database"),
    )
    spec.path(
        path="/internal/runs",
        operations={
            "get": {
                "summary": "Run history, newest first",
                "security": BEARER,
                "parameters": [{"in": "query", "schema": params.RunsQuery}],
                "responses": {"200": _json(schemas.RunsSchema, "recent runs"), **INVALID, **_internal("database")},
            }
        },
    )
    spec.path(
        path="/internal/status",
        operations={
            "get": {
                "summary": "Is the pipeline healthy right now? What is due, stuck, failing or overdue",
                "security": BEARER,
                "responses": {
                    "200": _json(schemas.StatusSchema, "the status (healthy or not)"),
                    **_internal("database or queue"),
                },
            }
        },
    )
    league_id = {"in": "path", "schema": params.LeaguePath}
    spec.path(
        path="/api/leagues/{league_id}",
        operations={
            "get": {
                "summary": "A league's sync status and its tournaments",
                "parameters": [league_id, IF_NONE_MATCH],
                "responses": _league_read(schemas.LeagueSchema, "the league", "unknown league"),
            }
        },
    )
    spec.path(
        path="/api/leagues/{league_id}/standings",
        operations={
            "get": {
                "summary": "Ranked participants of one league tournament (after a round, with `round`), or of "
                "the whole league",
                "description": "`round` needs `tournament_id`: the standings after that round, cumulative over "
                "every round up to and including it.",
                "parameters": [league_id, {"in": "query", "schema": params.StandingsQuery}, IF_NONE_MATCH],
                "responses": _league_read(
                    schemas.StandingsSchema,
                    "a page of standings",
                    "unknown league, a tournament it does not follow, or a round the tournament does not have",
                ),
            }
        },
    )
    spec.path(
        path="/api/leagues/{league_id}/rounds",
        operations={
            "get": {
                "summary": "The rounds (matchdays) of a tournament the league follows, in order, with the current one",
                "parameters": [league_id, {"in": "query", "schema": params.RoundsQuery}, IF_NONE_MATCH],
                "responses": _league_read(
                    schemas.RoundsSchema, "the rounds", "unknown league, or a tournament it does not follow"
                ),
            }
        },
    )
    spec.path(
        path="/api/leagues/{league_id}/participants/{user_id}/predictions",
        operations={
            "get": {
                "summary": "A participant's predictions in a league tournament, with their results, tiers and points",
                "description": "In kick-off order; a match that has not kicked off is never shown.",
                "parameters": [
                    {"in": "path", "schema": params.ParticipantPath},
                    {"in": "query", "schema": params.PredictionsQuery},
                    IF_NONE_MATCH,
                ],
                "responses": _league_read(
                    schemas.ParticipantPredictionsSchema,
                    "the participant's predictions",
                    "unknown league, a tournament it does not follow, a round the tournament does not have, or a "
                    "user who is not a participant of the league",
                ),
            }
        },
    )
    spec.path(
        path="/healthz",
        operations={
            "get": {"summary": "Liveness (no database)", "responses": {"200": _json(schemas.HealthSchema, "alive")}}
        },
    )
    spec.path(
        path="/readyz",
        operations={
            "get": {
                "summary": "Readiness: database reachable and migrated, queue reachable",
                "responses": {
                    "200": _json(schemas.HealthSchema, "ready"),
                    "503": _error(
                        "database or queue unavailable, a migration pending, or an applied migration "
                        "differing from its file"
                    ),
                },
            }
        },
    )
    spec.path(
        path="/openapi.json",
        operations={"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document"}}}},
    )
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi():
    return build_spec()
