"""The public league API the front end reads once per page load."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request
from werkzeug.http import quote_etag

from blueprints.errors import error_response
from blueprints.params import LeaguePath, ParticipantPath, PredictionsQuery, RoundsQuery, StandingsQuery
from bootstrap import services_of
from services import leagues

bp = Blueprint("leagues", __name__, url_prefix="/api/leagues")


@bp.errorhandler(leagues.NotFound)
def not_found(exc: leagues.NotFound):
    return error_response(404, str(exc))


def _revalidated(body: str) -> Response:
    """A page load revalidates cheaply: a strong ETag of exactly what the body shows (statuses,
    update times, standings), `no-cache` so the browser always asks, 304 when nothing changed.
    Only If-None-Match applies (no ranges, no dates): checking it alone costs a third of
    werkzeug's general make_conditional, on the endpoint read on every page load."""
    data = body.encode()
    etag = hashlib.sha1(data).hexdigest()
    headers = {"ETag": quote_etag(etag), "Cache-Control": "no-cache"}
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    return Response(data, mimetype="application/json", headers=headers)


# Built once: a schema costs more to build than to use, and these are read on every page load.
LEAGUE_PATH = LeaguePath()
PARTICIPANT_PATH = ParticipantPath()
STANDINGS_QUERY = StandingsQuery()
ROUNDS_QUERY = RoundsQuery()
PREDICTIONS_QUERY = PredictionsQuery()


def _league_id(raw: int) -> int:
    """Any integer routes here; one outside what an id can be is a 400, never a 500 (so does a
    participant's user id: PARTICIPANT_PATH)."""
    return LEAGUE_PATH.load({"league_id": raw})["league_id"]


@bp.get("/<int(signed=True):league_id>")
def get_league(league_id: int):
    league_id = _league_id(league_id)
    return _revalidated(services_of(current_app).get_league(league_id=league_id))


@bp.get("/<int(signed=True):league_id>/standings")
def get_standings(league_id: int):
    league_id = _league_id(league_id)
    query = STANDINGS_QUERY.load(request.args.to_dict(flat=True))
    standings = services_of(current_app).get_standings(
        league_id=league_id,
        tournament_id=query.get("tournament_id"),
        round=query.get("round"),
        limit=query["limit"],
        offset=query["offset"],
    )
    return _revalidated(standings)


@bp.get("/<int(signed=True):league_id>/rounds")
def get_rounds(league_id: int):
    league_id = _league_id(league_id)
    query = ROUNDS_QUERY.load(request.args.to_dict(flat=True))
    return _revalidated(services_of(current_app).get_rounds(league_id=league_id, tournament_id=query["tournament_id"]))


@bp.get("/<int(signed=True):league_id>/participants/<int(signed=True):user_id>/predictions")
def get_participant_predictions(league_id: int, user_id: int):
    path = PARTICIPANT_PATH.load({"league_id": league_id, "user_id": user_id})
    query = PREDICTIONS_QUERY.load(request.args.to_dict(flat=True))
    predictions = services_of(current_app).get_participant_predictions(
        league_id=path["league_id"],
        user_id=path["user_id"],
        tournament_id=query["tournament_id"],
        round=query.get("round"),
    )
    return _revalidated(predictions)
