"""The reference: standings computed from scratch by SPEC §7.3-7.4, straight from matches and
predictions, as the scores tick once computed them on every recalculation. Stored standings
must equal it (SPEC §7.7); `flask scores verify` and the tests compare against it. It states the
rules in its own SQL, calling none of sql/functions/: an oracle shares no code with what it checks."""

from __future__ import annotations

from database.pool import DictConnection

# Every participant of each league tournament gets a row (0 points without predictions); only
# the highest tier of each prediction counts; rank by points, then exact results; position
# is the order the API shows (rank, name, user id).
_FROM_SCRATCH = """
target as (
    select lt.id as league_tournament_id, lt.league_id, lt.tournament_id, t.scoring_result,
           l.points_exact, l.points_goal_difference, l.points_outcome
      from league_tournament lt
      join league l on l.id = lt.league_id
      join tournament t on t.id = lt.tournament_id
     where lt.id = any(%(ids)s)
),
results as (
    select target.league_tournament_id, p.user_id, p.home_score as p_home, p.away_score as p_away,
           case when target.scoring_result = 'after_extra_time' then m.home_score
                else m.home_score_regular end as r_home,
           case when target.scoring_result = 'after_extra_time' then m.away_score
                else m.away_score_regular end as r_away
      from target
      join league_participant lp on lp.league_id = target.league_id
      join prediction p on p.user_id = lp.user_id
      join match m on m.id = p.match_id and m.tournament_id = target.tournament_id and m.status = 'ended'
),
tiers as (
    select league_tournament_id, user_id,
           case when r_home is null or r_away is null then 0
                when p_home = r_home and p_away = r_away then 3
                when r_home <> r_away and p_home - p_away = r_home - r_away then 2
                when sign(p_home - p_away) = sign(r_home - r_away) then 1
                else 0 end as tier
      from results
),
counted as (
    select target.league_tournament_id, lp.user_id,
           count(tiers.tier) filter (where tiers.tier = 3)::int as exact_count,
           count(tiers.tier) filter (where tiers.tier = 2)::int as goal_difference_count,
           count(tiers.tier) filter (where tiers.tier = 1)::int as outcome_count
      from target
      join league_participant lp on lp.league_id = target.league_id
      left join tiers on tiers.league_tournament_id = target.league_tournament_id and tiers.user_id = lp.user_id
     group by target.league_tournament_id, lp.user_id
),
scored as (
    select c.*, (c.exact_count * target.points_exact + c.goal_difference_count * target.points_goal_difference
                 + c.outcome_count * target.points_outcome)::int as points
      from counted c join target using (league_tournament_id)
),
ranked as (
    select scored.*, rank() over (partition by league_tournament_id order by points desc, exact_count desc)::int as rank
      from scored
),
placed as (
    select ranked.*,
           row_number() over (partition by league_tournament_id order by rank, u.name, ranked.user_id)::int as position
      from ranked join app_user u on u.id = ranked.user_id
)
"""

LEAGUE_TOURNAMENT = f"""
with {_FROM_SCRATCH}
select user_id, points, exact_count, goal_difference_count, outcome_count, rank, position
  from placed order by user_id
"""

# The whole league: each tournament's from-scratch rows summed per user, ranked the same way.
LEAGUE = f"""
with {_FROM_SCRATCH},
sums as (
    select user_id, sum(points)::int as points, sum(exact_count)::int as exact_count,
           sum(goal_difference_count)::int as goal_difference_count, sum(outcome_count)::int as outcome_count
      from placed group by user_id
),
ranked_sums as (select sums.*, rank() over (order by points desc, exact_count desc)::int as rank from sums)
select r.user_id, r.points, r.exact_count, r.goal_difference_count, r.outcome_count, r.rank,
       row_number() over (order by r.rank, u.name, r.user_id)::int as position
  from ranked_sums r join app_user u on u.id = r.user_id
 order by r.user_id
"""

STORED_LEAGUE_TOURNAMENT = """
select user_id, points, exact_count, goal_difference_count, outcome_count, rank, position
  from participant_score where league_tournament_id = %(id)s order by user_id
"""

STORED_LEAGUE = """
select user_id, points, exact_count, goal_difference_count, outcome_count, rank, position
  from league_standing where league_id = %(id)s order by user_id
"""

LEAGUE_TOURNAMENT_IDS = "select id from league_tournament where league_id = %(id)s order by id"


def league_tournament(conn: DictConnection, *, league_tournament_id: int) -> list[dict]:
    return conn.execute(LEAGUE_TOURNAMENT, {"ids": [league_tournament_id]}).fetchall()


def league(conn: DictConnection, *, league_id: int) -> list[dict]:
    ids = [row["id"] for row in conn.execute(LEAGUE_TOURNAMENT_IDS, {"id": league_id})]
    return conn.execute(LEAGUE, {"ids": ids}).fetchall()


def stored_league_tournament(conn: DictConnection, *, league_tournament_id: int) -> list[dict]:
    return conn.execute(STORED_LEAGUE_TOURNAMENT, {"id": league_tournament_id}).fetchall()


def stored_league(conn: DictConnection, *, league_id: int) -> list[dict]:
    return conn.execute(STORED_LEAGUE, {"id": league_id}).fetchall()
