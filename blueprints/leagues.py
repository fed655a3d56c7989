"""The public league API the front end reads once per page load."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from blueprints.errors import error_response
from blueprints.params import StandingsQuery
from blueprints.schemas import LeagueSchema, StandingsSchema
from services import leagues

bp = Blueprint("leagues", __name__, url_prefix="/api/leagues")


@bp.errorhandler(leagues.NotFound)
def not_found(exc: leagues.NotFound):
    return error_response(404, str(exc))


@bp.get("/<int:league_id>")
def get_league(league_id: int):
    return LeagueSchema().dump(leagues.get_league(current_app.extensions["db_pool"], league_id=league_id))


@bp.get("/<int:league_id>/standings")
def get_standings(league_id: int):
    query = StandingsQuery().load(request.args.to_dict(flat=True))
    standings = leagues.get_standings(current_app.extensions["db_pool"], league_id=league_id,
                                      tournament_id=query.get("tournament_id"), limit=query["limit"], offset=query["offset"])
    return StandingsSchema().dump(standings)
