"""Response schemas: they shape the JSON and document it in /openapi.json."""

from __future__ import annotations

from marshmallow import Schema, fields


def _status() -> fields.String:
    return fields.String(required=True, metadata={"enum": ["outdata", "syncing", "up-to-date"]})


class ErrorSchema(Schema):
    error = fields.String(required=True)
    details = fields.Dict()


class LeagueTournamentSchema(Schema):
    tournament_id = fields.Integer(required=True)
    name = fields.String(required=True)
    participants_scores_status = _status()
    participants_scores_updated_at = fields.DateTime(allow_none=True, required=True)


class LeagueSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    participants_scores_status = _status()
    participants_scores_updated_at = fields.DateTime(allow_none=True, required=True)
    tournaments = fields.List(fields.Nested(LeagueTournamentSchema), required=True)


class StandingSchema(Schema):
    rank = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    points = fields.Integer(required=True)
    exact_count = fields.Integer(required=True)
    goal_difference_count = fields.Integer(required=True)
    outcome_count = fields.Integer(required=True)


class StandingsSchema(Schema):
    league_id = fields.Integer(required=True)
    tournament_id = fields.Integer(
        allow_none=True, required=True, metadata={"description": "null: the whole league, summed"}
    )
    participants_scores_status = _status()
    total = fields.Integer(required=True)
    standings = fields.List(fields.Nested(StandingSchema), required=True)


class TickSummarySchema(Schema):
    tick = fields.String(required=True)
    run_id = fields.Integer(allow_none=True, required=True, metadata={"description": "null for a dry run"})
    dry_run = fields.Boolean(required=True)
    duration_ms = fields.Integer(required=True)


class MatchesTickSummarySchema(TickSummarySchema):
    rounds_due = fields.Integer(required=True)
    rounds_processed = fields.Integer(required=True)
    rounds_failed = fields.Integer(required=True)
    rounds_deferred = fields.Integer(required=True)
    rounds_skipped = fields.Integer(required=True)
    matches_checked = fields.Integer(required=True)
    matches_ended = fields.Integer(required=True)
    league_tournaments_marked_outdata = fields.Integer(required=True)


class ScoresTickSummarySchema(TickSummarySchema):
    league_tournaments_claimed = fields.Integer(required=True)
    league_tournaments_updated = fields.Integer(required=True)
    league_tournaments_failed = fields.Integer(required=True)
    league_tournaments_requeued = fields.Integer(required=True)
    participants_scored = fields.Integer(required=True)


class RunSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": ["matches", "scores"]})
    trigger = fields.String(required=True, metadata={"enum": ["cron", "manual", "cli"]})
    started_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    outcome = fields.String(required=True, metadata={"enum": ["running", "ok", "partial", "failed"]})
    summary = fields.Dict(allow_none=True, required=True, metadata={"description": "the tick's JSON summary"})
    errors = fields.List(fields.Dict(), required=True, metadata={"description": "each failed item with its error"})


class RunsSchema(Schema):
    runs = fields.List(fields.Nested(RunSchema), required=True)


class HealthSchema(Schema):
    status = fields.String(required=True)


class StatusSchema(Schema):
    healthy = fields.Boolean(required=True, metadata={"description": "true exactly when `problems` is empty"})
    problems = fields.List(
        fields.String(), required=True, metadata={"description": "one line per problem, in plain words"}
    )
    checked_at = fields.DateTime(required=True)
    matches = fields.Dict(
        required=True,
        metadata={
            "description": "due now (rounds, matches), the most overdue match, matches stuck past STUCK_MATCH_HOURS, "
            "postponed matches and when each is next checked"
        },
    )
    rounds = fields.Dict(
        required=True,
        metadata={
            "description": "rounds failed in the last 24 h (last error, attempts, whether fetched since), "
            "jobs by state, the oldest waiting job"
        },
    )
    scores = fields.Dict(
        required=True,
        metadata={
            "description": "league tournaments outdata and syncing, the oldest waiting, those stuck past "
            "STUCK_SCORES_MINUTES, those syncing past their lease"
        },
    )
    ticks = fields.Dict(
        required=True,
        metadata={
            "description": "per kind: the last run (time, trigger, outcome, duration), the last scheduled run, "
            "and whether the kind is overdue (no scheduled run for two periods)"
        },
    )
