"""Import a season's fixtures from the provider so a new deployment has matches to poll."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from database.pool import Pool
from provider.base import MatchDataProvider, ProviderError, ProviderEvent, RoundRef
from repositories import tournaments as tournaments_repo


def _match_row(ref: RoundRef, event: ProviderEvent) -> dict[str, Any]:
    if event.home_team is None or event.away_team is None:
        raise ProviderError(f"event {event.event_id}: team names missing", retryable=False)
    return {
        "event_ids": event.event_id,
        "round_numbers": ref.round_number,
        "round_slugs": ref.round_slug,
        "round_prefixes": ref.round_prefix,
        "home_teams": event.home_team,
        "away_teams": event.away_team,
        "start_times": event.start_time,
        "statuses": event.status,
        "home_scores": event.home_score,
        "away_scores": event.away_score,
        "home_regular": event.home_score_regular,
        "away_regular": event.away_score_regular,
        "home_penalties": event.home_penalties,
        "away_penalties": event.away_penalties,
    }


def import_tournament(
    *,
    pool: Pool,
    provider_factory: Callable[[], MatchDataProvider],
    unique_tournament_id: int,
    season_id: int,
    name: str | None = None,
) -> dict[str, Any]:
    """Fetch every round, then write tournament and matches in one transaction (idempotent).

    A provider failure raises ProviderError before anything is written.
    """
    provider = provider_factory()
    try:
        rounds = provider.fetch_season_rounds(unique_tournament_id, season_id)
        rows: dict[int, dict[str, Any]] = {}
        season_name = None
        for ref in rounds:
            fetched = provider.fetch_round(ref)
            for event in fetched.require(fetched.malformed):  # every event becomes a match: all must be readable
                rows[event.event_id] = _match_row(ref, event)
                season_name = season_name or event.season_name
    finally:
        provider.close()
    with pool.connection() as conn, conn.transaction():
        tournament = tournaments_repo.upsert_tournament(
            conn,
            name=name or season_name or f"{unique_tournament_id}/{season_id}",
            unique_tournament_id=unique_tournament_id,
            season_id=season_id,
        )
        created, updated = tournaments_repo.upsert_matches(
            conn, tournament_id=tournament["id"], rows=list(rows.values())
        )
    return {
        "tournament_id": tournament["id"],
        "tournament_created": tournament["created"],
        "rounds": len(rounds),
        "matches_seen": len(rows),
        "matches_created": created,
        "matches_updated": updated,
        "matches_unchanged": len(rows) - created - updated,
    }
