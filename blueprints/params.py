"""Request parameter schemas: query string and JSON body merged, body wins (SPEC §5)."""

from __future__ import annotations

import json
from typing import Any

from flask import Request
from marshmallow import Schema, ValidationError, fields, validate


class StrictBoolean(fields.Boolean):
    """Only true/false/1/0 (any case), or a JSON boolean."""

    truthy = {"true", "1", 1, True}
    falsy = {"false", "0", 0, False}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip().lower()
        return super()._deserialize(value, attr, data, **kwargs)


class MatchesTickParams(Schema):
    max_rounds = fields.Integer(validate=validate.Range(min=1, max=500))
    dry_run = StrictBoolean(load_default=False)


class ScoresTickParams(Schema):
    max_leagues = fields.Integer(validate=validate.Range(min=1, max=5000))
    dry_run = StrictBoolean(load_default=False)


class RunsQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(["matches", "scores"]))
    outcome = fields.String(validate=validate.OneOf(["running", "ok", "partial", "failed"]))


def request_parameters(request: Request) -> dict[str, Any]:
    """Query-string parameters overlaid by a JSON-object body; anything else is a 400."""
    merged: dict[str, Any] = request.args.to_dict(flat=True)
    raw = request.get_data(cache=True)
    if raw.strip():
        try:
            body = json.loads(raw)
        except ValueError:
            raise ValidationError({"body": ["must be a JSON object"]}) from None
        if not isinstance(body, dict):
            raise ValidationError({"body": ["must be a JSON object"]})
        merged.update(body)
    return merged


class StandingsQuery(Schema):
    tournament_id = fields.Integer(validate=validate.Range(min=1))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
