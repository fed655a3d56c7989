"""What the pipeline needs from a match-data provider, independent of SofaScore."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class RoundRef:
    """Where a round lives at the provider (SPEC §6.2)."""

    unique_tournament_id: int
    season_id: int
    round_number: int
    round_slug: str | None = None
    round_prefix: str | None = None


@dataclass(frozen=True)
class ProviderEvent:
    """One match as the provider reports it, already mapped to our statuses (SPEC §6.3)."""

    event_id: int
    start_time: datetime
    status: str
    home_team: str | None = None  # not validated: the ticks never use team names
    away_team: str | None = None
    home_score: int | None = None
    away_score: int | None = None
    home_score_regular: int | None = None
    away_score_regular: int | None = None
    home_penalties: int | None = None
    away_penalties: int | None = None
    season_name: str | None = None


class ProviderError(Exception):
    """A failed provider request; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


@dataclass(frozen=True)
class RoundEvents:
    """A round's readable events, and why each unreadable one (by event id) could not be read.

    Whether an unreadable event matters depends on whether its match is known (SPEC §6.3),
    which only the caller can tell: `require` turns the ones that matter into a failure.
    """

    source: str
    events: list[ProviderEvent]
    malformed: dict[int, str]

    def require(self, event_ids: Iterable[int]) -> list[ProviderEvent]:
        """The events, unless one of these ids is unreadable (then the payload is malformed)."""
        bad = sorted(set(event_ids) & set(self.malformed))
        if bad:
            reasons = "; ".join(f"event {event_id}: {self.malformed[event_id]}" for event_id in bad)
            raise ProviderError(f"{self.source}: malformed payload: {reasons}", retryable=True)
        return self.events


class MatchDataProvider(Protocol):
    @property
    def attempt_seconds(self) -> float:
        """The longest one request may take, waiting for its turn included (a tick plans its budget with it)."""

    def fetch_round(self, ref: RoundRef) -> RoundEvents:
        """All events of a round; raises ProviderError when the payload as a whole is unusable."""

    def fetch_event(self, event_id: int) -> ProviderEvent:
        """One event by id; raises ProviderError."""

    def fetch_season_rounds(self, unique_tournament_id: int, season_id: int) -> list[RoundRef]:
        """Every round of a season, knockout slugs and prefixes included; raises ProviderError."""

    def close(self) -> None:
        """Release the HTTP session (once per tick)."""
