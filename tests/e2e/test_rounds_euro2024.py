"""EURO 2024's 51 real matches, round by round (SPEC §5, §7.3, §7.4, §7.8).

The tournament is seeded with its real rounds (group matchdays 1-3, round of 16, quarter-finals,
semi-finals, final) and every match open; a handful of participants make seeded pseudo-random
predictions. Then each round's results are written with SQL, as an operator would, a scores tick
runs, and the API's rounds and standings (after every round, by default, whole league) are
compared with a from-scratch calculation in plain Python below. Once for a `regular_time`
tournament and once for an `after_extra_time` one.

The data (../shared/data/euro2024.json, openfootball's format): `score.ft` is the 90-minute
score, `score.et` the score after extra time. Two matches decided in extra time are recorded with
no `et` and the extra-time goal counted in `ft` (England–Slovakia 2-1, Kane 91'; Spain–Germany
2-1, Merino 119'): their 90-minute score is `ft` less the goals scored after minute 90 (stoppage
time is written 90 + offset), so both scorings really differ on them.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from bootstrap import services_of
from tests.legacy import EURO_2024
from tests.support import insert, seed_league, seed_match, seed_tournament

CEST = timezone(timedelta(hours=2))  # openfootball's kick-offs are local times in Germany, in summer
ROUNDS = {  # openfootball's round name: SofaScore's (round_number, round_slug, round_prefix)
    "Matchday 1": (1, None, None),
    "Matchday 2": (2, None, None),
    "Matchday 3": (3, None, None),
    "Round of 16": (5, "round-of-16", None),
    "Quarter-finals": (27, "quarterfinals", None),
    "Semi-finals": (28, "semifinals", None),
    "Final": (29, "final", None),
}
# Two Leos: the second copies the first's group-stage predictions, so they tie through the group
# stage (the user id orders them) and drift apart in the knockouts. Zoe predicts nothing (0 points,
# still ranked).
PARTICIPANTS = ["Mia", "Leo", "Ava", "Leo", "Noa", "Ben", "Zoe"]
GROUP_ROUNDS = 3
SEED = 2024
POINTS = {"exact": 4, "goal_difference": 3, "outcome": 2, "none": 0}  # the league's defaults


def scores(match: dict) -> tuple[tuple[int, int], tuple[int, int]]:
    """(the 90-minute score, the score after extra time) of one openfootball match."""
    score = match["score"]
    if "et" in score:
        return tuple(score["ft"]), tuple(score["et"])
    final = tuple(score["ft"])
    extra = tuple(sum(goal["minute"] > 90 for goal in match.get(side, [])) for side in ("goals1", "goals2"))
    return (final[0] - extra[0], final[1] - extra[1]), final


def euro_rounds() -> list[tuple[tuple, list[dict]]]:
    """[(round identity, [match, ...]), ...] in the file's (chronological) order."""
    data = json.loads(EURO_2024.read_text(encoding="utf-8"))
    out = []
    for round_ in data["rounds"]:
        matches = []
        for m in round_["matches"]:
            regular, final = scores(m)
            day = datetime.strptime(f"{m['date']} {m['time']}", "%Y-%m-%d %H:%M").replace(tzinfo=CEST)
            matches.append(
                {
                    "num": m["num"],
                    "home": m["team1"]["name"],
                    "away": m["team2"]["name"],
                    "start": day,
                    "regular": regular,
                    "final": final,
                    "penalties": tuple(m["score"].get("p") or (None, None)),
                }
            )
        out.append((ROUNDS[round_["name"]], matches))
    return out


# ---- the from-scratch calculation -----------------------------------------------------------


def sign(n: int) -> int:
    return (n > 0) - (n < 0)


def tier(guess: tuple[int, int], result: tuple[int, int]) -> str:
    """§7.3: only the highest tier counts; the goal-difference tier only when the match was not a draw."""
    if guess == result:
        return "exact"
    guessed, actual = guess[0] - guess[1], result[0] - result[1]
    if actual != 0 and guessed == actual:
        return "goal_difference"
    if sign(guessed) == sign(actual):
        return "outcome"
    return "none"


def ranks(totals: dict[int, tuple[int, int]]) -> dict[int, int]:
    """§7.4: rank() over (points desc, exact_count desc): 1 + how many are strictly ahead (1, 2, 2, 4)."""
    return {user: 1 + sum(other > mine for other in totals.values()) for user, mine in totals.items()}


class Reference:
    """Rounds 0..played have ended; the rest are open."""

    COUNT = {"exact": 1, "goal_difference": 2, "outcome": 3}

    def __init__(self, rounds, users, predictions, scoring_result, played):
        self.rounds, self.users, self.played = rounds, users, played
        self.scoring_result = scoring_result
        self.predictions = predictions
        # earned[r][user_id] = [points, exact, goal difference, outcome] in round r
        self.earned = []
        for r, (_, matches) in enumerate(rounds):
            per_user = {u["id"]: [0, 0, 0, 0] for u in users}
            if r <= played:
                for match in matches:
                    for u in users:
                        if (u["id"], match["id"]) in predictions:
                            t, points = self.scored(u["id"], match)
                            per_user[u["id"]][0] += points
                            if t in self.COUNT:
                                per_user[u["id"]][self.COUNT[t]] += 1
            self.earned.append(per_user)

    def result(self, match):
        return match["regular"] if self.scoring_result == "regular_time" else match["final"]

    def scored(self, user_id, match):
        t = tier(self.predictions[(user_id, match["id"])], self.result(match))
        return t, POINTS[t]

    def after(self, r: int) -> dict[int, list[int]]:
        """Sums over rounds 0..r (r = -1: before the first round)."""
        return {u["id"]: [sum(self.earned[i][u["id"]][k] for i in range(r + 1)) for k in range(4)] for u in self.users}

    def standings(self, r: int) -> list[tuple]:
        totals = self.after(r)
        rank = ranks({u: (t[0], t[1]) for u, t in totals.items()})
        previous = ranks({u: (t[0], t[1]) for u, t in self.after(r - 1).items()}) if r > 0 else None
        rows = [
            (
                rank[u["id"]],
                u["id"],
                u["name"],
                *totals[u["id"]],
                self.earned[r][u["id"]][0],
                previous[u["id"]] if previous else None,
            )
            for u in self.users
        ]
        return sorted(rows, key=lambda row: (row[0], row[2], row[1]))

    def top_and_winners(self, r: int):
        points = {u["id"]: self.earned[r][u["id"]][0] for u in self.users}
        top = max(points.values())
        if r > self.played or top == 0:
            return top, set()
        return top, {(u["id"], u["name"], top) for u in self.users if points[u["id"]] == top}


def api_rows(body) -> list[tuple]:
    return [
        (
            s["rank"],
            s["user_id"],
            s["name"],
            s["points"],
            s["exact_count"],
            s["goal_difference_count"],
            s["outcome_count"],
            s["round_points"],
            s["previous_rank"],
        )
        for s in body["standings"]
    ]


# ---- the test --------------------------------------------------------------------------------


def test_the_data_holds_51_matches_and_two_decided_in_extra_time():
    rounds = euro_rounds()
    assert [identity for identity, _ in rounds] == list(ROUNDS.values())
    assert [len(matches) for _, matches in rounds] == [12, 12, 12, 8, 4, 2, 1]
    differing = sorted(
        (m["home"], m["away"], m["regular"], m["final"])
        for _, matches in rounds
        for m in matches
        if m["regular"] != m["final"]
    )
    assert differing == [("England", "Slovakia", (1, 1), (2, 1)), ("Spain", "Germany", (1, 1), (2, 1))]


@pytest.mark.parametrize("scoring_result", ["regular_time", "after_extra_time"])
def test_every_round_of_euro_2024_matches_a_from_scratch_calculation(app, client, db, scoring_result):
    rounds = euro_rounds()
    tournament = seed_tournament(
        db, utid=1, sid=56953, name=f"EURO 2024 ({scoring_result})", scoring_result=scoring_result
    )
    league, _ = seed_league(db, "Euro pool", [tournament], up_to_date=False)
    users = [insert(db, "app_user", name=name) for name in PARTICIPANTS]
    for user in users:
        insert(db, "league_participant", league_id=league["id"], user_id=user["id"])
    for (number, slug, prefix), matches in rounds:
        for m in matches:
            row = seed_match(
                db,
                tournament,
                12_000_000 + m["num"],
                round_number=number,
                round_slug=slug,
                round_prefix=prefix,
                home=m["home"],
                away=m["away"],
                start=m["start"],
            )
            m["id"] = row["id"]
    rng = random.Random(SEED)
    predictions: dict[tuple[int, int], tuple[int, int]] = {}
    first_leo, second_leo = users[1], users[3]
    for user in users[:-1]:  # Zoe predicts nothing
        for r, (_, matches) in enumerate(rounds):
            for m in matches:
                if user is second_leo and r < GROUP_ROUNDS:
                    guess = predictions.get((first_leo["id"], m["id"]))
                else:
                    draw = rng.random()
                    if draw < 0.1:
                        guess = None  # forgot this one
                    elif draw < 0.3:
                        guess = m["regular"]
                    elif draw < 0.4:
                        guess = m["final"]
                    else:
                        guess = (rng.randint(0, 3), rng.randint(0, 3))
                if guess is None:
                    continue
                predictions[(user["id"], m["id"])] = guess
                insert(db, "prediction", user_id=user["id"], match_id=m["id"], home_score=guess[0], away_score=guess[1])

    def tick():
        summary = services_of(app).run_scores_tick()
        assert summary["league_tournaments_failed"] == 0, summary
        assert db.execute("select participants_scores_status as s from league_tournament").fetchone()["s"] == (
            "up-to-date"
        )

    def get(path, **params):
        response = client.get(f"/api/leagues/{league['id']}{path}", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    tick()
    seen_shared_rank = seen_tied_winners = False
    for played, (_, matches) in enumerate(rounds):
        for m in matches:
            db.execute(
                """update match set status = 'ended', home_score = %s, away_score = %s,
                                    home_score_regular = %s, away_score_regular = %s,
                                    home_penalties = %s, away_penalties = %s
                    where id = %s""",
                (*m["final"], *m["regular"], *m["penalties"], m["id"]),
            )
        tick()
        ref = Reference(rounds, users, predictions, scoring_result, played)

        body = get("/rounds", tournament_id=tournament["id"])
        assert body["participants_scores_status"] == "up-to-date"
        listed = body["rounds"]
        assert [(r["round_number"], r["round_slug"], r["round_prefix"]) for r in listed] == [i for i, _ in rounds]
        assert [datetime.fromisoformat(r["first_kickoff"]) for r in listed] == [
            min(m["start"] for m in ms) for _, ms in rounds
        ]
        assert [r["matches"] for r in listed] == [len(ms) for _, ms in rounds]
        assert [r["matches_ended"] for r in listed] == [
            len(ms) if i <= played else 0 for i, (_, ms) in enumerate(rounds)
        ]
        assert body["current_round"] == listed[played]["key"]
        for r, entry in enumerate(listed):
            top, winners = ref.top_and_winners(r)
            if r <= played:
                assert entry["top_points"] == top, (played, r)
            assert {(w["user_id"], w["name"], w["points"]) for w in entry["winners"]} == winners, (played, r)
            assert len(entry["winners"]) == len(winners)
            seen_tied_winners |= len(winners) > 1

        for r, entry in enumerate(listed):
            page = get("/standings", tournament_id=tournament["id"], round=entry["key"])
            assert page["total"] == len(users)
            expected = ref.standings(r)
            assert api_rows(page) == expected, (played, r)
            seen_shared_rank |= len({row[0] for row in expected}) < len(expected)
        current = ref.standings(played)
        assert api_rows(get("/standings", tournament_id=tournament["id"])) == current, played
        assert api_rows(get("/standings")) == current, "one tournament: the whole league is its standings"

    assert seen_shared_rank and seen_tied_winners, "the seeded predictions exercise ties"

    # Every participant's predictions explain their points (all rounds played).
    ref = Reference(rounds, users, predictions, scoring_result, len(rounds) - 1)
    keys = [r["key"] for r in get("/rounds", tournament_id=tournament["id"])["rounds"]]
    by_id = {m["id"]: (r, m) for r, (_, ms) in enumerate(rounds) for m in ms}
    final_rows = {row[1]: row for row in ref.standings(len(rounds) - 1)}
    for user in users:
        body = get(f"/participants/{user['id']}/predictions", tournament_id=tournament["id"])
        entries = body["predictions"]
        assert {e["match_id"] for e in entries} == {mid for (uid, mid) in predictions if uid == user["id"]}
        starts = [datetime.fromisoformat(e["start_time"]) for e in entries]
        assert starts == sorted(starts), "kick-off order"
        for e in entries:
            r, m = by_id[e["match_id"]]
            t, points = ref.scored(user["id"], m)
            assert (e["round"], e["home_team"], e["away_team"], e["status"]) == (keys[r], m["home"], m["away"], "ended")
            assert (e["result"]["home"], e["result"]["away"]) == ref.result(m)
            assert (e["prediction"]["home"], e["prediction"]["away"]) == predictions[(user["id"], m["id"])]
            assert (e["tier"], e["points"]) == (t, points), (user["name"], m["home"], m["away"])
        assert body["points"] == sum(e["points"] for e in entries) == final_rows[user["id"]][3]
        for r, key in enumerate(keys):
            in_round = get(f"/participants/{user['id']}/predictions", tournament_id=tournament["id"], round=key)
            assert {e["round"] for e in in_round["predictions"]} <= {key}
            assert sum(e["points"] for e in in_round["predictions"]) == ref.earned[r][user["id"]][0]
