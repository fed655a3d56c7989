"""Named queries over `match` for the matches tick."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from database.pool import DictConnection, one_row
from provider.base import ProviderEvent

# SPEC §6.1 and §6.10: three arms, each served by its own partial index.
_DUE_MATCHES = """
    select id, sofascore_event_id, tournament_id, round_number, round_slug, round_prefix, start_time
      from match
     where status = 'open' and start_time <= %(open_cutoff)s
       and (last_checked_at is null or last_checked_at <= %(recheck_cutoff)s)
    union all
    select id, sofascore_event_id, tournament_id, round_number, round_slug, round_prefix, start_time
      from match
     where status = 'postponed'
       and (last_checked_at is null or last_checked_at <= %(postponed_cutoff)s)
    union all
    select id, sofascore_event_id, tournament_id, round_number, round_slug, round_prefix, start_time
      from match
     where settle_check_at <= %(now)s and status = 'ended'
       and (last_checked_at is null or last_checked_at <= %(recheck_cutoff)s)
"""

DUE_ROUNDS = f"""
with due as ({_DUE_MATCHES})
select due.tournament_id, due.round_number, due.round_slug, due.round_prefix,
       t.sofascore_unique_tournament_id, t.sofascore_season_id,
       count(*) as due_matches, min(due.start_time) as first_start
  from due
  join tournament t on t.id = due.tournament_id
 group by due.tournament_id, due.round_number, due.round_slug, due.round_prefix,
          t.sofascore_unique_tournament_id, t.sofascore_season_id
 order by first_start, due.tournament_id, due.round_number
"""

DUE_MATCHES_OF_ROUND = f"""
with due as ({_DUE_MATCHES})
select id, sofascore_event_id
  from due
 where tournament_id = %(tournament_id)s and round_number = %(round_number)s
   and round_slug is not distinct from %(round_slug)s
   and round_prefix is not distinct from %(round_prefix)s
"""

KNOWN_EVENT_IDS = "select sofascore_event_id from match where sofascore_event_id = any(%(ids)s)"

# Writes every known event of a payload; reports which matches became ended. The triggers
# (sql/functions/03_tallies.sql) mark the league tournaments of every changed scored outcome
# and move its predictions' tiers (SPEC §6.5).
APPLY_EVENTS = """
with incoming as (
    select *
      from unnest(%(event_ids)s::bigint[], %(statuses)s::text[], %(start_times)s::timestamptz[],
                  %(home_scores)s::int[], %(away_scores)s::int[],
                  %(home_regular)s::int[], %(away_regular)s::int[],
                  %(home_penalties)s::int[], %(away_penalties)s::int[])
        as i(sofascore_event_id, status, start_time, home_score, away_score,
             home_score_regular, away_score_regular, home_penalties, away_penalties)
),
previous as (
    select m.id, m.status, m.home_score, m.away_score, m.home_score_regular, m.away_score_regular
      from match m join incoming i using (sofascore_event_id)
),
updated as (
    update match m
       set status = i.status,
           start_time = i.start_time,
           home_score = i.home_score, away_score = i.away_score,
           home_score_regular = i.home_score_regular, away_score_regular = i.away_score_regular,
           home_penalties = i.home_penalties, away_penalties = i.away_penalties,
           settle_check_at = case
               when i.status <> 'ended' or %(settle_minutes)s = 0 then null
               when m.status <> 'ended' then %(now)s + make_interval(mins => %(settle_minutes)s)
               when m.settle_check_at <= %(now)s then null   -- this fetch was the late-correction check
               else m.settle_check_at
           end
      from incoming i
     where m.sofascore_event_id = i.sofascore_event_id
 returning m.id, m.status
)
select u.id from updated u join previous p using (id) where p.status <> 'ended' and u.status = 'ended'
"""

MARK_CHECKED = "update match set last_checked_at = %(now)s where id = any(%(ids)s)"

# The fence (sql/005) holds the highest token seen for a round. A claim records its token as
# it starts, so from then on an older claim is fenced out even before the new one writes.
RECORD_CLAIM = """
insert into round_fence as f (round_key, token, applied_at) values (%(key)s, %(token)s, %(now)s)
on conflict (round_key) do update set token = greatest(f.token, excluded.token), applied_at = excluded.applied_at
"""

# A write is accepted only if no newer claim of the round has been seen; the row lock orders
# a write and a newer claim's record.
ADVANCE_FENCE = """
insert into round_fence as f (round_key, token, applied_at) values (%(key)s, %(token)s, %(now)s)
on conflict (round_key) do update set token = excluded.token, applied_at = excluded.applied_at
 where f.token <= excluded.token
returning token
"""

PRUNE_FENCES = "delete from round_fence where applied_at < %(before)s"

# How many league tournaments this transaction's marks changed to outdata (the mark function counts them).
MARKED_OUTDATA_IN_TRANSACTION = """
select coalesce(nullif(current_setting('pipeline.marked_outdata', true), ''), '0')::int as marked
"""


@dataclass(frozen=True)
class DuePolicy:
    """When matches are due (SPEC §3 minutes), turned into cut-off times for one tick."""

    result_delay_minutes: int
    recheck_minutes: int
    postponed_recheck_minutes: int

    def params(self, now: datetime) -> dict:
        return {
            "now": now,
            "open_cutoff": now - timedelta(minutes=self.result_delay_minutes),
            "recheck_cutoff": now - timedelta(minutes=self.recheck_minutes),
            "postponed_cutoff": now - timedelta(minutes=self.postponed_recheck_minutes),
        }


def due_rounds(conn: DictConnection, *, policy: DuePolicy, now: datetime) -> list[dict]:
    return conn.execute(DUE_ROUNDS, policy.params(now)).fetchall()


def due_matches_of_round(
    conn: DictConnection,
    *,
    policy: DuePolicy,
    now: datetime,
    tournament_id: int,
    round_number: int,
    round_slug: str | None,
    round_prefix: str | None,
) -> list[dict]:
    params = {
        **policy.params(now),
        "tournament_id": tournament_id,
        "round_number": round_number,
        "round_slug": round_slug,
        "round_prefix": round_prefix,
    }
    return conn.execute(DUE_MATCHES_OF_ROUND, params).fetchall()


def known_event_ids(conn: DictConnection, *, event_ids: list[int]) -> set[int]:
    if not event_ids:
        return set()
    return {row["sofascore_event_id"] for row in conn.execute(KNOWN_EVENT_IDS, {"ids": event_ids})}


def apply_events(conn: DictConnection, *, events: list[ProviderEvent], now: datetime, settle_minutes: int) -> list[int]:
    """Write the events of known matches (unknown event ids are ignored); returns the ids of
    matches that became ended (in the caller's transaction)."""
    rows = conn.execute(
        APPLY_EVENTS,
        {
            "event_ids": [e.event_id for e in events],
            "statuses": [e.status for e in events],
            "start_times": [e.start_time for e in events],
            "home_scores": [e.home_score for e in events],
            "away_scores": [e.away_score for e in events],
            "home_regular": [e.home_score_regular for e in events],
            "away_regular": [e.away_score_regular for e in events],
            "home_penalties": [e.home_penalties for e in events],
            "away_penalties": [e.away_penalties for e in events],
            "now": now,
            "settle_minutes": settle_minutes,
        },
    ).fetchall()
    return [row["id"] for row in rows]


def mark_checked(conn: DictConnection, *, match_ids: list[int], now: datetime) -> int:
    return conn.execute(MARK_CHECKED, {"ids": match_ids, "now": now}).rowcount


def marked_outdata_in_transaction(conn: DictConnection) -> int:
    """League tournaments that changed to outdata so far in this transaction (not those already outdata)."""
    return one_row(conn.execute(MARKED_OUTDATA_IN_TRANSACTION))["marked"]


def record_claim(conn: DictConnection, *, round_key: str, token: int, now: datetime) -> None:
    conn.execute(RECORD_CLAIM, {"key": round_key, "token": token, "now": now})


def advance_fence(conn: DictConnection, *, round_key: str, token: int, now: datetime) -> bool:
    """In the round's write transaction: may a claim with this token write the round?"""
    return conn.execute(ADVANCE_FENCE, {"key": round_key, "token": token, "now": now}).fetchone() is not None


def prune_fences(conn: DictConnection, *, before: datetime) -> int:
    """Fences untouched for long: no claim that old is still alive to be fenced out."""
    return conn.execute(PRUNE_FENCES, {"before": before}).rowcount
