"""Stored standings always equal a from-scratch calculation (SPEC §7.7), whatever happens.

Hypothesis drives random histories — results, corrections, matches leaving `ended`,
`scoring_result` and point changes, predictions made, changed and deleted after the whistle,
participants joining, moving and leaving — through the real write paths (the matches tick's
own write statement, the app's and operators' SQL) and the real scores tick, and after every
scores tick compares every up-to-date standings table with the reference."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bootstrap import services_of
from provider.base import ProviderEvent
from repositories import matches as matches_repo
from tests.support import KICKOFF, START, assert_standings_match_reference

TABLES = (
    "tick_run, queue_job, round_fence, stuck_alert, participant_score, league_standing, prediction_tally, "
    "prediction, league_participant, league_tournament, league, match, tournament, app_user"
)
MATCHES, USERS, LEAGUES, TOURNAMENTS = 6, 5, 2, 2
score = st.integers(min_value=0, max_value=4)

result = st.tuples(st.just("result"), st.integers(0, MATCHES - 1), score, score, score, score)
leave_ended = st.tuples(
    st.just("status"), st.integers(0, MATCHES - 1), st.sampled_from(["open", "postponed", "canceled"])
)
scoring = st.tuples(
    st.just("scoring"), st.integers(0, TOURNAMENTS - 1), st.sampled_from(["regular_time", "after_extra_time"])
)
points = st.tuples(
    st.just("points"), st.integers(0, LEAGUES - 1), st.integers(0, 10), st.integers(0, 10), st.integers(0, 10)
)
predict = st.tuples(st.just("predict"), st.integers(0, USERS - 1), st.integers(0, MATCHES - 1), score, score)
unpredict = st.tuples(st.just("unpredict"), st.integers(0, USERS - 1), st.integers(0, MATCHES - 1))
join = st.tuples(st.just("join"), st.integers(0, USERS - 1), st.integers(0, LEAGUES - 1))
leave = st.tuples(st.just("leave"), st.integers(0, USERS - 1), st.integers(0, LEAGUES - 1))
move = st.tuples(st.just("move"), st.integers(0, USERS - 1), st.integers(0, LEAGUES - 1))
rename = st.tuples(st.just("rename"), st.integers(0, USERS - 1), st.sampled_from(["Ann", "Bob", "Zed"]))
tick = st.just(("tick",))
operation = st.one_of(result, leave_ended, scoring, points, predict, unpredict, join, leave, move, rename, tick)


def seed(db) -> dict:
    """Two tournaments of three matches; Office follows both, Family the first; everyone predicts."""
    db.execute(f"truncate {TABLES} restart identity cascade")
    tournaments = [
        db.execute(
            "insert into tournament (name, sofascore_unique_tournament_id, sofascore_season_id) "
            "values (%s, %s, 1) returning id",
            (f"T{t}", t),
        ).fetchone()["id"]
        for t in range(TOURNAMENTS)
    ]
    matches = [
        db.execute(
            "insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time) "
            "values (%s, %s, 1, 'H', 'A', %s) returning id",
            (tournaments[m % TOURNAMENTS], 1000 + m, KICKOFF),
        ).fetchone()["id"]
        for m in range(MATCHES)
    ]
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


def apply(db, world: dict, op: tuple) -> None:
    kind, *args = op
    if kind == "result":  # the matches tick's own write statement: a new result or a correction
        match, home, away, home_regular, away_regular = args
        event = ProviderEvent(
            event_id=1000 + match,
            start_time=KICKOFF,
            status="ended",
            home_score=home,
            away_score=away,
            home_score_regular=home_regular,
            away_score_regular=away_regular,
        )
        with db.transaction():
            matches_repo.apply_events(db, events=[event], now=START, settle_minutes=180)
    elif kind == "status":
        db.execute(
            "update match set status = %s, home_score = null, away_score = null, home_score_regular = null, "
            "away_score_regular = null where id = %s",
            (args[1], world["matches"][args[0]]),
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
            (world["users"][args[0]], world["matches"][args[1]], args[2], args[3]),
        )
    elif kind == "unpredict":
        db.execute(
            "delete from prediction where user_id = %s and match_id = %s",
            (world["users"][args[0]], world["matches"][args[1]]),
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
    elif kind == "rename":
        db.execute("update app_user set name = %s where id = %s", (args[1], world["users"][args[0]]))


@pytest.mark.timeout(240)
@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(operation, min_size=1, max_size=12))
def test_stored_standings_equal_the_reference_after_every_scores_tick(app, db, clock, history):
    services = services_of(app)
    world = seed(db)
    for op in [*history, ("tick",)]:
        if op[0] == "tick":
            clock.advance(60)
            services.run_scores_tick()
            assert_standings_match_reference(db)
        else:
            apply(db, world, op)
    assert services.verify() == []
