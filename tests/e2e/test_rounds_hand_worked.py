"""Rounds (matchdays), SPEC §5 and §7.8, against tables worked out by hand.

One small tournament ("Hand Cup", `regular_time`) followed by one league ("Office", default
points: exact 4, goal difference 3, outcome 2). Results are written to `match` with SQL, as an
operator would (the triggers mark the standings `outdata`); a scores tick runs; the API is read.

Rounds, in kick-off order — the knockout numbers run backwards (quarter-final 29, final 27) and
the qualification round shares number 1 with matchday 1, so ordering by round_number is wrong:

    Q    Qualification, round 1       q1   2026-01-10 18:00   Andorra–Malta   2–0
    MD1  round 1                      m1a  2026-01-17 15:00   Spain–Italy     1–1
                                      m1b  2026-01-17 18:00   France–Wales    3–1
    MD2  round 2                      m2a  2026-01-24 15:00   Italy–France    0–1
                                      m2b  2026-01-24 18:00   Wales–Spain     postponed, played
                                           2026-02-10 19:00 (after the quarter-final): 2–2
    MD3  round 3                      m3a  2026-01-31 18:00   Spain–France    2–1
    QF   29 'quarterfinals'           qf   2026-02-07 18:00   Spain–Wales     1–1 after 90', 2–1 a.e.t.
    SF   28 'semifinals'              sf   2026-02-14 18:00   Italy–Spain     0–2, corrected to 1–2
    F    27 'final'                   f    2026-02-21 18:00   France–Spain    1–0

Participants (user ids in insertion order): Zed (1), Ann (2), Bob (3), Lea (4, leaves in stage
E), and a second Ann (5, "ann2", joins in stage C). Names tie-break ranks (Ann before Zed), user
ids tie-break names (Ann 2 before Ann 5).

Points of each prediction (E exact 4, G goal difference 3, O outcome 2, N none 0):

    match (result)       Zed          Ann          Bob          Lea          ann2
    q1  2-0              2-0 E 4      0-1 N 0      3-1 G 3      1-0 O 2      -
    m1a 1-1              0-0 O 2      1-1 E 4      2-1 N 0      1-1 E 4      -
    m1b 3-1              1-0 O 2      2-0 G 3      3-1 E 4      4-2 G 3      -
    m2a 0-1              0-1 E 4      1-2 G 3      0-2 O 2      1-0 N 0      -
    m2b 2-2              1-1 O 2      2-2 E 4      0-0 O 2      3-1 N 0      -
    m3a 2-1              1-0 G 3      0-0 N 0      2-1 E 4      3-2 G 3      -
    qf  1-1 (90')        2-1 N 0      0-0 O 2      1-1 E 4      1-1 E 4      -
    sf  0-2              0-2 E 4      1-2 O 2      0-1 O 2      2-0 N 0      1-3 G 3
    sf  1-2 (corrected)  0-2 O 2      1-2 E 4      0-1 G 3      2-0 N 0      1-3 O 2
    f   1-0              2-1 G 3      1-0 E 4      2-0 O 2      1-0 E 4      1-0 E 4

Stages (each ends with a scores tick):
    A  q1, m1a, m1b, m2a, m3a, qf ended; m2b postponed
    B  m2b moved to 2026-02-10 19:00 and ended 2-2 (counts in MD2: retroactive)
    C  ann2 joins and predicts sf and f; sf ended 0-2
    D  sf corrected to 1-2
    E  Lea leaves; f ended 1-0

Standings rows below are (rank, who, points after the round, round_points, previous_rank).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bootstrap import services_of
from tests.support import START, insert, seed_league, seed_match, seed_tournament

# A round's identity: (round_number, round_slug, round_prefix). The key is the project's own.
Q = (1, None, "Qualification")
MD1 = (1, None, None)
MD2 = (2, None, None)
MD3 = (3, None, None)
QF = (29, "quarterfinals", None)
SF = (28, "semifinals", None)
F = (27, "final", None)
IN_ORDER = [Q, MD1, MD2, MD3, QF, SF, F]

MATCHES = {  # name: (round, home, away, kick-off)
    "q1": (Q, "Andorra", "Malta", "2026-01-10T18:00:00+00:00"),
    "m1a": (MD1, "Spain", "Italy", "2026-01-17T15:00:00+00:00"),
    "m1b": (MD1, "France", "Wales", "2026-01-17T18:00:00+00:00"),
    "m2a": (MD2, "Italy", "France", "2026-01-24T15:00:00+00:00"),
    "m2b": (MD2, "Wales", "Spain", "2026-01-24T18:00:00+00:00"),
    "m3a": (MD3, "Spain", "France", "2026-01-31T18:00:00+00:00"),
    "qf": (QF, "Spain", "Wales", "2026-02-07T18:00:00+00:00"),
    "sf": (SF, "Italy", "Spain", "2026-02-14T18:00:00+00:00"),
    "f": (F, "France", "Spain", "2026-02-21T18:00:00+00:00"),
}
M2B_PLAYED = "2026-02-10T19:00:00+00:00"

USERS = [("zed", "Zed"), ("ann", "Ann"), ("bob", "Bob"), ("lea", "Lea"), ("ann2", "Ann")]

PREDICTIONS = {
    "zed": {
        "q1": (2, 0),
        "m1a": (0, 0),
        "m1b": (1, 0),
        "m2a": (0, 1),
        "m2b": (1, 1),
        "m3a": (1, 0),
        "qf": (2, 1),
        "sf": (0, 2),
        "f": (2, 1),
    },
    "ann": {
        "q1": (0, 1),
        "m1a": (1, 1),
        "m1b": (2, 0),
        "m2a": (1, 2),
        "m2b": (2, 2),
        "m3a": (0, 0),
        "qf": (0, 0),
        "sf": (1, 2),
        "f": (1, 0),
    },
    "bob": {
        "q1": (3, 1),
        "m1a": (2, 1),
        "m1b": (3, 1),
        "m2a": (0, 2),
        "m2b": (0, 0),
        "m3a": (2, 1),
        "qf": (1, 1),
        "sf": (0, 1),
        "f": (2, 0),
    },
    "lea": {
        "q1": (1, 0),
        "m1a": (1, 1),
        "m1b": (4, 2),
        "m2a": (1, 0),
        "m2b": (3, 1),
        "m3a": (3, 2),
        "qf": (1, 1),
        "sf": (2, 0),
        "f": (1, 0),
    },
    "ann2": {"sf": (1, 3), "f": (1, 0)},  # made when she joins, before the semi-final
}

STAGES = ("A", "B", "C", "D", "E")

# ---- the hand-worked standings after each round, per stage -------------------------------

AFTER_A = {
    Q: [(1, "zed", 4, 4, None), (2, "bob", 3, 3, None), (3, "lea", 2, 2, None), (4, "ann", 0, 0, None)],
    MD1: [(1, "lea", 9, 7, 3), (2, "zed", 8, 4, 1), (3, "ann", 7, 7, 4), (3, "bob", 7, 4, 2)],
    MD2: [(1, "zed", 12, 4, 2), (2, "ann", 10, 3, 3), (3, "bob", 9, 2, 3), (3, "lea", 9, 0, 1)],
    MD3: [(1, "zed", 15, 3, 1), (2, "bob", 13, 4, 3), (3, "lea", 12, 3, 3), (4, "ann", 10, 0, 2)],
    QF: [(1, "bob", 17, 4, 2), (2, "lea", 16, 4, 3), (3, "zed", 15, 0, 1), (4, "ann", 12, 2, 4)],
    # Nothing of SF or F has ended: the same totals, no round points, the rank before unchanged.
    SF: [(1, "bob", 17, 0, 1), (2, "lea", 16, 0, 2), (3, "zed", 15, 0, 3), (4, "ann", 12, 0, 4)],
    F: [(1, "bob", 17, 0, 1), (2, "lea", 16, 0, 2), (3, "zed", 15, 0, 3), (4, "ann", 12, 0, 4)],
}

AFTER_B = {
    Q: AFTER_A[Q],
    MD1: AFTER_A[MD1],
    # m2b 2-2: Zed +2, Ann +4 (exact), Bob +2, Lea 0. Ann and Zed tie on 14 points and 2 exact.
    MD2: [(1, "ann", 14, 7, 3), (1, "zed", 14, 6, 2), (3, "bob", 11, 4, 3), (4, "lea", 9, 0, 1)],
    MD3: [(1, "zed", 17, 3, 1), (2, "bob", 15, 4, 3), (3, "ann", 14, 0, 1), (4, "lea", 12, 3, 4)],
    QF: [(1, "bob", 19, 4, 2), (2, "zed", 17, 0, 1), (3, "ann", 16, 2, 3), (3, "lea", 16, 4, 4)],
    SF: [(1, "bob", 19, 0, 1), (2, "zed", 17, 0, 2), (3, "ann", 16, 0, 3), (3, "lea", 16, 0, 3)],
    F: [(1, "bob", 19, 0, 1), (2, "zed", 17, 0, 2), (3, "ann", 16, 0, 3), (3, "lea", 16, 0, 3)],
}

AFTER_C = {
    Q: [
        (1, "zed", 4, 4, None),
        (2, "bob", 3, 3, None),
        (3, "lea", 2, 2, None),
        (4, "ann", 0, 0, None),
        (4, "ann2", 0, 0, None),
    ],
    MD1: [(1, "lea", 9, 7, 3), (2, "zed", 8, 4, 1), (3, "ann", 7, 7, 4), (3, "bob", 7, 4, 2), (5, "ann2", 0, 0, 4)],
    MD2: [(1, "ann", 14, 7, 3), (1, "zed", 14, 6, 2), (3, "bob", 11, 4, 3), (4, "lea", 9, 0, 1), (5, "ann2", 0, 0, 5)],
    MD3: [(1, "zed", 17, 3, 1), (2, "bob", 15, 4, 3), (3, "ann", 14, 0, 1), (4, "lea", 12, 3, 4), (5, "ann2", 0, 0, 5)],
    QF: [(1, "bob", 19, 4, 2), (2, "zed", 17, 0, 1), (3, "ann", 16, 2, 3), (3, "lea", 16, 4, 4), (5, "ann2", 0, 0, 5)],
    # sf 0-2: Bob and Zed tie on 21 points and 3 exact.
    SF: [(1, "bob", 21, 2, 1), (1, "zed", 21, 4, 2), (3, "ann", 18, 2, 3), (4, "lea", 16, 0, 3), (5, "ann2", 3, 3, 5)],
    F: [(1, "bob", 21, 0, 1), (1, "zed", 21, 0, 1), (3, "ann", 18, 0, 3), (4, "lea", 16, 0, 4), (5, "ann2", 3, 0, 5)],
}

AFTER_D = {
    **{r: AFTER_C[r] for r in (Q, MD1, MD2, MD3, QF)},
    # sf corrected to 1-2: Zed 4 → 2, Ann 2 → 4, Bob 2 → 3, ann2 3 → 2 (replaced, not added).
    SF: [(1, "bob", 22, 3, 1), (2, "ann", 20, 4, 3), (3, "zed", 19, 2, 2), (4, "lea", 16, 0, 3), (5, "ann2", 2, 2, 5)],
    F: [(1, "bob", 22, 0, 1), (2, "ann", 20, 0, 2), (3, "zed", 19, 0, 3), (4, "lea", 16, 0, 4), (5, "ann2", 2, 0, 5)],
}

AFTER_E = {
    Q: [(1, "zed", 4, 4, None), (2, "bob", 3, 3, None), (3, "ann", 0, 0, None), (3, "ann2", 0, 0, None)],
    MD1: [(1, "zed", 8, 4, 1), (2, "ann", 7, 7, 3), (2, "bob", 7, 4, 2), (4, "ann2", 0, 0, 3)],
    MD2: [(1, "ann", 14, 7, 2), (1, "zed", 14, 6, 1), (3, "bob", 11, 4, 2), (4, "ann2", 0, 0, 4)],
    MD3: [(1, "zed", 17, 3, 1), (2, "bob", 15, 4, 3), (3, "ann", 14, 0, 1), (4, "ann2", 0, 0, 4)],
    QF: [(1, "bob", 19, 4, 2), (2, "zed", 17, 0, 1), (3, "ann", 16, 2, 3), (4, "ann2", 0, 0, 4)],
    SF: [(1, "bob", 22, 3, 1), (2, "ann", 20, 4, 3), (3, "zed", 19, 2, 2), (4, "ann2", 2, 2, 4)],
    # f 1-0: Ann and Bob both on 24; Ann's 4 exact beat Bob's 3.
    F: [(1, "ann", 24, 4, 2), (2, "bob", 24, 2, 1), (3, "zed", 22, 3, 3), (4, "ann2", 6, 4, 4)],
}


class Story:
    """The scenario, played stage by stage; every stage ends with a scores tick."""

    def __init__(self, db, app, client):
        self.db, self.app, self.client = db, app, client
        self.tournament = seed_tournament(db, utid=501, sid=2026, name="Hand Cup 2026")
        self.league, _ = seed_league(db, "Office", [self.tournament], up_to_date=False)
        self.users = {label: insert(db, "app_user", name=name) for label, name in USERS}
        self.label = {user["id"]: label for label, user in self.users.items()}
        self.matches = {}
        for event_id, (name, ((number, slug, prefix), home, away, start)) in enumerate(MATCHES.items(), start=9001):
            self.matches[name] = seed_match(
                db,
                self.tournament,
                event_id,
                round_number=number,
                round_slug=slug,
                round_prefix=prefix,
                home=home,
                away=away,
                start=datetime.fromisoformat(start),
            )
        self.match_name = {match["id"]: name for name, match in self.matches.items()}
        for label in ("zed", "ann", "bob", "lea"):
            self.join(label)
            self.predict_all(label)
        self.done = 0
        self.tick()

    # -- writing, as the app and an operator would

    def join(self, label):
        insert(self.db, "league_participant", league_id=self.league["id"], user_id=self.users[label]["id"])

    def predict_all(self, label):
        for match, (home, away) in PREDICTIONS[label].items():
            insert(
                self.db,
                "prediction",
                user_id=self.users[label]["id"],
                match_id=self.matches[match]["id"],
                home_score=home,
                away_score=away,
            )

    def end(self, match, final, regular=None, *, start=None):
        regular = regular or final
        self.db.execute(
            """update match set status = 'ended', home_score = %s, away_score = %s,
                                home_score_regular = %s, away_score_regular = %s,
                                start_time = coalesce(%s, start_time)
                where id = %s""",
            (*final, *regular, start and datetime.fromisoformat(start), self.matches[match]["id"]),
        )

    def tick(self):
        summary = services_of(self.app).run_scores_tick()
        assert summary["league_tournaments_failed"] == 0, summary
        statuses = self.db.execute("select participants_scores_status as s from league_tournament").fetchall()
        assert {row["s"] for row in statuses} == {"up-to-date"}

    def _stage_a(self):
        for match, final in (("q1", (2, 0)), ("m1a", (1, 1)), ("m1b", (3, 1)), ("m2a", (0, 1)), ("m3a", (2, 1))):
            self.end(match, final)
        self.db.execute("update match set status = 'postponed' where id = %s", (self.matches["m2b"]["id"],))
        self.end("qf", (2, 1), regular=(1, 1))

    def _stage_b(self):
        self.end("m2b", (2, 2), start=M2B_PLAYED)

    def _stage_c(self):
        self.join("ann2")
        self.predict_all("ann2")
        self.end("sf", (0, 2))

    def _stage_d(self):
        self.end("sf", (1, 2))

    def _stage_e(self):
        self.db.execute(
            "delete from league_participant where league_id = %s and user_id = %s",
            (self.league["id"], self.users["lea"]["id"]),
        )
        self.end("f", (1, 0))

    def play(self, through: str):
        while self.done <= STAGES.index(through):
            getattr(self, f"_stage_{STAGES[self.done].lower()}")()
            self.done += 1
            self.tick()

    # -- reading the API

    def get(self, path, **params):
        response = self.client.get(f"/api/leagues/{self.league['id']}{path}", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def who(self, row):
        """The row's participant label; its name must be that user's."""
        label = self.label[row["user_id"]]
        assert row["name"] == self.users[label]["name"], row
        return label

    def rounds(self, tournament=None):
        tournament = tournament or self.tournament
        body = self.get("/rounds", tournament_id=tournament["id"])
        assert body["league_id"] == self.league["id"] and body["tournament_id"] == tournament["id"]
        assert body["participants_scores_status"] == "up-to-date"
        return body

    def by_round(self, body=None):
        body = body or self.rounds()
        found = {(r["round_number"], r["round_slug"], r["round_prefix"]): r for r in body["rounds"]}
        assert len(found) == len(body["rounds"]), "one entry per round"
        return found

    def key(self, round_):
        return self.by_round()[round_]["key"]

    def round_of_key(self, key):
        return {r["key"]: identity for identity, r in self.by_round().items()}[key]

    def winners(self, round_, body=None):
        entry = self.by_round(body)[round_]
        return sorted((self.who(w), w["points"]) for w in entry["winners"])

    def standings_body(self, round_=None, *, tournament=True):
        params = {}
        if tournament:
            params["tournament_id"] = self.tournament["id"]
        if round_ is not None:
            params["round"] = self.key(round_)
        body = self.get("/standings", **params)
        assert body["participants_scores_status"] == "up-to-date"
        assert body["total"] == len(body["standings"])
        return body

    def table(self, round_=None, *, tournament=True):
        rows = self.standings_body(round_, tournament=tournament)["standings"]
        return [(r["rank"], self.who(r), r["points"], r["round_points"], r["previous_rank"]) for r in rows]

    def full_table(self, round_=None, *, tournament=True):
        rows = self.standings_body(round_, tournament=tournament)["standings"]
        return [
            (
                r["rank"],
                self.who(r),
                r["points"],
                r["exact_count"],
                r["goal_difference_count"],
                r["outcome_count"],
                r["round_points"],
                r["previous_rank"],
            )
            for r in rows
        ]

    def predictions(self, label, round_=None):
        params = {"tournament_id": self.tournament["id"]}
        if round_ is not None:
            params["round"] = self.key(round_)
        body = self.get(f"/participants/{self.users[label]['id']}/predictions", **params)
        assert (body["league_id"], body["user_id"], body["name"], body["tournament_id"]) == (
            self.league["id"],
            self.users[label]["id"],
            self.users[label]["name"],
            self.tournament["id"],
        )
        return body

    def entries(self, body):
        """(match, round, status, result, prediction, tier, points) per entry, in the given order.
        A not-ended match's points may be 0 or null (SPEC: it scores nothing): both read as None."""
        out = []
        for e in body["predictions"]:
            name = self.match_name[e["match_id"]]
            _, home, away, _ = MATCHES[name]
            assert (e["home_team"], e["away_team"]) == (home, away)
            assert (
                datetime.fromisoformat(e["start_time"])
                == self.db.execute("select start_time from match where id = %s", (e["match_id"],)).fetchone()[
                    "start_time"
                ]
            )
            points = e["points"]
            if e["tier"] is None:
                assert points in (0, None), e
                points = None
            result = None if e["result"] is None else (e["result"]["home"], e["result"]["away"])
            prediction = (e["prediction"]["home"], e["prediction"]["away"])
            out.append((name, self.round_of_key(e["round"]), e["status"], result, prediction, e["tier"], points))
        return out


@pytest.fixture
def story(app, client, db):
    return Story(db, app, client)


def at(text):
    return datetime.fromisoformat(text)


# ---- the rounds endpoint -----------------------------------------------------------------


def test_rounds_are_ordered_by_their_first_kickoff_not_by_round_number(story):
    story.play("A")
    body = story.rounds()
    assert [(r["round_number"], r["round_slug"], r["round_prefix"]) for r in body["rounds"]] == IN_ORDER
    keys = [r["key"] for r in body["rounds"]]
    assert all(isinstance(k, str) and k for k in keys) and len(set(keys)) == 7
    assert [at(r["first_kickoff"]) for r in body["rounds"]] == [
        at("2026-01-10T18:00:00+00:00"),
        at("2026-01-17T15:00:00+00:00"),
        at("2026-01-24T15:00:00+00:00"),
        at("2026-01-31T18:00:00+00:00"),
        at("2026-02-07T18:00:00+00:00"),
        at("2026-02-14T18:00:00+00:00"),
        at("2026-02-21T18:00:00+00:00"),
    ]
    #                        Q       MD1     MD2 (m2b postponed)  MD3   QF      SF      F
    assert [(r["matches"], r["matches_ended"]) for r in body["rounds"]] == [
        (1, 1),
        (2, 2),
        (2, 1),
        (1, 1),
        (1, 1),
        (1, 0),
        (1, 0),
    ]


def test_the_current_round_is_the_last_round_in_order_with_an_ended_match(story):
    seeded = story.rounds()
    assert seeded["current_round"] is None, "nothing has ended"
    assert all(r["matches_ended"] == 0 and r["winners"] == [] for r in seeded["rounds"])
    keys = [r["key"] for r in seeded["rounds"]]
    expected = {"A": QF, "B": QF, "C": SF, "D": SF, "E": F}  # B: m2b ended after QF, but MD2 comes before QF
    for stage, current in expected.items():
        story.play(stage)
        body = story.rounds()
        assert body["current_round"] == story.key(current), stage
        assert [r["key"] for r in body["rounds"]] == keys, "keys are stable"
    assert [(r["matches"], r["matches_ended"]) for r in story.rounds()["rounds"]] == [
        (1, 1),
        (2, 2),
        (2, 2),
        (1, 1),
        (1, 1),
        (1, 1),
        (1, 1),
    ]


def test_each_round_has_its_top_points_and_winners_with_ties_listing_both(story):
    story.play("A")
    body = story.rounds()
    top = {identity: r["top_points"] for identity, r in story.by_round(body).items()}
    assert {r: top[r] for r in (Q, MD1, MD2, MD3, QF)} == {Q: 4, MD1: 7, MD2: 4, MD3: 4, QF: 4}
    assert story.winners(Q, body) == [("zed", 4)]
    assert story.winners(MD1, body) == [("ann", 7), ("lea", 7)]  # tie
    assert story.winners(MD2, body) == [("zed", 4)]  # m2a only: Zed 4, Ann 3, Bob 2, Lea 0
    assert story.winners(MD3, body) == [("bob", 4)]
    assert story.winners(QF, body) == [("bob", 4), ("lea", 4)]  # tie; Zed's 2-1 is wrong after 90'
    assert story.winners(SF, body) == [] and story.winners(F, body) == [], "nothing of them has ended"


def test_a_tie_for_the_finals_top_points_lists_both_tied_participants(story):
    story.play("E")
    body = story.rounds()
    assert story.by_round(body)[F]["top_points"] == 4
    # Ann and the late Ann both exact; Lea's exact 1-0 no longer counts: she left.
    assert story.winners(F, body) == [("ann", 4), ("ann2", 4)]
    [first, second] = sorted(story.by_round(body)[F]["winners"], key=lambda w: w["user_id"])
    assert (first["name"], second["name"]) == ("Ann", "Ann")


def test_a_round_where_nobody_scored_has_no_winners(story, db):
    story.play("A")
    friendly = seed_tournament(db, utid=502, sid=2026, name="Friendly Cup")
    insert(db, "league_tournament", league_id=story.league["id"], tournament_id=friendly["id"])
    match = seed_match(db, friendly, 9101, round_number=1, start=at("2026-02-01T18:00:00+00:00"))
    for label, guess in (("zed", (1, 0)), ("ann", (2, 0)), ("bob", (1, 1))):
        insert(
            db,
            "prediction",
            user_id=story.users[label]["id"],
            match_id=match["id"],
            home_score=guess[0],
            away_score=guess[1],
        )
    db.execute(
        "update match set status = 'ended', home_score = 0, away_score = 3, home_score_regular = 0,"
        " away_score_regular = 3 where id = %s",
        (match["id"],),
    )
    story.tick()
    [round_] = story.rounds(friendly)["rounds"]
    assert (round_["matches"], round_["matches_ended"], round_["top_points"], round_["winners"]) == (1, 1, 0, [])
    assert story.rounds(friendly)["current_round"] == round_["key"]


# ---- standings after each round ------------------------------------------------------------


def test_standings_after_each_round_are_cumulative_with_round_points_and_previous_rank(story):
    story.play("A")
    for round_ in IN_ORDER:
        assert story.table(round_) == AFTER_A[round_], round_


def test_the_default_standings_are_those_after_the_current_round(story):
    story.play("A")
    #   rank  who    points exact gd outcome round_points previous_rank   (current round: QF)
    assert story.full_table() == [
        (1, "bob", 17, 3, 1, 1, 4, 2),
        (2, "lea", 16, 2, 2, 1, 4, 3),
        (3, "zed", 15, 2, 1, 2, 0, 1),
        (4, "ann", 12, 1, 2, 1, 2, 4),
    ]
    assert story.table() == story.table(QF)
    story.play("E")
    assert story.full_table() == [  # current round: F
        (1, "ann", 24, 4, 2, 1, 4, 2),
        (2, "bob", 24, 3, 2, 3, 2, 1),
        (3, "zed", 22, 2, 2, 4, 3, 3),
        (4, "ann2", 6, 1, 0, 1, 4, 4),
    ]


def test_a_postponed_match_played_later_counts_in_its_own_round_and_changes_what_follows(story):
    story.play("A")
    story.play("B")
    body = story.rounds()
    assert [(r["round_number"], r["round_slug"], r["round_prefix"]) for r in body["rounds"]] == IN_ORDER
    md2 = story.by_round(body)[MD2]
    assert (md2["matches"], md2["matches_ended"], md2["top_points"]) == (2, 2, 7)
    assert at(md2["first_kickoff"]) == at("2026-01-24T15:00:00+00:00"), "m2b moved, m2a still opens MD2"
    assert story.winners(MD2, body) == [("ann", 7)]
    assert body["current_round"] == story.key(QF)
    for round_ in IN_ORDER:
        assert story.table(round_) == AFTER_B[round_], round_
    assert story.table() == AFTER_B[QF]


def test_a_late_joiner_has_nothing_in_earlier_rounds_and_appears_after_every_round(story):
    story.play("C")
    for round_ in IN_ORDER:
        assert story.table(round_) == AFTER_C[round_], round_
    assert story.table() == AFTER_C[SF]
    assert story.entries(story.predictions("ann2")) == [
        ("sf", SF, "ended", (0, 2), (1, 3), "goal_difference", 3),
        ("f", F, "open", None, (1, 0), None, None),
    ]
    assert story.predictions("ann2", Q)["predictions"] == []


def test_a_corrected_result_replaces_its_points_never_adds_them(story):
    story.play("C")
    assert story.table(SF) == AFTER_C[SF]
    assert story.winners(SF) == [("zed", 4)]
    story.play("D")
    for round_ in IN_ORDER:
        assert story.table(round_) == AFTER_D[round_], round_
    assert story.winners(SF) == [("ann", 4)]
    assert story.by_round()[SF]["top_points"] == 4
    #   rank  who    points exact gd outcome round_points previous_rank   (current round: SF)
    assert story.full_table() == [
        (1, "bob", 22, 3, 2, 2, 3, 1),
        (2, "ann", 20, 3, 2, 1, 4, 3),
        (3, "zed", 19, 2, 1, 4, 2, 2),
        (4, "lea", 16, 2, 2, 1, 0, 3),
        (5, "ann2", 2, 0, 0, 1, 2, 5),
    ]
    body = story.predictions("zed", SF)
    assert story.entries(body) == [("sf", SF, "ended", (1, 2), (0, 2), "outcome", 2)]


def test_a_participant_who_leaves_is_gone_from_every_rounds_standings_and_winners(story):
    story.play("E")
    for round_ in IN_ORDER:
        assert story.table(round_) == AFTER_E[round_], round_
    body = story.rounds()
    assert [story.winners(r, body) for r in IN_ORDER] == [
        [("zed", 4)],
        [("ann", 7)],  # was a tie with Lea
        [("ann", 7)],
        [("bob", 4)],
        [("bob", 4)],  # was a tie with Lea
        [("ann", 4)],
        [("ann", 4), ("ann2", 4)],
    ]
    response = story.client.get(
        f"/api/leagues/{story.league['id']}/participants/{story.users['lea']['id']}/predictions",
        query_string={"tournament_id": story.tournament["id"]},
    )
    assert response.status_code == 404 and "error" in response.get_json()


def test_the_whole_league_standings_sum_each_tournaments_round_points_and_previous_standings(story, db):
    story.play("E")
    # Following one tournament, the whole league is that tournament's default standings.
    assert story.table(tournament=False) == AFTER_E[F]
    # A second tournament: C1 (round 1) 1-0, C2 (round 2) 0-0.
    spring = seed_tournament(db, utid=503, sid=2026, name="Spring Cup")
    insert(db, "league_tournament", league_id=story.league["id"], tournament_id=spring["id"])
    c1 = seed_match(db, spring, 9201, round_number=1, start=at("2026-02-01T18:00:00+00:00"))
    c2 = seed_match(db, spring, 9202, round_number=2, start=at("2026-02-15T18:00:00+00:00"))
    for label, match, guess in (
        ("zed", c1, (1, 0)),  # exact 4
        ("ann", c1, (0, 1)),  # none
        ("bob", c1, (2, 1)),  # goal difference 3
        ("zed", c2, (1, 2)),  # none
        ("ann", c2, (0, 0)),  # exact 4
        ("bob", c2, (1, 1)),  # outcome 2
        ("ann2", c2, (0, 0)),  # exact 4
    ):
        insert(
            db,
            "prediction",
            user_id=story.users[label]["id"],
            match_id=match["id"],
            home_score=guess[0],
            away_score=guess[1],
        )
    for match, final in ((c1, (1, 0)), (c2, (0, 0))):
        db.execute(
            "update match set status = 'ended', home_score = %s, away_score = %s, home_score_regular = %s,"
            " away_score_regular = %s where id = %s",
            (*final, *final, match["id"]),
        )
    story.tick()
    # Now:    Hand Cup (after F)  + Spring (after C2)  = whole; round points F + C2.
    #   Ann   24 (4 exact)        + 4 (1 exact)        = 28 (5 exact); 4 + 4 = 8
    #   Bob   24 (3 exact)        + 5 (0 exact)        = 29 (3 exact); 2 + 2 = 4
    #   Zed   22 (2 exact)        + 4 (1 exact)        = 26 (3 exact); 3 + 0 = 3
    #   ann2   6 (1 exact)        + 4 (1 exact)        = 10 (2 exact); 4 + 4 = 8
    # Before: Hand Cup (after SF) + Spring (after C1)
    #   Bob 22 + 3 = 25 → 1, Zed 19 + 4 = 23 → 2, Ann 20 + 0 = 20 → 3, ann2 2 + 0 = 2 → 4
    #   rank  who    points exact gd outcome round_points previous_rank
    assert story.full_table(tournament=False) == [
        (1, "bob", 29, 3, 3, 4, 4, 1),
        (2, "ann", 28, 5, 2, 1, 8, 3),
        (3, "zed", 26, 3, 2, 4, 3, 2),
        (4, "ann2", 10, 2, 0, 1, 8, 4),
    ]
    assert story.table() == AFTER_E[F], "the Hand Cup's own standings did not move"


# ---- the participant predictions endpoint --------------------------------------------------


def test_a_participants_predictions_explain_their_points_in_kickoff_order(story):
    story.play("E")
    body = story.predictions("ann")
    assert story.entries(body) == [
        ("q1", Q, "ended", (2, 0), (0, 1), "none", 0),
        ("m1a", MD1, "ended", (1, 1), (1, 1), "exact", 4),
        ("m1b", MD1, "ended", (3, 1), (2, 0), "goal_difference", 3),
        ("m2a", MD2, "ended", (0, 1), (1, 2), "goal_difference", 3),
        ("m3a", MD3, "ended", (2, 1), (0, 0), "none", 0),
        ("qf", QF, "ended", (1, 1), (0, 0), "outcome", 2),  # the 90-minute pair: regular_time
        ("m2b", MD2, "ended", (2, 2), (2, 2), "exact", 4),  # played after the quarter-final
        ("sf", SF, "ended", (1, 2), (1, 2), "exact", 4),
        ("f", F, "ended", (1, 0), (1, 0), "exact", 4),
    ]
    assert body["points"] == 24 == sum(e["points"] for e in body["predictions"])
    ann_round_points = {Q: 0, MD1: 7, MD2: 7, MD3: 0, QF: 2, SF: 4, F: 4}
    for round_, points in ann_round_points.items():
        entries = story.predictions("ann", round_)["predictions"]
        assert {story.round_of_key(e["round"]) for e in entries} == {round_}
        assert sum(e["points"] for e in entries) == points, round_
        [row] = [r for r in story.standings_body(round_)["standings"] if r["user_id"] == story.users["ann"]["id"]]
        assert row["round_points"] == points, round_


def test_predictions_of_matches_not_ended_show_no_result_and_no_tier(story):
    story.play("A")
    body = story.predictions("ann")
    assert story.entries(body) == [
        ("q1", Q, "ended", (2, 0), (0, 1), "none", 0),
        ("m1a", MD1, "ended", (1, 1), (1, 1), "exact", 4),
        ("m1b", MD1, "ended", (3, 1), (2, 0), "goal_difference", 3),
        ("m2a", MD2, "ended", (0, 1), (1, 2), "goal_difference", 3),
        ("m2b", MD2, "postponed", None, (2, 2), None, None),
        ("m3a", MD3, "ended", (2, 1), (0, 0), "none", 0),
        ("qf", QF, "ended", (1, 1), (0, 0), "outcome", 2),
        ("sf", SF, "open", None, (1, 2), None, None),
        ("f", F, "open", None, (1, 0), None, None),
    ]
    assert body["points"] == 12
    md2 = story.predictions("ann", MD2)
    assert [e[0] for e in story.entries(md2)] == ["m2a", "m2b"]
    assert sum(e["points"] or 0 for e in md2["predictions"]) == 3


def test_a_prediction_for_a_match_not_yet_kicked_off_is_never_shown(story, db, clock):
    story.play("A")
    # The app's clock (tests/conftest.py: CLOCK, a FakeClock at START = 2026-03-01 12:00 UTC) decides.
    # x: a day ahead of the app's clock (already past for the wall clock); y: years ahead of both.
    x = seed_match(
        db,
        story.tournament,
        9301,
        round_number=28,
        round_slug="semifinals",
        start=START + timedelta(days=1),
        home="Wales",
        away="Malta",
    )
    y = seed_match(
        db,
        story.tournament,
        9302,
        round_number=30,
        round_slug="match-for-3rd-place",
        start=at("2030-06-01T18:00:00+00:00"),
        home="Italy",
        away="Andorra",
    )
    for match, guess in ((x, (3, 3)), (y, (0, 0))):
        insert(
            db,
            "prediction",
            user_id=story.users["ann"]["id"],
            match_id=match["id"],
            home_score=guess[0],
            away_score=guess[1],
        )
    hidden = {x["id"], y["id"]}
    keys = [r["key"] for r in story.rounds()["rounds"]]  # y's round among them where the rounds list it already

    def shown(round_key=None):
        params = {"tournament_id": story.tournament["id"]}
        if round_key is not None:
            params["round"] = round_key
        body = story.get(f"/participants/{story.users['ann']['id']}/predictions", **params)
        return {e["match_id"]: e for e in body["predictions"]}

    for key in [None, *keys]:
        assert not hidden & set(shown(key)), key

    clock.set(START + timedelta(days=1, minutes=1))  # x has kicked off; y has not
    entry = shown()[x["id"]]
    assert (entry["status"], entry["result"], entry["prediction"], entry["tier"]) == (
        "open",
        None,
        {"home": 3, "away": 3},
        None,
    )
    assert entry["points"] in (0, None)
    assert entry["round"] == story.key(SF)
    assert x["id"] in shown(story.key(SF))
    for key in [None, *keys]:
        assert y["id"] not in shown(key), key


# ---- errors --------------------------------------------------------------------------------


def test_an_unknown_round_key_is_404(story):
    story.play("A")
    response = story.client.get(
        f"/api/leagues/{story.league['id']}/standings",
        query_string={"tournament_id": story.tournament["id"], "round": "no-such-round"},
    )
    assert response.status_code == 404 and "error" in response.get_json()


def test_a_round_without_a_tournament_is_refused(story):
    story.play("A")
    response = story.client.get(f"/api/leagues/{story.league['id']}/standings", query_string={"round": story.key(QF)})
    assert 400 <= response.status_code < 500 and "error" in response.get_json()
