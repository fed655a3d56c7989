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
    round_points = fields.Integer(
        required=True,
        metadata={
            "description": "points earned in the current round (or the requested one); the whole league sums "
            "each tournament's"
        },
    )
    previous_rank = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "the rank after the round before the current (or requested) one; null when none"},
    )


class StandingsSchema(Schema):
    league_id = fields.Integer(required=True)
    tournament_id = fields.Integer(
        allow_none=True, required=True, metadata={"description": "null: the whole league, summed"}
    )
    participants_scores_status = _status()
    total = fields.Integer(required=True)
    standings = fields.List(fields.Nested(StandingSchema), required=True)


class RoundWinnerSchema(Schema):
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    points = fields.Integer(required=True)


class RoundSchema(Schema):
    key = fields.String(
        required=True, metadata={"description": "the round's stable key: `round=<key>` of standings and predictions"}
    )
    round_number = fields.Integer(required=True)
    round_slug = fields.String(allow_none=True, required=True)
    round_prefix = fields.String(allow_none=True, required=True)
    first_kickoff = fields.DateTime(required=True, metadata={"description": "the earliest start_time of its matches"})
    matches = fields.Integer(required=True)
    matches_ended = fields.Integer(required=True)
    top_points = fields.Integer(
        allow_none=True, required=True, metadata={"description": "the round's highest points of a participant"}
    )
    winners = fields.List(
        fields.Nested(RoundWinnerSchema),
        required=True,
        metadata={"description": "the participants with the round's highest points: empty until a match ended"},
    )


class RoundsSchema(Schema):
    league_id = fields.Integer(required=True)
    tournament_id = fields.Integer(required=True)
    participants_scores_status = _status()
    current_round = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "the key of the last round holding an ended match; null when none has"},
    )
    rounds = fields.List(
        fields.Nested(RoundSchema), required=True, metadata={"description": "in order of their first kick-off"}
    )


class ScorePairSchema(Schema):
    home = fields.Integer(required=True)
    away = fields.Integer(required=True)


class PredictionEntrySchema(Schema):
    match_id = fields.Integer(required=True)
    round = fields.String(required=True, metadata={"description": "the key of the match's round"})
    home_team = fields.String(required=True)
    away_team = fields.String(required=True)
    start_time = fields.DateTime(required=True)
    status = fields.String(required=True, metadata={"enum": ["open", "ended", "postponed", "canceled"]})
    result = fields.Nested(
        ScorePairSchema,
        allow_none=True,
        required=True,
        metadata={"description": "the scored pair (the tournament's scoring_result); null until ended"},
    )
    prediction = fields.Nested(ScorePairSchema, required=True)
    tier = fields.String(
        allow_none=True,
        required=True,
        metadata={"enum": ["exact", "goal_difference", "outcome", "none", None], "description": "null until ended"},
    )
    points = fields.Integer(required=True, metadata={"description": "the tier's points under this league's values"})


class ParticipantPredictionsSchema(Schema):
    league_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    tournament_id = fields.Integer(required=True)
    points = fields.Integer(required=True, metadata={"description": "the sum of the entries' points"})
    predictions = fields.List(
        fields.Nested(PredictionEntrySchema),
        required=True,
        metadata={"description": "in kick-off order; a match that has not kicked off is never shown"},
    )


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
