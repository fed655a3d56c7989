"""Request parameter schemas: query string and JSON body merged, body wins (SPEC §5)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

MAX_ID = 2**63 - 1  # what a bigint id can be
MAX_ROUND_KEY = 200  # a round key is opaque text (SPEC §5 rounds endpoint), never longer than this
_DIGITS = re.compile(r"\s*[+-]?\d{1,30}\s*")


class WholeNumber(fields.Integer):
    """A JSON integer, or a string of digits from a query string: never a float, a boolean
    or a number too long to mean anything (so `1.7` is a 400, not a silent 1)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (bool, float)):
            raise self.make_error("invalid", input=value)
        if isinstance(value, str) and not _DIGITS.fullmatch(value):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """Only true/false/1/0 (any case), a JSON boolean, or the JSON integers 1 and 0."""

    truthy = {"true", "1", 1}
    falsy = {"false", "0", 0}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float):
            raise self.make_error("invalid", input=value)
        if isinstance(value, str):
            value = value.strip().lower()
        return super()._deserialize(value, attr, data, **kwargs)


def _id(**kwargs: Any) -> WholeNumber:
    return WholeNumber(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class MatchesTickParams(Schema):
    max_rounds = WholeNumber(validate=validate.Range(min=1, max=500))
    dry_run = StrictBoolean(load_default=False)


class ScoresTickParams(Schema):
    max_leagues = WholeNumber(validate=validate.Range(min=1, max=100_000))
    dry_run = StrictBoolean(load_default=False)


class RunsQuery(Schema):
    limit = WholeNumber(load_default=20, validate=validate.Range(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(["matches", "scores"]))
    outcome = fields.String(validate=validate.OneOf(["running", "ok", "partial", "failed"]))


def _no_nul(value: str) -> None:
    """No PostgreSQL text holds a NUL: let one through and the query fails (a 500, not a 404)."""
    if "\x00" in value:
        raise ValidationError("must not contain a NUL character")


def _round(**kwargs: Any) -> fields.String:
    """A round key from the rounds endpoint: opaque text, 1–200 characters."""
    return fields.String(
        validate=[validate.Length(min=1, max=MAX_ROUND_KEY), _no_nul],
        metadata={"description": "a round's `key` from the rounds endpoint"},
        **kwargs,
    )


class LeaguePath(Schema):
    league_id = _id(required=True)


class ParticipantPath(Schema):
    league_id = _id(required=True)
    user_id = _id(required=True)


class StandingsQuery(Schema):
    tournament_id = _id()
    round = _round()
    limit = WholeNumber(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = WholeNumber(load_default=0, validate=validate.Range(min=0, max=1_000_000))

    @validates_schema
    def _round_needs_a_tournament(self, data: dict[str, Any], **kwargs: Any) -> None:
        """The standings after a round are one tournament's: the whole league has no rounds."""
        if "round" in data and "tournament_id" not in data:
            raise ValidationError("required with round", field_name="tournament_id")


class RoundsQuery(Schema):
    tournament_id = _id(required=True)


class PredictionsQuery(Schema):
    tournament_id = _id(required=True)
    round = _round()


def request_parameters(request: Request) -> dict[str, Any]:
    """Query-string parameters overlaid by a JSON-object body; anything else is a 400."""
    merged: dict[str, Any] = request.args.to_dict(flat=True)
    raw = request.get_data(cache=True)
    if raw.strip():
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than any parameter could be
            raise ValidationError({"body": ["must be a JSON object"]}) from None
        if not isinstance(body, dict):
            raise ValidationError({"body": ["must be a JSON object"]})
        merged.update(body)
    return merged
