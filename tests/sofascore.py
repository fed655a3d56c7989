"""Builders of SofaScore-format JSON and a request-counting stand-in on pytest-httpserver."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pytest_httpserver import URIPattern
from werkzeug import Request, Response

STATUS_TYPES = {
    0: "notstarted",
    6: "inprogress",
    60: "postponed",
    70: "canceled",
    100: "finished",
    110: "finished",
    120: "finished",
    31: "inprogress",
    90: "canceled",
}


def event(
    event_id: int,
    code: int,
    *,
    start: datetime,
    home: dict | None = None,
    away: dict | None = None,
    round_number: int = 1,
    slug: str | None = None,
    home_team: str = "Home",
    away_team: str = "Away",
) -> dict:
    round_info: dict[str, Any] = {"round": round_number}
    if slug:
        round_info["slug"] = slug
    return {
        "id": event_id,
        "startTimestamp": int(start.timestamp()),
        "status": {"code": code, "description": str(code), "type": STATUS_TYPES.get(code, "inprogress")},
        "homeTeam": {"id": event_id * 10, "name": home_team, "slug": home_team.lower(), "shortName": home_team},
        "awayTeam": {"id": event_id * 10 + 1, "name": away_team, "slug": away_team.lower(), "shortName": away_team},
        "homeScore": home or {},
        "awayScore": away or {},
        "winnerCode": 3,
        "roundInfo": round_info,
    }


def final_score(display: int, **extra: int) -> dict:
    """A score object of an ended match: current = display unless a shoot-out adds to it."""
    return {"current": display, "display": display, "period1": 0, "period2": display, **extra}


def round_path(utid: int, sid: int, round_number: int, slug: str | None = None, prefix: str | None = None) -> str:
    path = f"/api/v1/unique-tournament/{utid}/season/{sid}/events/round/{round_number}"
    if slug:
        path += f"/slug/{slug}"
    if prefix:
        path += f"/prefix/{prefix}"
    return path


class StandIn:
    """Serves scripted responses per path and counts every request (thread-safe)."""

    def __init__(self, httpserver):
        self.httpserver = httpserver
        self.counts: Counter[str] = Counter()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._routes: dict[str, Callable[[int], Response]] = {}
        httpserver.expect_request(_AnyPath()).respond_with_handler(self._handle)

    @property
    def base_url(self) -> str:
        return self.httpserver.url_for("/api/v1")

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.counts[request.path] += 1
            self.requests.append(request)
            attempt = self.counts[request.path]
        route = self._routes.get(request.path)
        if route is None:
            return Response(
                json.dumps({"error": {"code": 404, "message": "Not Found"}}),
                status=404,
                content_type="application/json",
            )
        return route(attempt)

    def respond(self, path: str, *responses: Response | dict) -> None:
        """Answer the n-th request with the n-th response (the last one repeats)."""
        prepared = [r if isinstance(r, Response) else json_response(r) for r in responses]
        self._routes[path] = lambda attempt: prepared[min(attempt, len(prepared)) - 1]

    def round(self, path: str, events: list[dict]) -> None:
        self.respond(path, {"events": events})


class _AnyPath(URIPattern):
    """A URI matcher accepting every path (pytest-httpserver's URIPattern protocol)."""

    def match(self, uri: str) -> bool:
        return True


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


def error_response(status: int, headers: dict | None = None) -> Response:
    return json_response(
        {"error": {"code": status, "reason": "challenge" if status == 403 else "error"}}, status, headers
    )
