"""Named queries of the scores tick (SPEC §7): claim, recalculate, finish, requeue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

# Waiting rows, oldest first by their first mark, so none starves under budget pressure.
_CLAIMABLE = """
    select id from league_tournament
     where (participants_scores_status = 'outdata'
            or (participants_scores_status = 'syncing'
                and (sync_claimed_at is null or sync_claimed_at <= %(lease_cutoff)s)))
       and not (id = any(%(handled)s))
     order by marked_outdata_at nulls first, id
     limit %(limit)s
"""

CLAIM = f"""
with candidates as ({_CLAIMABLE} for update skip locked)
update league_tournament lt
   set participants_scores_status = 'syncing', sync_claimed_at = %(now)s, sync_run_id = %(run_id)s
  from candidates
 where lt.id = candidates.id
returning lt.id, lt.league_id, lt.tournament_id, lt.marked_outdata_at
"""

CLAIMABLE_PREVIEW = f"""
with candidates as ({_CLAIMABLE})
select lt.id, (select count(*) from league_participant lp where lp.league_id = lt.league_id) as participants
  from candidates join league_tournament lt using (id)
"""

# The standings of one league tournament computed from scratch by SPEC §7.3-7.4: every
# participant gets a row (0 points without predictions); only the highest tier counts.
_FROM_SCRATCH = """
target as (
    select lt.id, lt.league_id, lt.tournament_id, t.scoring_result,
           l.points_exact, l.points_goal_difference, l.points_outcome
      from league_tournament lt
      join league l on l.id = lt.league_id
      join tournament t on t.id = lt.tournament_id
     where lt.id = %(league_tournament_id)s
),
results as (
    select m.id as match_id,
           case when target.scoring_result = 'after_extra_time' then m.home_score else m.home_score_regular end as home,
           case when target.scoring_result = 'after_extra_time' then m.away_score else m.away_score_regular end as away
      from target
      join match m on m.tournament_id = target.tournament_id
     where m.status = 'ended'
),
tiers as (
    -- 3 exact, 2 goal difference, 1 outcome, 0 nothing: grouped once per (user, tier)
    select p.user_id,
           case
               when r.home is null or r.away is null then 0
               when p.home_score = r.home and p.away_score = r.away then 3
               when r.home <> r.away and p.home_score - p.away_score = r.home - r.away then 2
               when sign(p.home_score - p.away_score) = sign(r.home - r.away) then 1
               else 0
           end as tier,
           count(*) as predictions
      from target
      join league_participant lp on lp.league_id = target.league_id
      join prediction p on p.user_id = lp.user_id
      join results r on r.match_id = p.match_id
     group by 1, 2
),
per_user as (
    select user_id,
           coalesce(sum(predictions) filter (where tier = 3), 0) as exact_count,
           coalesce(sum(predictions) filter (where tier = 2), 0) as goal_difference_count,
           coalesce(sum(predictions) filter (where tier = 1), 0) as outcome_count
      from tiers
     group by user_id
),
scored as (
    select lp.user_id,
           coalesce(pu.exact_count, 0)::int as exact_count,
           coalesce(pu.goal_difference_count, 0)::int as goal_difference_count,
           coalesce(pu.outcome_count, 0)::int as outcome_count,
           (coalesce(pu.exact_count, 0) * target.points_exact
            + coalesce(pu.goal_difference_count, 0) * target.points_goal_difference
            + coalesce(pu.outcome_count, 0) * target.points_outcome)::int as points
      from target
      join league_participant lp on lp.league_id = target.league_id
      left join per_user pu on pu.user_id = lp.user_id
),
ranked as (
    select scored.*, rank() over (order by points desc, exact_count desc)::int as rank from scored
)
"""

FROM_SCRATCH = f"""
with {_FROM_SCRATCH}
select user_id, points, exact_count, goal_difference_count, outcome_count, rank from ranked order by user_id
"""

STORED = """
select user_id, points, exact_count, goal_difference_count, outcome_count, rank
  from participant_score where league_tournament_id = %(league_tournament_id)s order by user_id
"""

RECALCULATE = f"""
with {_FROM_SCRATCH},
upserted as (
    insert into participant_score as ps
           (league_tournament_id, user_id, points, exact_count, goal_difference_count, outcome_count, rank)
    select %(league_tournament_id)s, user_id, points, exact_count, goal_difference_count, outcome_count, rank
      from ranked
    on conflict (league_tournament_id, user_id) do update
       set points = excluded.points, exact_count = excluded.exact_count,
           goal_difference_count = excluded.goal_difference_count, outcome_count = excluded.outcome_count,
           rank = excluded.rank
     where (ps.points, ps.exact_count, ps.goal_difference_count, ps.outcome_count, ps.rank)
           is distinct from (excluded.points, excluded.exact_count, excluded.goal_difference_count,
                             excluded.outcome_count, excluded.rank)
    returning 1
)
select (select count(*) from ranked) as participants, (select count(*) from upserted) as changed
"""

REMOVE_LEAVERS = """
delete from participant_score ps
 where ps.league_tournament_id = %(league_tournament_id)s
   and not exists (select 1 from league_participant lp
                    where lp.league_id = %(league_id)s and lp.user_id = ps.user_id)
"""

# Only the current claim may finish, and only if nothing marked the row outdata meanwhile.
FINISH = """
update league_tournament
   set participants_scores_status = 'up-to-date', participants_scores_updated_at = %(now)s,
       sync_claimed_at = null, sync_run_id = null
 where id = %(league_tournament_id)s and participants_scores_status = 'syncing' and sync_run_id = %(run_id)s
"""

# A row locked by someone else is being marked outdata by them anyway: skip it, never wait.
REQUEUE = """
with mine as (
    select id from league_tournament
     where id = any(%(ids)s) and participants_scores_status = 'syncing' and sync_run_id = %(run_id)s
       for update skip locked
)
update league_tournament lt set participants_scores_status = 'outdata', sync_claimed_at = null, sync_run_id = null
  from mine
 where lt.id = mine.id
"""


@dataclass(frozen=True)
class Claimed:
    id: int
    league_id: int
    tournament_id: int


def _claim_params(*, limit: int, now: datetime, lease_minutes: int, handled: list[int] | None = None) -> dict:
    return {"limit": limit, "now": now, "lease_cutoff": now - timedelta(minutes=lease_minutes), "handled": handled or []}


def claim(conn: psycopg.Connection, *, run_id: int, limit: int, now: datetime, lease_minutes: int,
          handled: list[int] | None = None) -> list[Claimed]:
    """Mark up to `limit` waiting rows `syncing` for this run, oldest waiting first, except
    those this run already handled (a row that failed or was marked again waits for the next tick)."""
    params = _claim_params(limit=limit, now=now, lease_minutes=lease_minutes, handled=handled)
    rows = conn.execute(CLAIM, {**params, "run_id": run_id})
    ordered = sorted(rows, key=lambda r: (r["marked_outdata_at"] is not None, r["marked_outdata_at"] or now, r["id"]))
    return [Claimed(r["id"], r["league_id"], r["tournament_id"]) for r in ordered]


def preview_claimable(conn: psycopg.Connection, *, limit: int, now: datetime, lease_minutes: int) -> list[dict]:
    return conn.execute(CLAIMABLE_PREVIEW, _claim_params(limit=limit, now=now, lease_minutes=lease_minutes)).fetchall()


def recalculate(conn: psycopg.Connection, *, league_tournament_id: int, league_id: int) -> int:
    """Rewrite one league tournament's standings; returns how many participants were scored."""
    row = conn.execute(RECALCULATE, {"league_tournament_id": league_tournament_id}).fetchone()
    conn.execute(REMOVE_LEAVERS, {"league_tournament_id": league_tournament_id, "league_id": league_id})
    return row["participants"]


def finish(conn: psycopg.Connection, *, league_tournament_id: int, run_id: int, now: datetime) -> bool:
    params = {"league_tournament_id": league_tournament_id, "run_id": run_id, "now": now}
    return conn.execute(FINISH, params).rowcount == 1


def requeue(conn: psycopg.Connection, *, ids: list[int], run_id: int) -> int:
    return conn.execute(REQUEUE, {"ids": ids, "run_id": run_id}).rowcount


def from_scratch(conn: psycopg.Connection, *, league_tournament_id: int) -> list[dict]:
    """The reference: what the stored standings of this league tournament must equal (by user id)."""
    return conn.execute(FROM_SCRATCH, {"league_tournament_id": league_tournament_id}).fetchall()


def stored(conn: psycopg.Connection, *, league_tournament_id: int) -> list[dict]:
    return conn.execute(STORED, {"league_tournament_id": league_tournament_id}).fetchall()
