"""SofaScore client: browser-like headers, timeouts, rate limit, classified failures."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
from marshmallow import ValidationError

from provider.base import ProviderError, ProviderEvent, RoundEvents, RoundRef
from provider.ratelimit import RateLimiter
from provider.schemas import SeasonRoundsSchema, SingleEventSchema, describe_validation_error, parse_event, parse_round

BROWSER_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
    ),
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-GB,en;q=0.9",
    "Referer": "https://www.sofascore.com/",
    "Origin": "https://www.sofascore.com",
    "X-Requested-With": "XMLHttpRequest",
}
RETRYABLE_STATUSES = {403, 408, 429}
# A Retry-After longer than this is read as this: the tick clamps it to its budget anyway.
MAX_RETRY_AFTER_SECONDS = 24 * 3600


def make_http_session(kind: str) -> Any:
    """A `requests`-compatible session; `curl_cffi` impersonates a browser's TLS fingerprint."""
    if kind == "curl_cffi":
        from curl_cffi import requests as curl_requests  # optional, installed by the deployment

        return curl_requests.Session(impersonate="chrome")
    return requests.Session()


def round_path(ref: RoundRef) -> str:
    path = f"/unique-tournament/{ref.unique_tournament_id}/season/{ref.season_id}/events/round/{ref.round_number}"
    if ref.round_slug:
        path += f"/slug/{quote(ref.round_slug, safe='')}"
    if ref.round_prefix:
        path += f"/prefix/{quote(ref.round_prefix, safe='')}"
    return path


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """Retry-After as seconds (delta or HTTP date), within 0 and a day; None when unreadable."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - now).total_seconds()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


class SofaScoreProvider:
    """Implements MatchDataProvider over HTTP; every failure becomes a ProviderError."""

    def __init__(
        self, *, base_url: str, session: Any, timeout: float, limiter: RateLimiter, clock: Callable[[], datetime]
    ):
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout
        self.limiter = limiter
        self.clock = clock

    @property
    def attempt_seconds(self) -> float:
        return self.timeout + self.limiter.interval_seconds

    def fetch_round(self, ref: RoundRef) -> RoundEvents:
        path = round_path(ref)
        return self._get(path, lambda payload: parse_round(payload, source=f"GET {path}", now=self.clock()))

    def fetch_event(self, event_id: int) -> ProviderEvent:
        return self._get(
            f"/event/{event_id}",
            lambda payload: parse_event(SingleEventSchema().load(payload)["event"], now=self.clock()),
        )

    def fetch_season_rounds(self, unique_tournament_id: int, season_id: int) -> list[RoundRef]:
        payload = self._get(
            f"/unique-tournament/{unique_tournament_id}/season/{season_id}/rounds", SeasonRoundsSchema().load
        )
        return [
            RoundRef(unique_tournament_id, season_id, r["round"], r.get("slug"), r.get("prefix"))
            for r in payload["rounds"]
        ]

    def close(self) -> None:
        self.session.close()

    def _get(self, path: str, parse: Callable[[dict], Any]) -> Any:
        response = self._request(path)
        try:
            payload = response.json()
        except (ValueError, RecursionError):
            snippet = response.text[:80].replace("\n", " ")
            raise ProviderError(f"GET {path}: body is not JSON ({snippet!r})", retryable=True) from None
        if not isinstance(payload, dict):
            raise ProviderError(f"GET {path}: expected a JSON object, got {type(payload).__name__}", retryable=True)
        try:
            return parse(payload)
        except ValidationError as exc:
            raise ProviderError(
                f"GET {path}: malformed payload: {describe_validation_error(exc)}", retryable=True
            ) from None

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
            retry_after=retry_after_seconds(response.headers.get("Retry-After"), now=self.clock())
            if status == 429
            else None,
            status=status,
        )
