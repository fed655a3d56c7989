"""Authenticated operator and cron endpoints under /internal/."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request

from blueprints.auth import reject_unless_authorised
from blueprints.params import MatchesTickParams, RunsQuery, ScoresTickParams, request_parameters
from blueprints.schemas import RunsSchema
from bootstrap import services_of

bp = Blueprint("internal", __name__, url_prefix="/internal")

TRIGGER_HEADER = "X-Tick-Trigger"


def init_app(app: Flask) -> None:
    @app.before_request
    def guard_internal():
        """Runs before routing resolves, so unknown internal paths stay hidden behind 401."""
        if request.path == "/internal" or request.path.startswith("/internal/"):
            return reject_unless_authorised(request, services_of(current_app).settings.internal_api_tokens)
        return None


def _trigger() -> str:
    """Railway cron sends `X-Tick-Trigger: cron`; anything else over HTTP is an operator's."""
    return "cron" if request.headers.get(TRIGGER_HEADER, "").strip().lower() == "cron" else "manual"


@bp.post("/tick/matches")
def tick_matches():
    params = MatchesTickParams().load(request_parameters(request))
    return services_of(current_app).run_matches_tick(
        max_rounds=params.get("max_rounds"), dry_run=params["dry_run"], trigger=_trigger()
    )


@bp.post("/tick/scores")
def tick_scores():
    params = ScoresTickParams().load(request_parameters(request))
    return services_of(current_app).run_scores_tick(
        max_leagues=params.get("max_leagues"), dry_run=params["dry_run"], trigger=_trigger()
    )


@bp.get("/runs")
def list_runs():
    query = RunsQuery().load(request.args.to_dict(flat=True))
    runs = services_of(current_app).recent_runs(
        limit=query["limit"], kind=query.get("kind"), outcome=query.get("outcome")
    )
    return RunsSchema().dump({"runs": runs})


@bp.get("/status")
def status():
    """Is the pipeline healthy right now? 200 either way: `healthy` and `problems` say."""
    return services_of(current_app).pipeline_status()
