"""GET /openapi.json: the OpenAPI 3 document, generated from the request and response schemas."""

from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint

from blueprints import params, schemas

bp = Blueprint("openapi", __name__)

BEARER = [{"bearerAuth": []}]


def _json(schema, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(schemas.ErrorSchema, "invalid parameters, with per-field details"),
    "503": _json(schemas.ErrorSchema, "database unavailable"),
}
INTERNAL_ERRORS = {
    **ERRORS,
    "401": _json(schemas.ErrorSchema, "missing or invalid bearer token"),
    "503": _json(schemas.ErrorSchema, "database unavailable, or INTERNAL_API_TOKEN not configured"),
}


def _tick(summary, parameters, description: str) -> dict:
    return {"post": {
        "summary": description,
        "security": BEARER,
        "parameters": [{"in": "query", "schema": parameters},
                       {"in": "header", "name": "X-Tick-Trigger", "schema": {"type": "string", "enum": ["cron"]},
                        "description": "`cron` when Railway cron calls; otherwise the run is recorded as manual"}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": parameters}},
                        "description": "the same parameters as a JSON object; the body wins"},
        "responses": {"200": _json(summary, "the tick ran (failed items are reported, not fatal)"), **INTERNAL_ERRORS},
    }}


@lru_cache(maxsize=1)
def build_spec() -> dict:
    spec = APISpec(title="Match-results pipeline", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Keeps match results fresh and league standings correct."})
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.path(path="/internal/tick/matches", operations=_tick(
        schemas.MatchesTickSummarySchema, params.MatchesTickParams, "Run one matches tick"))
    spec.path(path="/internal/tick/scores", operations=_tick(
        schemas.ScoresTickSummarySchema, params.ScoresTickParams, "Run one scores tick"))
    spec.path(path="/internal/runs", operations={"get": {
        "summary": "Run history, newest first", "security": BEARER,
        "parameters": [{"in": "query", "schema": params.RunsQuery}],
        "responses": {"200": _json(schemas.RunsSchema, "recent runs"), **INTERNAL_ERRORS},
    }})
    spec.path(path="/internal/status", operations={"get": {
        "summary": "Is the pipeline healthy right now? What is due, stuck, failing or overdue",
        "security": BEARER,
        "responses": {"200": _json(schemas.StatusSchema, "the status (healthy or not)"), **INTERNAL_ERRORS},
    }})
    league_id = {"in": "path", "name": "league_id", "required": True, "schema": {"type": "integer"}}
    spec.path(path="/api/leagues/{league_id}", operations={"get": {
        "summary": "A league's sync status and its tournaments",
        "parameters": [league_id],
        "responses": {"200": _json(schemas.LeagueSchema, "the league"),
                      "404": _json(schemas.ErrorSchema, "unknown league"), "503": ERRORS["503"]},
    }})
    spec.path(path="/api/leagues/{league_id}/standings", operations={"get": {
        "summary": "Ranked participants of one league tournament, or of the whole league",
        "parameters": [league_id, {"in": "query", "schema": params.StandingsQuery}],
        "responses": {"200": _json(schemas.StandingsSchema, "a page of standings"), **ERRORS,
                      "404": _json(schemas.ErrorSchema, "unknown league, or a tournament it does not follow")},
    }})
    spec.path(path="/healthz", operations={"get": {
        "summary": "Liveness (no database)", "responses": {"200": _json(schemas.HealthSchema, "alive")}}})
    spec.path(path="/readyz", operations={"get": {
        "summary": "Readiness: database reachable and migrated",
        "responses": {"200": _json(schemas.HealthSchema, "ready"),
                      "503": _json(schemas.ErrorSchema, "database down or migrations pending")}}})
    spec.path(path="/openapi.json", operations={"get": {
        "summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document"}}}})
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi():
    return build_spec()
