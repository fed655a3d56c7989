"""Named queries of the scores tick (SPEC §7): claim, recalculate, finish, requeue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from database.pool import DictConnection

# Waiting rows, oldest first by their first mark, so none starves under budget pressure. A row
# keeps the id of the last run that claimed it (sync_run_id): one that failed or was marked
# again while that run calculated it waits for the next tick, not for the same one.
_CLAIMABLE = """
    select id from league_tournament
     where (participants_scores_status = 'outdata'
            or (participants_scores_status = 'syncing'
                and (sync_claimed_at is null or sync_claimed_at <= %(lease_cutoff)s)))
       and sync_run_id is distinct from %(run_id)s
       and (not %(small_only)s
            or (select count(*) from league_participant lp
                 where lp.league_id = league_tournament.league_id) <= %(small_participants)s)
     order by marked_outdata_at nulls first, id
     limit %(limit)s
"""

CLAIM = f"""
with candidates as ({_CLAIMABLE} for update skip locked)
update league_tournament lt
   set participants_scores_status = 'syncing', sync_claimed_at = %(now)s, sync_run_id = %(run_id)s
  from candidates
 where lt.id = candidates.id
returning lt.id, lt.league_id, lt.tournament_id,
          (select count(*) from league_participant lp where lp.league_id = lt.league_id)::int as participants
"""

# Leagues at most this big are recalculated together, many per statement (SPEC §7.2).
SMALL_LEAGUE_PARTICIPANTS = 1000
CLAIM_BATCH = 50

CLAIMABLE_PREVIEW = f"""
with candidates as ({_CLAIMABLE})
select lt.id, (select count(*) from league_participant lp where lp.league_id = lt.league_id) as participants
  from candidates join league_tournament lt using (id)
"""

# A set of league tournaments recalculated from prediction_tally: one tally row per
# participant, whatever the number of matches or predictions. Every participant gets a row
# (0 points without predictions); only rows that changed are written; leavers' rows go.
RECALCULATE = """
with target as (
    select lt.id as league_tournament_id, lt.league_id, lt.tournament_id,
           l.points_exact, l.points_goal_difference, l.points_outcome
      from league_tournament lt join league l on l.id = lt.league_id
     where lt.id = any(%(ids)s)
),
scored as (
    select target.league_tournament_id, lp.user_id, u.name,
           coalesce(t.exact_count, 0) as exact_count,
           coalesce(t.goal_difference_count, 0) as goal_difference_count,
           coalesce(t.outcome_count, 0) as outcome_count,
           (coalesce(t.exact_count, 0) * target.points_exact
            + coalesce(t.goal_difference_count, 0) * target.points_goal_difference
            + coalesce(t.outcome_count, 0) * target.points_outcome)::int as points
      from target
      join league_participant lp on lp.league_id = target.league_id
      join app_user u on u.id = lp.user_id
      left join prediction_tally t on t.tournament_id = target.tournament_id and t.user_id = lp.user_id
),
ranked as (
    select scored.*, rank() over (partition by league_tournament_id order by points desc, exact_count desc)::int as rank
      from scored
),
placed as (
    select ranked.*, row_number() over (partition by league_tournament_id order by rank, name, user_id)::int as position
      from ranked
),
upserted as (
    insert into participant_score as ps
           (league_tournament_id, user_id, points, exact_count, goal_difference_count, outcome_count, rank, position)
    select league_tournament_id, user_id, points, exact_count, goal_difference_count, outcome_count, rank, position
      from placed
     order by league_tournament_id, user_id
    on conflict (league_tournament_id, user_id) do update
       set points = excluded.points, exact_count = excluded.exact_count,
           goal_difference_count = excluded.goal_difference_count, outcome_count = excluded.outcome_count,
           rank = excluded.rank, position = excluded.position
     where (ps.points, ps.exact_count, ps.goal_difference_count, ps.outcome_count, ps.rank, ps.position)
           is distinct from (excluded.points, excluded.exact_count, excluded.goal_difference_count,
                             excluded.outcome_count, excluded.rank, excluded.position)
    returning 1
),
removed as (
    delete from participant_score ps
     where ps.league_tournament_id = any(array(select league_tournament_id from target))  -- ids first: an index scan
       and not exists (select 1 from target t join league_participant lp on lp.league_id = t.league_id
                        where t.league_tournament_id = ps.league_tournament_id and lp.user_id = ps.user_id)
    returning 1
)
select target.league_tournament_id,
       (select count(*) from placed
         where placed.league_tournament_id = target.league_tournament_id)::int as participants
  from target
"""

# The standings after each round (SPEC §7.8) of a set of league tournaments, from the round
# tallies: from the first round a change touched (rounds_dirty_from) or not stored yet, up to
# the current round, each the stored round before it plus the round's points. The cost grows
# with the participants times the rounds rewritten, not with the matches. Rounds after the
# current one are not stored (their standings are the current one's); leavers' rows go when
# every round is rewritten (a leave marks them all).
RECALCULATE_ROUNDS = """
with target as (
    select lt.id as league_tournament_id, lt.league_id, lt.tournament_id, lt.rounds_dirty_from,
           l.points_exact, l.points_goal_difference, l.points_outcome
      from league_tournament lt join league l on l.id = lt.league_id
     where lt.id = any(%(ids)s)
),
ordered as (
    select * from ordered_rounds(array(select distinct tournament_id from target))
),
starts as (
    select t.league_tournament_id, min(o.ordinal) as start
      from target t join ordered o using (tournament_id)
     where o.ordinal <= o.current_ordinal
       and (o.first_kickoff >= t.rounds_dirty_from
            or not exists (select 1 from league_round lr
                            where lr.league_tournament_id = t.league_tournament_id and lr.round_id = o.round_id))
     group by t.league_tournament_id
),
base as (
    select s.league_tournament_id, rs.user_id, rs.points, rs.exact_count, rs.goal_difference_count, rs.outcome_count
      from starts s
      join target t using (league_tournament_id)
      join ordered o on o.tournament_id = t.tournament_id and o.ordinal = s.start - 1
      join round_standing rs on rs.league_tournament_id = s.league_tournament_id and rs.round_id = o.round_id
),
redo as (  -- the rounds rewritten: from the start up to the current round
    select s.league_tournament_id, t.league_id, o.round_id, o.ordinal,
           t.points_exact, t.points_goal_difference, t.points_outcome
      from starts s
      join target t using (league_tournament_id)
      join ordered o on o.tournament_id = t.tournament_id and o.ordinal between s.start and o.current_ordinal
),
per_round as (
    select r.league_tournament_id, r.round_id, r.ordinal, lp.user_id, u.name,
           coalesce(rt.exact_count, 0) as exact_count,
           coalesce(rt.goal_difference_count, 0) as goal_difference_count,
           coalesce(rt.outcome_count, 0) as outcome_count,
           (coalesce(rt.exact_count, 0) * r.points_exact
            + coalesce(rt.goal_difference_count, 0) * r.points_goal_difference
            + coalesce(rt.outcome_count, 0) * r.points_outcome)::int as round_points
      from redo r
      join league_participant lp on lp.league_id = r.league_id
      join app_user u on u.id = lp.user_id
      left join round_tally rt on rt.round_id = r.round_id and rt.user_id = lp.user_id
),
cumulative as (
    select pr.league_tournament_id, pr.round_id, pr.user_id, pr.name, pr.round_points,
           (coalesce(b.points, 0) + sum(pr.round_points) over running)::int as points,
           (coalesce(b.exact_count, 0) + sum(pr.exact_count) over running)::int as exact_count,
           (coalesce(b.goal_difference_count, 0) + sum(pr.goal_difference_count) over running)::int
               as goal_difference_count,
           (coalesce(b.outcome_count, 0) + sum(pr.outcome_count) over running)::int as outcome_count
      from per_round pr
      left join base b on b.league_tournament_id = pr.league_tournament_id and b.user_id = pr.user_id
    window running as (partition by pr.league_tournament_id, pr.user_id order by pr.ordinal)
),
ranked as (
    select cumulative.*,
           rank() over (partition by league_tournament_id, round_id order by points desc, exact_count desc)::int as rank
      from cumulative
),
placed as (
    select ranked.*,
           row_number() over (partition by league_tournament_id, round_id order by rank, name, user_id)::int as position
      from ranked
),
upserted as (
    insert into round_standing as rs
           (league_tournament_id, round_id, user_id, round_points, points, exact_count, goal_difference_count,
            outcome_count, rank, position)
    select league_tournament_id, round_id, user_id, round_points, points, exact_count, goal_difference_count,
           outcome_count, rank, position
      from placed
     order by league_tournament_id, round_id, user_id
    on conflict (league_tournament_id, round_id, user_id) do update
       set round_points = excluded.round_points, points = excluded.points, exact_count = excluded.exact_count,
           goal_difference_count = excluded.goal_difference_count, outcome_count = excluded.outcome_count,
           rank = excluded.rank, position = excluded.position
     where (rs.round_points, rs.points, rs.exact_count, rs.goal_difference_count, rs.outcome_count, rs.rank,
            rs.position)
           is distinct from (excluded.round_points, excluded.points, excluded.exact_count,
                             excluded.goal_difference_count, excluded.outcome_count, excluded.rank, excluded.position)
    returning 1
),
tops as (
    select league_tournament_id, round_id, max(round_points) as top_points from placed group by 1, 2
),
winners as (
    select p.league_tournament_id, p.round_id, tops.top_points,
           coalesce(array_agg(p.user_id order by p.name, p.user_id)
                        filter (where p.round_points = tops.top_points and tops.top_points > 0), '{}') as winners
      from placed p join tops using (league_tournament_id, round_id)
     group by 1, 2, 3
),
rounds_written as (
    insert into league_round as lr (league_tournament_id, round_id, top_points, winners)
    select league_tournament_id, round_id, top_points, winners from winners order by 1, 2
    on conflict (league_tournament_id, round_id) do update
       set top_points = excluded.top_points, winners = excluded.winners
     where (lr.top_points, lr.winners) is distinct from (excluded.top_points, excluded.winners)
    returning 1
),
stale_rounds as (  -- stored rounds now after the current one (a match left ended), or rewritten for nobody
    delete from league_round lr
     using ordered o
     where lr.league_tournament_id = any(array(select league_tournament_id from target))  -- ids first: an index scan
       and o.round_id = lr.round_id
       and (o.current_ordinal is null or o.ordinal > o.current_ordinal
            or ((lr.league_tournament_id, lr.round_id) in (select league_tournament_id, round_id from redo)
                and (lr.league_tournament_id, lr.round_id) not in (select league_tournament_id, round_id from winners)))
    returning lr.league_tournament_id, lr.round_id
),
stale_rows as (
    delete from round_standing rs
     using stale_rounds s
     where rs.league_tournament_id = s.league_tournament_id and rs.round_id = s.round_id
    returning 1
),
leavers as (  -- only when every round was rewritten (a leave marks them all)
    delete from round_standing rs
     using target t
     where t.rounds_dirty_from = all_rounds() and rs.league_tournament_id = t.league_tournament_id
       and not exists (select 1 from league_participant lp where lp.league_id = t.league_id and lp.user_id = rs.user_id)
    returning 1
)
select (select count(*) from upserted) + (select count(*) from rounds_written) + (select count(*) from stale_rows)
       + (select count(*) from leavers) as written
"""

# Two ticks refreshing one league's standings would each sum what its own snapshot saw, so
# refreshes take turns on a transaction-level advisory lock per league, taken in league order.
# Not the league's row: the app's own edits of its leagues must never wait for a calculation.
LEAGUE_REFRESH_LOCKS = 720_160_117  # the lock space of these locks, shared by every tick
LOCK_LEAGUES = f"""
select pg_advisory_xact_lock({LEAGUE_REFRESH_LOCKS}, (id %% 2147483647)::int)
  from (select id from unnest(%(league_ids)s::bigint[]) as id order by id) as ordered
"""

# The whole league's standings, refreshed from its tournaments' rows in the same transaction,
# with its movement (SPEC §5): the sum of each tournament's current round points, and the rank
# of the sums of each tournament's standings after its own previous round (null when none has one).
REFRESH_LEAGUE_STANDINGS = """
with sums as (
    select lt.league_id, ps.user_id, sum(ps.points)::int as points, sum(ps.exact_count)::int as exact_count,
           sum(ps.goal_difference_count)::int as goal_difference_count, sum(ps.outcome_count)::int as outcome_count
      from participant_score ps
      join league_tournament lt on lt.id = ps.league_tournament_id
     -- the ids first, for an index scan: planned from the average league, a join would read the
     -- whole table for a few small leagues
     where ps.league_tournament_id = any(array(select id from league_tournament
                                                where league_id = any(%(league_ids)s)))
     group by lt.league_id, ps.user_id
),
ordered as (
    select * from ordered_rounds(array(select tournament_id from league_tournament
                                        where league_id = any(%(league_ids)s)))
),
movement_rounds as (  -- each league tournament's current round and the one before it
    select lt.id as league_tournament_id, lt.league_id, cur.round_id as current_round, prev.round_id as previous_round
      from league_tournament lt
      join ordered cur on cur.tournament_id = lt.tournament_id and cur.ordinal = cur.current_ordinal
      left join ordered prev on prev.tournament_id = lt.tournament_id and prev.ordinal = cur.current_ordinal - 1
     where lt.league_id = any(%(league_ids)s)
),
movement as (
    select m.league_id, rs.user_id,
           sum(rs.round_points) filter (where rs.round_id = m.current_round)::int as round_points,
           sum(rs.points) filter (where rs.round_id = m.previous_round)::int as previous_points,
           sum(rs.exact_count) filter (where rs.round_id = m.previous_round)::int as previous_exact_count
      from movement_rounds m
      join round_standing rs on rs.league_tournament_id = m.league_tournament_id
                            and rs.round_id = any(array[m.current_round, m.previous_round])  -- an index cond
     group by m.league_id, rs.user_id
),
moved_leagues as (  -- the leagues with a tournament past its first round
    select distinct league_id from movement_rounds where previous_round is not null
),
ranked as (
    select sums.*, coalesce(mv.round_points, 0) as round_points,
           case when sums.league_id in (select league_id from moved_leagues) then
               rank() over (partition by sums.league_id
                            order by coalesce(mv.previous_points, 0) desc,
                                     coalesce(mv.previous_exact_count, 0) desc)::int
           end as previous_rank,
           rank() over (partition by sums.league_id order by sums.points desc, sums.exact_count desc)::int as rank
      from sums
      left join movement mv on mv.league_id = sums.league_id and mv.user_id = sums.user_id
),
placed as (
    select ranked.*, row_number() over (partition by league_id order by rank, u.name, ranked.user_id)::int as position
      from ranked join app_user u on u.id = ranked.user_id
),
upserted as (
    insert into league_standing as ls
           (league_id, user_id, points, exact_count, goal_difference_count, outcome_count, rank, position,
            round_points, previous_rank)
    select league_id, user_id, points, exact_count, goal_difference_count, outcome_count, rank, position,
           round_points, previous_rank
      from placed
     order by league_id, user_id
    on conflict (league_id, user_id) do update
       set points = excluded.points, exact_count = excluded.exact_count,
           goal_difference_count = excluded.goal_difference_count, outcome_count = excluded.outcome_count,
           rank = excluded.rank, position = excluded.position, round_points = excluded.round_points,
           previous_rank = excluded.previous_rank
     where (ls.points, ls.exact_count, ls.goal_difference_count, ls.outcome_count, ls.rank, ls.position,
            ls.round_points, ls.previous_rank)
           is distinct from (excluded.points, excluded.exact_count, excluded.goal_difference_count,
                             excluded.outcome_count, excluded.rank, excluded.position, excluded.round_points,
                             excluded.previous_rank)
    returning 1
),
removed as (
    delete from league_standing ls
     where ls.league_id = any(%(league_ids)s)
       and not exists (select 1 from sums where sums.league_id = ls.league_id and sums.user_id = ls.user_id)
    returning 1
)
select (select count(*) from upserted) + (select count(*) from removed) as written
"""

# Only the current claim may finish, and only if nothing marked the row outdata meanwhile.
FINISH = """
update league_tournament
   set participants_scores_status = 'up-to-date', participants_scores_updated_at = %(now)s, sync_claimed_at = null,
       rounds_dirty_from = null
 where id = any(%(ids)s) and participants_scores_status = 'syncing' and sync_run_id = %(run_id)s
returning id
"""

# A row locked by someone else is being marked outdata by them anyway: skip it, never wait.
REQUEUE = """
with mine as (
    select id from league_tournament
     where id = any(%(ids)s) and participants_scores_status = 'syncing' and sync_run_id = %(run_id)s
       for update skip locked
)
update league_tournament lt set participants_scores_status = 'outdata', sync_claimed_at = null
  from mine
 where lt.id = mine.id
"""


@dataclass(frozen=True)
class Claimed:
    id: int
    league_id: int
    tournament_id: int
    participants: int = 0

    @property
    def small(self) -> bool:
        return self.participants <= SMALL_LEAGUE_PARTICIPANTS


NO_RUN = 0  # what a dry run's preview claims as: run ids start at 1


def _claim_params(*, run_id: int, limit: int, now: datetime, lease_minutes: int, small_only: bool = False) -> dict:
    return {
        "run_id": run_id,
        "limit": limit,
        "now": now,
        "lease_cutoff": now - timedelta(minutes=lease_minutes),
        "small_only": small_only,
        "small_participants": SMALL_LEAGUE_PARTICIPANTS,
    }


def claim(
    conn: DictConnection,
    *,
    run_id: int,
    limit: int,
    now: datetime,
    lease_minutes: int,
    small_only: bool = False,
) -> list[Claimed]:
    """Mark up to `limit` waiting rows `syncing` for this run, oldest waiting first (only small
    leagues' if told), except those this run already claimed."""
    params = _claim_params(run_id=run_id, limit=limit, now=now, lease_minutes=lease_minutes, small_only=small_only)
    rows = conn.execute(CLAIM, params)
    return [Claimed(r["id"], r["league_id"], r["tournament_id"], r["participants"]) for r in rows]


def preview_claimable(conn: DictConnection, *, limit: int, now: datetime, lease_minutes: int) -> list[dict]:
    params = _claim_params(run_id=NO_RUN, limit=limit, now=now, lease_minutes=lease_minutes)
    return conn.execute(CLAIMABLE_PREVIEW, params).fetchall()


def recalculate(conn: DictConnection, *, items: list[Claimed]) -> dict[int, int]:
    """Rewrite these league tournaments' standings and their leagues' whole standings, in the
    caller's transaction; returns participants scored per league tournament."""
    league_ids = sorted({item.league_id for item in items})
    conn.execute(LOCK_LEAGUES, {"league_ids": league_ids})
    ids = [item.id for item in items]
    # Planned for these ids every time (prepare=False): a generic plan, which a prepared
    # statement turns to after five runs, cannot know how few rows they are and scans tables whole.
    rows = conn.execute(RECALCULATE, {"ids": ids}, prepare=False).fetchall()
    conn.execute(RECALCULATE_ROUNDS, {"ids": ids}, prepare=False)
    conn.execute(REFRESH_LEAGUE_STANDINGS, {"league_ids": league_ids}, prepare=False)
    return {row["league_tournament_id"]: row["participants"] for row in rows}


def finish(conn: DictConnection, *, ids: list[int], run_id: int, now: datetime) -> set[int]:
    """The rows that finished up-to-date: those still `syncing` under this run's claim."""
    return {row["id"] for row in conn.execute(FINISH, {"ids": ids, "run_id": run_id, "now": now})}


def requeue(conn: DictConnection, *, ids: list[int], run_id: int) -> int:
    return conn.execute(REQUEUE, {"ids": ids, "run_id": run_id}).rowcount
