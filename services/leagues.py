"""What the front end reads, once per page load: a league's sync status, its standings, a
tournament's rounds and a participant's predictions, as JSON bodies the database builds
(repositories/leagues.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from database.pool import DictConnection, Pool
from repositories import leagues as leagues_repo


class NotFound(LookupError):
    """The league, the tournament within it, the round or the participant does not exist."""


def _not_found(
    conn: DictConnection,
    *,
    league_id: int,
    tournament_id: int | None = None,
    round: str | None = None,
    user_id: int | None = None,
) -> NotFound:
    """Why a body is null, in the order a request names things: the league, the tournament it
    follows, the round of that tournament, the participant."""
    found = leagues_repo.found(conn, league_id=league_id, tournament_id=tournament_id, round=round, user_id=user_id)
    if not found.league:
        return NotFound(f"league {league_id} not found")
    if not found.follows:
        return NotFound(f"league {league_id} does not follow tournament {tournament_id}")
    if not found.round:
        return NotFound(f"round {round} not found in tournament {tournament_id}")
    if not found.participant:
        return NotFound(f"user {user_id} is not a participant of league {league_id}")
    # Everything exists now: it changed between the two statements (a league, say, just created).
    return NotFound(f"league {league_id} not found")


def get_league(*, pool: Pool, league_id: int) -> str:
    """The league and its tournaments' statuses (LeagueSchema), as JSON text."""
    with pool.connection() as conn:
        body = leagues_repo.league(conn, league_id=league_id)
    if body is None:
        raise NotFound(f"league {league_id} not found")
    return body


def get_standings(
    *, pool: Pool, league_id: int, tournament_id: int | None, round: str | None = None, limit: int, offset: int
) -> str:
    """One page of the standings of one league tournament (after `round`, when given), or of
    the whole league when `tournament_id` is None (StandingsSchema), as JSON text."""
    with pool.connection() as conn:
        body = leagues_repo.standings(
            conn, league_id=league_id, tournament_id=tournament_id, round=round, limit=limit, offset=offset
        )
        if body is None:
            raise _not_found(conn, league_id=league_id, tournament_id=tournament_id, round=round)
    return body


def get_rounds(*, pool: Pool, league_id: int, tournament_id: int) -> str:
    """The rounds of a league tournament, in order, with the current one (RoundsSchema), as JSON text."""
    with pool.connection() as conn:
        body = leagues_repo.rounds(conn, league_id=league_id, tournament_id=tournament_id)
        if body is None:
            raise _not_found(conn, league_id=league_id, tournament_id=tournament_id)
    return body


def get_participant_predictions(
    *,
    pool: Pool,
    clock: Callable[[], datetime],
    league_id: int,
    user_id: int,
    tournament_id: int,
    round: str | None = None,
) -> str:
    """A participant's predictions in a league tournament (in `round` only, when given), each
    with its result, tier and points (ParticipantPredictionsSchema), as JSON text. Matches that
    have not kicked off by the clock's now are left out: nobody sees another's open prediction."""
    with pool.connection() as conn:
        body = leagues_repo.participant_predictions(
            conn, league_id=league_id, user_id=user_id, tournament_id=tournament_id, round=round, now=clock()
        )
        if body is None:
            raise _not_found(conn, league_id=league_id, tournament_id=tournament_id, round=round, user_id=user_id)
    return body
