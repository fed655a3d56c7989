"""Named queries of the public league API. Each body is JSON text the database holds or builds
in one statement: the league's page is stored (sql/functions/05_pages.sql), a standings page is
built by `standings_body()` (sql/functions/04_standings.sql, planned once per session) from a
few rows read through indexes whatever the league's size or the page's offset, and so are a
tournament's rounds (`rounds_body()`) and a participant's predictions
(`participant_predictions_body()`). The service only passes the text on (LeagueSchema,
StandingsSchema, RoundsSchema, ParticipantPredictionsSchema)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from database.pool import DictConnection

LEAGUE = "select body from league_page where league_id = %(league_id)s"
STANDINGS = "select standings_body(%(league_id)s, %(tournament_id)s, %(round)s::text, %(limit)s, %(offset)s) as body"
ROUNDS = "select rounds_body(%(league_id)s, %(tournament_id)s) as body"
PREDICTIONS = (
    "select participant_predictions_body(%(league_id)s, %(user_id)s, %(tournament_id)s, %(round)s::text, "
    "%(now)s::timestamptz) as body"
)
# Why a body is null: read only then, so a 404 names what is missing and a 200 costs nothing more.
MISSING = """
select exists (select 1 from league l where l.id = %(league_id)s) as league,
       %(tournament_id)s::bigint is null
           or exists (select 1 from league_tournament lt
                       where lt.league_id = %(league_id)s and lt.tournament_id = %(tournament_id)s::bigint)
           as follows,
       case when %(round)s::text is null or %(tournament_id)s::bigint is null then true
            else round_exists(%(tournament_id)s::bigint, %(round)s::text) end as round,
       %(user_id)s::bigint is null
           or exists (select 1 from league_participant lp
                       where lp.league_id = %(league_id)s and lp.user_id = %(user_id)s::bigint)
           as participant
"""


@dataclass(frozen=True)
class Found:
    """What of a request's league, tournament, round and participant exists (True where the
    request names none)."""

    league: bool
    follows: bool
    round: bool
    participant: bool


def _body(conn: DictConnection, query: str, params: dict) -> str | None:
    row = conn.execute(query, params).fetchone()
    return row["body"] if row else None


def league(conn: DictConnection, *, league_id: int) -> str | None:
    """The league's JSON body, or None if there is no such league."""
    return _body(conn, LEAGUE, {"league_id": league_id})


def standings(
    conn: DictConnection, *, league_id: int, tournament_id: int | None, round: str | None, limit: int, offset: int
) -> str | None:
    """One page's JSON body of a league tournament (after `round`, when given), or of the whole
    league when `tournament_id` is None; None when there is no such league, it does not follow
    the tournament, or the tournament has no such round."""
    return _body(
        conn,
        STANDINGS,
        {"league_id": league_id, "tournament_id": tournament_id, "round": round, "limit": limit, "offset": offset},
    )


def rounds(conn: DictConnection, *, league_id: int, tournament_id: int) -> str | None:
    """The JSON body of a league tournament's rounds, in order; None when there is no such
    league or it does not follow the tournament."""
    return _body(conn, ROUNDS, {"league_id": league_id, "tournament_id": tournament_id})


def participant_predictions(
    conn: DictConnection, *, league_id: int, user_id: int, tournament_id: int, round: str | None, now: datetime
) -> str | None:
    """The JSON body of a participant's predictions in a league tournament (in `round` only,
    when given) on matches that kicked off by `now`; None when there is no such league, it does
    not follow the tournament, the user is not a participant or the tournament has no such round."""
    return _body(
        conn,
        PREDICTIONS,
        {"league_id": league_id, "user_id": user_id, "tournament_id": tournament_id, "round": round, "now": now},
    )


def found(
    conn: DictConnection,
    *,
    league_id: int,
    tournament_id: int | None = None,
    round: str | None = None,
    user_id: int | None = None,
) -> Found:
    """Which of the named league, league tournament, round and participant exist."""
    row = conn.execute(
        MISSING, {"league_id": league_id, "tournament_id": tournament_id, "round": round, "user_id": user_id}
    ).fetchone()
    assert row is not None  # a select without from always answers one row
    return Found(league=row["league"], follows=row["follows"], round=row["round"], participant=row["participant"])
