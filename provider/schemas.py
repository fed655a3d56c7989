"""SofaScore payloads: validate what the ticks use, bound every number by what it means, map.

Nothing reaches the database unless the events it needs validate (SPEC §6.3). Fields the
ticks never use (team names, round names, other score periods) are not validated, so a
change there fails nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from provider.base import ProviderEvent, RoundEvents

ENDED_CODES = {100, 110, 120}  # ended, after extra time, after penalties
POSTPONED_CODES = {60}
CANCELED_CODES = {70, 90, 91, 92, 93}  # canceled, abandoned, walkover, retired, removed

MAX_SCORE = 999
MAX_ID = 2**63 - 1  # a positive 64-bit integer: what bigint holds
MAX_ROUND = 2**31 - 1
EARLIEST_KICKOFF = datetime(2000, 1, 1, tzinfo=UTC)
KICKOFF_HORIZON = timedelta(days=5 * 366)  # no fixture is scheduled further ahead than this


def map_status(code: int) -> str:
    """SofaScore status code → our match status; anything unknown is still `open`."""
    if code in ENDED_CODES:
        return "ended"
    if code in POSTPONED_CODES:
        return "postponed"
    if code in CANCELED_CODES:
        return "canceled"
    return "open"


class WholeNumber(fields.Integer):
    """A JSON integer: not a float, not a numeric string, not a boolean."""

    def __init__(self, **kwargs: Any):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def _score_field() -> fields.Integer:
    return WholeNumber(allow_none=True, validate=validate.Range(min=0, max=MAX_SCORE))


def _event_id_field() -> fields.Integer:
    return WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_ID))


class ProviderSchema(Schema):
    """Provider payloads carry many fields we do not use: ignore them, validate the rest."""

    class Meta:
        unknown = EXCLUDE


class ScoreSchema(ProviderSchema):
    display = _score_field()
    normaltime = _score_field()
    penalties = _score_field()


class StatusSchema(ProviderSchema):
    code = WholeNumber(required=True)


class EventIdSchema(ProviderSchema):
    id = _event_id_field()


class EventSchema(ProviderSchema):
    id = _event_id_field()
    startTimestamp = WholeNumber(
        required=True,
        validate=validate.Range(
            min=int(EARLIEST_KICKOFF.timestamp()), max=int(datetime(9999, 1, 1, tzinfo=UTC).timestamp())
        ),
    )
    status = fields.Nested(StatusSchema, required=True)
    homeScore = fields.Nested(ScoreSchema, load_default=dict)
    awayScore = fields.Nested(ScoreSchema, load_default=dict)

    @validates_schema
    def ended_events_have_final_scores(self, data: dict[str, Any], **kwargs) -> None:
        if "status" not in data or map_status(data["status"]["code"]) != "ended":
            return
        for side in ("homeScore", "awayScore"):
            if data.get(side, {}).get("display") is None:
                raise ValidationError("ended event without an integer display score", field_name=side)


def _text(container: Any, key: str) -> str | None:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, str) else None


def _to_event(raw: dict[str, Any], data: dict[str, Any], *, now: datetime) -> ProviderEvent:
    start_time = datetime.fromtimestamp(data["startTimestamp"], tz=UTC)
    if start_time > now + KICKOFF_HORIZON:
        raise ValidationError({"startTimestamp": [f"more than five years ahead: {start_time.isoformat()}"]})
    status = map_status(data["status"]["code"])
    home, away = data["homeScore"], data["awayScore"]
    ended = status == "ended"

    def regular(score: dict) -> int | None:
        normaltime = score.get("normaltime")
        return normaltime if normaltime is not None else score["display"]

    return ProviderEvent(
        event_id=data["id"],
        start_time=start_time,
        status=status,
        home_team=_text(raw.get("homeTeam"), "name"),
        away_team=_text(raw.get("awayTeam"), "name"),
        home_score=home["display"] if ended else None,
        away_score=away["display"] if ended else None,
        home_score_regular=regular(home) if ended else None,
        away_score_regular=regular(away) if ended else None,
        home_penalties=home.get("penalties") if ended else None,
        away_penalties=away.get("penalties") if ended else None,
        season_name=_text(raw.get("season"), "name"),
    )


def parse_event(raw: Any, *, now: datetime) -> ProviderEvent:
    """Validate and map one event; anything that fails on the way raises ValidationError."""
    if not isinstance(raw, dict):
        raise ValidationError("an event must be a JSON object")
    data = EventSchema().load(raw)
    try:
        return _to_event(raw, data, now=now)
    except (OverflowError, ValueError, OSError, KeyError, TypeError) as exc:
        raise ValidationError(f"cannot be mapped: {type(exc).__name__}: {exc}") from None


class RoundEventsSchema(ProviderSchema):
    events = fields.List(fields.Dict(), required=True)


def parse_round(payload: Any, *, source: str, now: datetime) -> RoundEvents:
    """A round's events by id (the last copy of a repeated id counts, once).

    Every event must carry a valid id, or nothing of the payload can be trusted; any other
    fault is recorded against its event id for the caller to judge (SPEC §6.3).
    """
    raw_events = RoundEventsSchema().load(payload)["events"]
    by_id: dict[int, dict[str, Any]] = {}
    for position, raw in enumerate(raw_events):
        try:
            event_id = EventIdSchema().load(raw)["id"]
        except ValidationError as exc:
            raise ValidationError({"events": {position: exc.messages}}) from None
        by_id.pop(event_id, None)
        by_id[event_id] = raw
    events: list[ProviderEvent] = []
    malformed: dict[int, str] = {}
    for event_id, raw in by_id.items():
        try:
            events.append(parse_event(raw, now=now))
        except ValidationError as exc:
            malformed[event_id] = describe_validation_error(exc)
    return RoundEvents(source=source, events=events, malformed=malformed)


class SingleEventSchema(ProviderSchema):
    event = fields.Dict(required=True)


class SeasonRoundSchema(ProviderSchema):
    round = WholeNumber(required=True, validate=validate.Range(min=0, max=MAX_ROUND))
    slug = fields.String()
    prefix = fields.String()


class SeasonRoundsSchema(ProviderSchema):
    rounds = fields.List(fields.Nested(SeasonRoundSchema), required=True)


def describe_validation_error(error: ValidationError) -> str:
    """A one-line, readable reason such as `events.0.homeScore.display: Not a valid integer.`"""

    def flatten(messages: Any, prefix: str = "") -> list[str]:
        if isinstance(messages, dict):
            return [line for key, value in messages.items() for line in flatten(value, f"{prefix}{key}.")]
        if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
            return [f"{prefix.rstrip('.')}: {' '.join(messages)}".lstrip(": ")]
        return [f"{prefix.rstrip('.')}: {messages}".lstrip(": ")]

    return "; ".join(flatten(error.messages))
