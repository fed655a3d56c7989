"""SofaScore client: browser-like headers, timeouts, rate limit, classified failures."""

from __future__ import annotations

from typing import Any

import requests
from marshmallow import Schema, ValidationError

from provider.base import ProviderError, ProviderEvent, RoundRef
from provider.ratelimit import RateLimiter
from provider.schemas import RoundEventsSchema, SeasonRoundsSchema, SingleEventSchema, describe_validation_error

BROWSER_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0 Safari/537.36"
    ),
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-GB,en;q=0.9",
    "Referer": "https://www.sofascore.com/",
    "Origin": "https://www.sofascore.com",
    "X-Requested-With": "XMLHttpRequest",
}
RETRYABLE_STATUSES = {403, 408, 429}


def make_http_session(kind: str) -> Any:
    """A `requests`-compatible session; `curl_cffi` impersonates a browser's TLS fingerprint."""
    if kind == "curl_cffi":
        from curl_cffi import requests as curl_requests  # optional, installed by the deployment

        return curl_requests.Session(impersonate="chrome")
    return requests.Session()


def round_path(ref: RoundRef) -> str:
    path = f"/unique-tournament/{ref.unique_tournament_id}/season/{ref.season_id}/events/round/{ref.round_number}"
    if ref.round_slug:
        path += f"/slug/{ref.round_slug}"
    if ref.round_prefix:
        path += f"/prefix/{ref.round_prefix}"
    return path


def _retry_after_seconds(response: Any) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class SofaScoreProvider:
    """Implements MatchDataProvider over HTTP; every failure becomes a ProviderError."""

    def __init__(self, *, base_url: str, session: Any, timeout: float, limiter: RateLimiter):
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout
        self.limiter = limiter

    def fetch_round(self, ref: RoundRef) -> list[ProviderEvent]:
        return self._get(round_path(ref), RoundEventsSchema())["events"]

    def fetch_event(self, event_id: int) -> ProviderEvent:
        return self._get(f"/event/{event_id}", SingleEventSchema())["event"]

    def fetch_season_rounds(self, unique_tournament_id: int, season_id: int) -> list[RoundRef]:
        payload = self._get(f"/unique-tournament/{unique_tournament_id}/season/{season_id}/rounds", SeasonRoundsSchema())
        return [RoundRef(unique_tournament_id, season_id, r["round"], r.get("slug"), r.get("prefix"))
                for r in payload["rounds"]]

    def _get(self, path: str, schema: Schema) -> dict:
        response = self._request(path)
        try:
            payload = response.json()
        except ValueError:
            snippet = response.text[:80].replace("\n", " ")
            raise ProviderError(f"GET {path}: body is not JSON ({snippet!r})", retryable=True) from None
        if not isinstance(payload, dict):
            raise ProviderError(f"GET {path}: expected a JSON object, got {type(payload).__name__}", retryable=True)
        try:
            return schema.load(payload)
        except ValidationError as exc:
            raise ProviderError(f"GET {path}: malformed payload: {describe_validation_error(exc)}", retryable=True) from None

    def _request(self, path: str) -> Any:
        self.limiter.acquire()
        url = f"{self.base_url}{path}"
        try:
            response = self.session.get(url, headers=BROWSER_HEADERS, timeout=self.timeout)
        except Exception as exc:  # connection refused, timeout, TLS, …: all worth another try
            raise ProviderError(f"GET {path}: {type(exc).__name__}: {exc}", retryable=True) from None
        status = response.status_code
        if status == 200:
            return response
        retryable = status in RETRYABLE_STATUSES or status >= 500
        raise ProviderError(
            f"GET {path}: HTTP {status}",
            retryable=retryable,
            retry_after=_retry_after_seconds(response) if status == 429 else None,
            status=status,
        )

