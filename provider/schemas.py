"""Marshmallow schemas for SofaScore payloads: validate fully, then map to ProviderEvent.

Nothing reaches the database unless the whole payload validates (SPEC §6.3).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from provider.base import ProviderEvent

ENDED_CODES = {100, 110, 120}  # ended, after extra time, after penalties
POSTPONED_CODES = {60}
CANCELED_CODES = {70, 90, 91, 92, 93}  # canceled, abandoned, walkover, retired, removed


def map_status(code: int) -> str:
    """SofaScore status code → our match status; anything unknown is still `open`."""
    if code in ENDED_CODES:
        return "ended"
    if code in POSTPONED_CODES:
        return "postponed"
    if code in CANCELED_CODES:
        return "canceled"
    return "open"


def _score_field() -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=0), allow_none=False)


class ProviderSchema(Schema):
    """Provider payloads carry many fields we do not use: ignore them, validate the rest."""

    class Meta:
        unknown = EXCLUDE


class ScoreSchema(ProviderSchema):
    current = _score_field()
    display = _score_field()
    period1 = _score_field()
    period2 = _score_field()
    normaltime = _score_field()
    extra1 = _score_field()
    extra2 = _score_field()
    overtime = _score_field()
    penalties = _score_field()


class StatusSchema(ProviderSchema):
    code = fields.Integer(strict=True, required=True)
    description = fields.String()
    type = fields.String()


class TeamSchema(ProviderSchema):
    name = fields.String(required=True)


class RoundInfoSchema(ProviderSchema):
    round = fields.Integer(strict=True)
    slug = fields.String()
    name = fields.String()


class SeasonSchema(ProviderSchema):
    name = fields.String()


class EventSchema(ProviderSchema):
    id = fields.Integer(strict=True, required=True)
    startTimestamp = fields.Integer(strict=True, required=True)
    status = fields.Nested(StatusSchema, required=True)
    homeTeam = fields.Nested(TeamSchema, required=True)
    awayTeam = fields.Nested(TeamSchema, required=True)
    homeScore = fields.Nested(ScoreSchema, load_default=dict)
    awayScore = fields.Nested(ScoreSchema, load_default=dict)
    roundInfo = fields.Nested(RoundInfoSchema, load_default=dict)
    season = fields.Nested(SeasonSchema, load_default=dict)

    @validates_schema
    def ended_events_have_final_scores(self, data: dict[str, Any], **kwargs) -> None:
        if map_status(data["status"]["code"]) != "ended":
            return
        for side in ("homeScore", "awayScore"):
            if data[side].get("display") is None:
                raise ValidationError(f"ended event without an integer display score", field_name=side)

    @post_load
    def to_event(self, data: dict[str, Any], **kwargs) -> ProviderEvent:
        status = map_status(data["status"]["code"])
        home, away = data["homeScore"], data["awayScore"]
        ended = status == "ended"

        def final(score: dict) -> int | None:
            return score["display"] if ended else None

        def regular(score: dict) -> int | None:
            return score.get("normaltime", score["display"]) if ended else None

        def penalties(score: dict) -> int | None:
            return score.get("penalties") if ended else None

        return ProviderEvent(
            event_id=data["id"],
            start_time=datetime.fromtimestamp(data["startTimestamp"], tz=timezone.utc),
            status=status,
            home_team=data["homeTeam"]["name"],
            away_team=data["awayTeam"]["name"],
            round_number=data["roundInfo"].get("round"),
            round_slug=data["roundInfo"].get("slug"),
            home_score=final(home),
            away_score=final(away),
            home_score_regular=regular(home),
            away_score_regular=regular(away),
            home_penalties=penalties(home),
            away_penalties=penalties(away),
            season_name=data["season"].get("name"),
        )


class RoundEventsSchema(ProviderSchema):
    events = fields.List(fields.Nested(EventSchema), required=True)


class SingleEventSchema(ProviderSchema):
    event = fields.Nested(EventSchema, required=True)


class SeasonRoundSchema(ProviderSchema):
    round = fields.Integer(strict=True, required=True)
    slug = fields.String()
    prefix = fields.String()
    name = fields.String()


class SeasonRoundsSchema(ProviderSchema):
    rounds = fields.List(fields.Nested(SeasonRoundSchema), required=True)


def describe_validation_error(error: ValidationError) -> str:
    """A one-line, readable reason such as `events.0.homeScore.display: Not a valid integer.`"""

    def flatten(messages: Any, prefix: str = "") -> list[str]:
        if isinstance(messages, dict):
            return [line for key, value in messages.items() for line in flatten(value, f"{prefix}{key}.")]
        if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
            return [f"{prefix.rstrip('.')}: {' '.join(messages)}"]
        return [f"{prefix.rstrip('.')}: {messages}"]

    return "; ".join(flatten(error.messages))
