"""Stored standings always equal a from-scratch calculation (SPEC §7.7, §7.8), whatever happens.

Hypothesis drives random histories — results, corrections, matches leaving `ended` (the matches
tick's own write or an operator's SQL), `scoring_result` and point changes, predictions made,
changed and deleted after the whistle, participants joining, moving and leaving, leagues
following and unfollowing tournaments, and rounds: matches spread over rounds whose numbers run
against their kick-off order (a slug, a prefix), kick-offs moved (reordering rounds, a round's
first kick-off past another's), matches moved to another round, matches added (played or not) —
through the real write paths (the matches tick's own write statement, the app's and operators'
SQL) and the real scores tick. After every scores tick every league tournament is up to date
and every stored table equals the reference: the season's standings, the standings after each
round and each round's winners, the whole league's with its round points and previous ranks
(`verify`), and the rounds themselves."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bootstrap import services_of
from provider.base import ProviderEvent
from repositories import matches as matches_repo
from repositories import standings_reference as reference
from tests.support import KICKOFF, START, assert_standings_match_reference

TABLES = (
    "tick_run, queue_job, round_fence, stuck_alert, participant_score, league_standing, prediction_tally, "
    "round_standing, league_round, round_tally, tournament_round, "
    "prediction, league_participant, league_tournament, league, match, tournament, app_user"
)
MATCHES, USERS, LEAGUES, TOURNAMENTS = 8, 5, 2, 2
# The rounds a match can be in, (round_number, round_slug, round_prefix): their numbers run
# against their kick-off order, the qualification round shares number 1 with the last, which
# starts empty (a match moved or added there makes it).
ROUNDS = ((2, None, None), (1, None, "Qualification"), (27, "quarterfinals", None), (1, None, None))
SLOTS = 9  # the kick-offs a match can have, 12 hours apart, the last at KICKOFF
# Each tournament's matches: (round, kick-off slot, seeded result or None). The first round has
# ended when the history starts; the others are open.
LAYOUT = ((0, 0, (1, 0)), (0, 1, (2, 2)), (1, 3, None), (2, 6, None))
MATCH_INDEX = st.integers(0, MATCHES + 1)  # modulo the matches there are: those added count too
score = st.integers(min_value=0, max_value=4)


def kickoff(slot: int):
    return KICKOFF - timedelta(hours=12 * (SLOTS - 1 - slot))


result = st.tuples(st.just("result"), MATCH_INDEX, score, score, score, score)
leave_ended = st.tuples(st.just("status"), MATCH_INDEX, st.sampled_from(["open", "postponed", "canceled"]))
reopen = st.tuples(st.just("reopen"), MATCH_INDEX, st.sampled_from(["open", "postponed"]))
scoring = st.tuples(
    st.just("scoring"), st.integers(0, TOURNAMENTS - 1), st.sampled_from(["regular_time", "after_extra_time"])
)
points = st.tuples(
    st.just("points"), st.integers(0, LEAGUES - 1), st.integers(0, 10), st.integers(0, 10), st.integers(0, 10)
)
predict = st.tuples(st.just("predict"), st.integers(0, USERS - 1), MATCH_INDEX, score, score)
unpredict = st.tuples(st.just("unpredict"), st.integers(0, USERS - 1), MATCH_INDEX)
join = st.tuples(st.just("join"), st.integers(0, USERS - 1), st.integers(0, LEAGUES - 1))
leave = st.tuples(st.just("leave"), st.integers(0, USERS - 1), st.integers(0, LEAGUES - 1))
move = st.tuples(st.just("move"), st.integers(0, USERS - 1), st.integers(0, LEAGUES - 1))
rename = st.tuples(st.just("rename"), st.integers(0, USERS - 1), st.sampled_from(["Ann", "Bob", "Zed"]))
# A kick-off moved, by the matches tick's write (status and scores as they are) or by SQL.
reschedule = st.tuples(st.just("kickoff"), MATCH_INDEX, st.integers(0, SLOTS - 1), st.booleans())
regroup = st.tuples(st.just("regroup"), MATCH_INDEX, st.integers(0, len(ROUNDS) - 1))
# A match added (an import, the app), not played yet or already ended with its score.
add = st.tuples(
    st.just("add"),
    st.integers(0, TOURNAMENTS - 1),
    st.integers(0, len(ROUNDS) - 1),
    st.integers(0, SLOTS - 1),
    st.none() | st.tuples(score, score),
)
# A league starts or stops following a tournament.
follow = st.tuples(
    st.sampled_from(["follow", "unfollow"]), st.integers(0, LEAGUES - 1), st.integers(0, TOURNAMENTS - 1)
)
tick = st.just(("tick",))


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each as often as its weight says (st.one_of draws them evenly)."""
    return st.sampled_from([strategy for weight, strategy in choices for _ in range(weight)]).flatmap(lambda s: s)


# Weights out of 24: the matches' changes 10, the leagues', participants' and predictions' 10
# (each kind of the test before rounds at least once), ticks 4 — often, so that changes meet
# standings already stored (a change marking every round, a join or a point change, hides one
# marking some).
operation = weighted(
    (3, result),
    (1, leave_ended),
    (1, reopen),
    (2, reschedule),
    (2, regroup),
    (1, add),
    (2, predict),
    (1, unpredict),
    (1, scoring),
    (1, points),
    (1, join),
    (1, leave),
    (1, move),
    (1, rename),
    (1, follow),
    (4, tick),
)


def add_match(db, tournament: int, event_id: int, round_: tuple, slot: int, final: tuple | None = None) -> int:
    """A match inserted (as an import or the app would): open, or ended with this score (90 minutes too)."""
    return db.execute(
        "insert into match (tournament_id, sofascore_event_id, round_number, round_slug, round_prefix, home_team, "
        "away_team, start_time, status, home_score, away_score, home_score_regular, away_score_regular) "
        "values (%s, %s, %s, %s, %s, 'H', 'A', %s, %s, %s, %s, %s, %s) returning id",
        (
            tournament,
            event_id,
            *round_,
            kickoff(slot),
            "open" if final is None else "ended",
            *((final or (None, None)) * 2),
        ),
    ).fetchone()["id"]


def seed(db) -> dict:
    """Two tournaments of four matches in three rounds (the first ended); Office follows both,
    Family the first; everyone predicts."""
    db.execute(f"truncate {TABLES} restart identity cascade")
    tournaments = [
        db.execute(
            "insert into tournament (name, sofascore_unique_tournament_id, sofascore_season_id) "
            "values (%s, %s, 1) returning id",
            (f"T{t}", t),
        ).fetchone()["id"]
        for t in range(TOURNAMENTS)
    ]
    matches = []
    for m in range(MATCHES):
        round_, slot, final = LAYOUT[(m // TOURNAMENTS) % len(LAYOUT)]
        matches.append(add_match(db, tournaments[m % TOURNAMENTS], 1000 + m, ROUNDS[round_], slot, final))
    users = [
        db.execute("insert into app_user (name) values (%s) returning id", (name,)).fetchone()["id"]
        for name in ("Ann", "Ben", "Cid", "Ann", "Eve")
    ]
    leagues = [
        db.execute("insert into league (name) values (%s) returning id", (name,)).fetchone()["id"]
        for name in ("Office", "Family")
    ]
    for league, followed in ((leagues[0], tournaments), (leagues[1], tournaments[:1])):
        for tournament in followed:
            db.execute("insert into league_tournament (league_id, tournament_id) values (%s, %s)", (league, tournament))
    for user in users[:4]:
        db.execute("insert into league_participant (league_id, user_id) values (%s, %s)", (leagues[user % 2], user))
    for user in users:
        for match in matches:
            db.execute(
                "insert into prediction (user_id, match_id, home_score, away_score) values (%s, %s, %s, %s)",
                (user, match, (user + match) % 3, (user * match) % 3),
            )
    return {"tournaments": tournaments, "matches": matches, "users": users, "leagues": leagues}


def write_event(db, event: ProviderEvent) -> None:
    """The matches tick's own write statement, in its own transaction."""
    with db.transaction():
        matches_repo.apply_events(db, events=[event], now=START, settle_minutes=180)


def apply(db, world: dict, op: tuple) -> None:
    kind, *args = op
    matches = world["matches"]
    if kind in ("result", "status", "reopen", "kickoff", "regroup"):
        match = db.execute("select * from match where id = %s", (matches[args[0] % len(matches)],)).fetchone()
    if kind == "result":  # the matches tick's own write statement: a new result or a correction
        home, away, home_regular, away_regular = args[1:]
        write_event(
            db,
            ProviderEvent(
                event_id=match["sofascore_event_id"],
                start_time=match["start_time"],
                status="ended",
                home_score=home,
                away_score=away,
                home_score_regular=home_regular,
                away_score_regular=away_regular,
            ),
        )
    elif kind == "status":
        db.execute(
            "update match set status = %s, home_score = null, away_score = null, home_score_regular = null, "
            "away_score_regular = null where id = %s",
            (args[1], match["id"]),
        )
    elif kind == "reopen":  # the matches tick finds an ended match open (in play again) or postponed
        write_event(
            db, ProviderEvent(event_id=match["sofascore_event_id"], start_time=match["start_time"], status=args[1])
        )
    elif kind == "kickoff":
        slot, by_the_tick = args[1:]
        if by_the_tick:
            write_event(
                db,
                ProviderEvent(
                    event_id=match["sofascore_event_id"],
                    start_time=kickoff(slot),
                    status=match["status"],
                    home_score=match["home_score"],
                    away_score=match["away_score"],
                    home_score_regular=match["home_score_regular"],
                    away_score_regular=match["away_score_regular"],
                    home_penalties=match["home_penalties"],
                    away_penalties=match["away_penalties"],
                ),
            )
        else:
            db.execute("update match set start_time = %s where id = %s", (kickoff(slot), match["id"]))
    elif kind == "regroup":  # an operator moves a match to another round
        db.execute(
            "update match set round_number = %s, round_slug = %s, round_prefix = %s where id = %s",
            (*ROUNDS[args[1]], match["id"]),
        )
    elif kind == "add":
        tournament, round_, slot, final = args
        matches.append(
            add_match(db, world["tournaments"][tournament], 1000 + len(matches), ROUNDS[round_], slot, final)
        )
    elif kind == "scoring":
        db.execute("update tournament set scoring_result = %s where id = %s", (args[1], world["tournaments"][args[0]]))
    elif kind == "points":
        db.execute(
            "update league set points_exact = %s, points_goal_difference = %s, points_outcome = %s where id = %s",
            (args[1], args[2], args[3], world["leagues"][args[0]]),
        )
    elif kind == "predict":
        db.execute(
            """insert into prediction (user_id, match_id, home_score, away_score) values (%s, %s, %s, %s)
                      on conflict (user_id, match_id) do update set home_score = excluded.home_score,
                                                                    away_score = excluded.away_score""",
            (world["users"][args[0]], matches[args[1] % len(matches)], args[2], args[3]),
        )
    elif kind == "unpredict":
        db.execute(
            "delete from prediction where user_id = %s and match_id = %s",
            (world["users"][args[0]], matches[args[1] % len(matches)]),
        )
    elif kind == "join":
        db.execute(
            "insert into league_participant (league_id, user_id) values (%s, %s) on conflict do nothing",
            (world["leagues"][args[1]], world["users"][args[0]]),
        )
    elif kind == "leave":
        db.execute(
            "delete from league_participant where league_id = %s and user_id = %s",
            (world["leagues"][args[1]], world["users"][args[0]]),
        )
    elif kind == "move":
        db.execute(
            """update league_participant set league_id = %s where user_id = %s and league_id <> %s
                        and not exists (select 1 from league_participant other
                                         where other.user_id = %s and other.league_id = %s)""",
            (
                world["leagues"][args[1]],
                world["users"][args[0]],
                world["leagues"][args[1]],
                world["users"][args[0]],
                world["leagues"][args[1]],
            ),
        )
    elif kind == "follow":
        db.execute(
            "insert into league_tournament (league_id, tournament_id) values (%s, %s) on conflict do nothing",
            (world["leagues"][args[0]], world["tournaments"][args[1]]),
        )
    elif kind == "unfollow":
        db.execute(
            "delete from league_tournament where league_id = %s and tournament_id = %s",
            (world["leagues"][args[0]], world["tournaments"][args[1]]),
        )
    elif kind == "rename":
        db.execute("update app_user set name = %s where id = %s", (args[1], world["users"][args[0]]))


def assert_rounds_match_their_matches(db, world: dict) -> None:
    """tournament_round (what the rounds endpoint shows) equals the matches grouped from scratch,
    in the order of SPEC §7.8 (earliest kick-off, then number, slug, prefix), current round included."""
    for tournament in world["tournaments"]:
        expected = [
            {
                "key": reference.round_key(r["round_number"], r["round_slug"], r["round_prefix"]),
                "first_kickoff": r["first_kickoff"],
                "matches_ended": r["matches_ended"],
            }
            for r in db.execute(reference.ROUNDS, {"tournament_id": tournament})
        ]
        stored = db.execute(
            """select o.key, o.first_kickoff, r.matches_ended, o.ordinal = o.current_ordinal as current
                 from ordered_rounds(array[%s::bigint]) o join tournament_round r on r.id = o.round_id
                order by o.ordinal""",
            (tournament,),
        ).fetchall()
        played = [i for i, r in enumerate(expected) if r["matches_ended"] > 0]
        assert [{k: r[k] for k in ("key", "first_kickoff", "matches_ended")} for r in stored] == expected
        assert [r["current"] is True for r in stored] == [bool(played) and i == played[-1] for i in range(len(stored))]
        counts = db.execute(
            """select r.key, r.matches, (select count(*) from match m where m.tournament_id = r.tournament_id
                                          and round_key(m.round_number, m.round_slug, m.round_prefix) = r.key)::int
                                        as counted
                 from tournament_round r where r.tournament_id = %s""",
            (tournament,),
        ).fetchall()
        assert all(r["matches"] == r["counted"] for r in counts), counts


# Besides the random histories, the per-round paths pinned, each from standings already stored:
@example(calculated=True, history=[("result", 0, 3, 1, 3, 1)])  # a correction in the current round
@example(calculated=True, history=[("result", 6, 1, 0, 1, 0)])  # the current round skips one not played
@example(calculated=True, history=[("kickoff", 4, 0, False)])  # a round not played moves before the current
@example(calculated=True, history=[("kickoff", 0, 8, True), ("kickoff", 2, 8, True)])  # the current moves last
@example(calculated=True, history=[("regroup", 2, 3)])  # an ended match moved to a round of its own
@example(calculated=True, history=[("result", 6, 1, 0, 1, 0), ("tick",), ("reopen", 6, "postponed")])  # and back
@pytest.mark.timeout(240)
@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calculated=st.booleans(), history=st.lists(operation, min_size=1, max_size=12))
def test_stored_standings_equal_the_reference_after_every_scores_tick(app, db, clock, calculated, history):
    services = services_of(app)
    world = seed(db)
    for op in [*([("tick",)] if calculated else []), *history, ("tick",)]:
        if op[0] == "tick":
            clock.advance(60)
            summary = services.run_scores_tick()
            assert summary["league_tournaments_failed"] == 0, summary
            statuses = db.execute("select distinct participants_scores_status as s from league_tournament").fetchall()
            assert {row["s"] for row in statuses} <= {"up-to-date"}, "a tick leaves nothing to verify behind"
            assert_standings_match_reference(db)
            assert_rounds_match_their_matches(db, world)
            assert services.verify() == []
        else:
            apply(db, world, op)


def test_a_match_added_already_ended_moves_the_current_round(app, db, clock):
    """An import adding a match that was already played, in the last round (after the first
    match of that round: its first kick-off stays), makes that round the current one, skipping
    one not played: the standings after the rounds up to it are stored, and the whole league's
    round points and previous ranks follow. (No prediction is on the new match: only the rounds'
    refresh can mark this.)"""
    services = services_of(app)
    world = seed(db)
    services.run_scores_tick()
    assert services.verify() == []
    add_match(db, world["tournaments"][0], 2000, ROUNDS[2], LAYOUT[3][1] + 1, (1, 0))
    clock.advance(60)
    services.run_scores_tick()
    assert_rounds_match_their_matches(db, world)
    assert services.verify() == []


def test_the_last_participants_leaving_take_the_winners_with_them(app, db, clock):
    """Family's two participants both leave: its rounds show no winner who is not a participant,
    and verify finds nothing (a random history found this: tick, leave, leave)."""
    services = services_of(app)
    world = seed(db)
    services.run_scores_tick()
    family, first = world["leagues"][1], world["tournaments"][0]
    db.execute("delete from league_participant where league_id = %s", (family,))
    clock.advance(60)
    services.run_scores_tick()
    body = app.test_client().get(f"/api/leagues/{family}/rounds?tournament_id={first}").get_json()
    assert [winner for r in body["rounds"] for winner in r["winners"]] == []
    assert services.verify() == []
