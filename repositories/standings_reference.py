"""The reference: standings computed from scratch by SPEC §7.3-7.4, straight from matches and
predictions, as the scores tick once computed them on every recalculation. Stored standings
must equal it (SPEC §7.7); `flask scores verify` and the tests compare against it. It states the
rules in its own SQL, calling none of sql/functions/: an oracle shares no code with what it checks."""

from __future__ import annotations

from typing import Any

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
    select target.league_tournament_id, p.user_id, m.round_number, m.round_slug, m.round_prefix,
           p.home_score as p_home, p.away_score as p_away,
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
    select league_tournament_id, user_id, round_number, round_slug, round_prefix,
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
select user_id, points, exact_count, goal_difference_count, outcome_count, rank, position, round_points, previous_rank
  from league_standing where league_id = %(id)s order by user_id
"""

LEAGUE_TOURNAMENT_IDS = "select id from league_tournament where league_id = %(id)s order by id"


def league_tournament(conn: DictConnection, *, league_tournament_id: int) -> list[dict]:
    return conn.execute(LEAGUE_TOURNAMENT, {"ids": [league_tournament_id]}).fetchall()


def league(conn: DictConnection, *, league_id: int, computed: dict[int, dict] | None = None) -> list[dict]:
    """The whole league's rows, with its movement (SPEC §5): the sum of each tournament's current
    round points, and the rank of the sums of each one's standings after its previous round.
    `computed`: league_tournament_rounds() already computed in this snapshot, by league tournament."""
    ids = [row["id"] for row in conn.execute(LEAGUE_TOURNAMENT_IDS, {"id": league_id})]
    rows = conn.execute(LEAGUE, {"ids": ids}).fetchall()
    moves = {row["user_id"]: {"round_points": 0, "points": 0, "exact_count": 0} for row in rows}
    any_previous = False
    for league_tournament_id in ids:
        rounds = (computed or {}).get(league_tournament_id) or league_tournament_rounds(
            conn, league_tournament_id=league_tournament_id
        )
        played = [key for key in rounds["order"] if key in rounds["standings"]]
        if not played:
            continue
        current = rounds["standings"][played[-1]]
        previous = rounds["standings"][played[-2]] if len(played) > 1 else {}
        any_previous = any_previous or len(played) > 1
        for user_id, move in moves.items():
            move["round_points"] += current.get(user_id, {}).get("round_points", 0)
            move["points"] += previous.get(user_id, {}).get("points", 0)
            move["exact_count"] += previous.get(user_id, {}).get("exact_count", 0)
    ranks = _ranks({user_id: (move["points"], move["exact_count"]) for user_id, move in moves.items()})
    return [
        {
            **row,
            "round_points": moves[row["user_id"]]["round_points"],
            "previous_rank": ranks[row["user_id"]] if any_previous else None,
        }
        for row in rows
    ]


def stored_league_tournament(conn: DictConnection, *, league_tournament_id: int) -> list[dict]:
    return conn.execute(STORED_LEAGUE_TOURNAMENT, {"id": league_tournament_id}).fetchall()


def stored_league(conn: DictConnection, *, league_id: int) -> list[dict]:
    return conn.execute(STORED_LEAGUE, {"id": league_id}).fetchall()


# The rounds (SPEC §7.8) from scratch: a tournament's matches grouped by number, slug and prefix,
# ordered by the earliest kick-off, then number, slug, prefix.
ROUNDS = """
select round_number, round_slug, round_prefix, min(start_time) as first_kickoff,
       count(*) filter (where status = 'ended')::int as matches_ended
  from match where tournament_id = %(tournament_id)s
 group by round_number, round_slug, round_prefix
 order by min(start_time), round_number, round_slug, round_prefix
"""

# What each participant's predictions scored in each round: the tier counts of their
# predictions on the round's ended matches.
ROUND_COUNTS = f"""
with {_FROM_SCRATCH}
select user_id, round_number, round_slug, round_prefix,
       count(*) filter (where tier = 3)::int as exact_count,
       count(*) filter (where tier = 2)::int as goal_difference_count,
       count(*) filter (where tier = 1)::int as outcome_count
  from tiers group by 1, 2, 3, 4
"""

PARTICIPANTS = """
select lp.user_id, u.name, l.points_exact, l.points_goal_difference, l.points_outcome, lt.tournament_id
  from league_tournament lt
  join league l on l.id = lt.league_id
  join league_participant lp on lp.league_id = lt.league_id
  join app_user u on u.id = lp.user_id
 where lt.id = %(id)s
"""

STORED_ROUNDS = """
select r.key, rs.user_id, rs.round_points, rs.points, rs.exact_count, rs.goal_difference_count, rs.outcome_count,
       rs.rank, rs.position
  from round_standing rs join tournament_round r on r.id = rs.round_id
 where rs.league_tournament_id = %(id)s
"""

STORED_WINNERS = """
select r.key, lr.top_points, lr.winners
  from league_round lr join tournament_round r on r.id = lr.round_id
 where lr.league_tournament_id = %(id)s
"""


def round_key(round_number: int, round_slug: str | None, round_prefix: str | None) -> str:
    """SPEC §7.8's key of a round, as the API names it (sql/functions/01_rules.sql's round_key)."""
    prefix = "" if round_prefix is None else round_prefix + "~"
    return f"{prefix}r{round_number}{'' if round_slug is None else '-' + round_slug}"


def _ranks(scores: dict[int, tuple[int, int]]) -> dict[int, int]:
    """rank() by (points, exact results) descending: equal pairs share a rank (1, 2, 2, 4)."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1][0], -item[1][1]))
    ranks: dict[int, int] = {}
    for index, (user_id, score) in enumerate(ordered):
        tied = index > 0 and score == ordered[index - 1][1]
        ranks[user_id] = ranks[ordered[index - 1][0]] if tied else index + 1
    return ranks


def _ranked(rows: list[dict]) -> list[dict]:
    """Each row's rank (SPEC §7.4) and position: by rank, name, user id."""
    ranks = _ranks({row["user_id"]: (row["points"], row["exact_count"]) for row in rows})
    for row in rows:
        row["rank"] = ranks[row["user_id"]]
    for position, row in enumerate(sorted(rows, key=lambda r: (r["rank"], r["name"], r["user_id"])), start=1):
        row["position"] = position
    return rows


def league_tournament_rounds(conn: DictConnection, *, league_tournament_id: int) -> dict[str, Any]:
    """From scratch: `standings` {round key: {user id: row}} for every round up to the current
    one, `winners` {round key: (top points, [user ids by name])}, and `order`: every round key."""
    participants = conn.execute(PARTICIPANTS, {"id": league_tournament_id}).fetchall()
    tournament_id = participants[0]["tournament_id"] if participants else None
    rounds = conn.execute(ROUNDS, {"tournament_id": tournament_id}).fetchall() if participants else []
    order = [round_key(r["round_number"], r["round_slug"], r["round_prefix"]) for r in rounds]
    ended = [i for i, r in enumerate(rounds) if r["matches_ended"] > 0]
    counts = {
        (row["user_id"], round_key(row["round_number"], row["round_slug"], row["round_prefix"])): row
        for row in conn.execute(ROUND_COUNTS, {"ids": [league_tournament_id]})
    }
    standings: dict[str, dict[int, dict]] = {}
    winners: dict[str, tuple[int, list[int]]] = {}
    totals = {
        p["user_id"]: {"points": 0, "exact_count": 0, "goal_difference_count": 0, "outcome_count": 0}
        for p in participants
    }
    for key in order[: ended[-1] + 1] if ended else []:
        rows = []
        for p in participants:
            c = counts.get((p["user_id"], key), {"exact_count": 0, "goal_difference_count": 0, "outcome_count": 0})
            points = (
                c["exact_count"] * p["points_exact"]
                + c["goal_difference_count"] * p["points_goal_difference"]
                + c["outcome_count"] * p["points_outcome"]
            )
            total = totals[p["user_id"]]
            total["points"] += points
            for name in ("exact_count", "goal_difference_count", "outcome_count"):
                total[name] += c[name]
            rows.append({"user_id": p["user_id"], "name": p["name"], "round_points": points, **total})
        ranked = _ranked([dict(row) for row in rows])
        standings[key] = {row.pop("user_id"): {k: v for k, v in row.items() if k != "name"} for row in ranked}
        top = max((row["round_points"] for row in rows), default=0)
        tied = sorted(
            (row for row in rows if top > 0 and row["round_points"] == top), key=lambda r: (r["name"], r["user_id"])
        )
        winners[key] = (top, [row["user_id"] for row in tied])
    return {"order": order, "standings": standings, "winners": winners}


def stored_league_tournament_rounds(conn: DictConnection, *, league_tournament_id: int) -> dict[str, Any]:
    """What round_standing and league_round hold, in the shape of league_tournament_rounds()."""
    standings: dict[str, dict[int, dict]] = {}
    for row in conn.execute(STORED_ROUNDS, {"id": league_tournament_id}):
        standings.setdefault(row.pop("key"), {})[row.pop("user_id")] = row
    winners = {
        row["key"]: (row["top_points"], list(row["winners"]))
        for row in conn.execute(STORED_WINNERS, {"id": league_tournament_id})
    }
    return {"standings": standings, "winners": winners}
