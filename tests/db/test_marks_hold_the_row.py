"""A mark holds the row (SPEC §4): whatever changes what standings are computed from marks
the league tournament in the same transaction and keeps it locked until commit, so a
scores tick running meanwhile can never finish it from data that lacks the change.

Each test is one deterministic interleaving on two real connections: a writer makes a change
and keeps its transaction open while the row already waits `outdata` → a scores tick runs →
the writer commits → the row is never `up-to-date` with stale standings, and the next tick
makes it right."""

from datetime import timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from bootstrap import services_of
from provider.base import ProviderEvent
from repositories import matches as matches_repo
from tests.support import (
    KICKOFF,
    START,
    assert_standings_match_reference,
    insert,
    seed_league,
    seed_match,
    seed_tournament,
)


@pytest.fixture
def scored_world(db):
    """Office (Ana, Ben) follows Liga and Cup; Family (Dee) follows Liga. Everything is scored."""
    liga = seed_tournament(db, utid=1, sid=1, name="Liga")
    cup = seed_tournament(db, utid=2, sid=1, name="Cup")
    m1 = seed_match(db, liga, 1, status="ended", home_score=2, away_score=1, home_score_regular=2, away_score_regular=1)
    m2 = seed_match(db, liga, 2, status="ended", home_score=2, away_score=1, home_score_regular=1, away_score_regular=1)
    m3 = seed_match(db, liga, 3)
    c1 = seed_match(db, cup, 11, status="ended", home_score=0, away_score=0, home_score_regular=0, away_score_regular=0)
    users = {name: insert(db, "app_user", name=name) for name in ("Ana", "Ben", "Cid", "Dee")}
    office, (office_liga, office_cup) = seed_league(db, "Office", [liga, cup])
    family, (family_liga,) = seed_league(db, "Family", [liga])
    for league, name in ((office, "Ana"), (office, "Ben"), (family, "Dee")):
        insert(db, "league_participant", league_id=league["id"], user_id=users[name]["id"])
    for name, match, score in (
        ("Ana", m1, (2, 1)),
        ("Ben", m1, (1, 0)),
        ("Ben", m2, (1, 1)),
        ("Dee", m2, (2, 1)),
        ("Ana", c1, (0, 0)),
        ("Ana", m3, (1, 1)),
    ):
        insert(
            db, "prediction", user_id=users[name]["id"], match_id=match["id"], home_score=score[0], away_score=score[1]
        )
    return dict(
        liga=liga,
        cup=cup,
        m1=m1,
        m2=m2,
        m3=m3,
        office=office,
        family=family,
        users=users,
        rows={"office_liga": office_liga["id"], "office_cup": office_cup["id"], "family_liga": family_liga["id"]},
    )


@pytest.fixture
def services(app):
    return services_of(app)


def statuses(db) -> dict[int, str]:
    return {
        r["id"]: r["participants_scores_status"]
        for r in db.execute("select id, participants_scores_status from league_tournament")
    }


def the_tick_sees_the_matches_tick_write_a_result(conn, scored_world):
    event = ProviderEvent(
        event_id=3,
        start_time=KICKOFF,
        status="ended",
        home_score=1,
        away_score=1,
        home_score_regular=1,
        away_score_regular=1,
    )
    matches_repo.apply_events(conn, events=[event], now=START, settle_minutes=180)


PATHS = {
    "a member joins": (
        lambda c, w: c.execute(
            "insert into league_participant (league_id, user_id) values (%s, %s)",
            (w["office"]["id"], w["users"]["Cid"]["id"]),
        ),
        ["office_liga", "office_cup"],
    ),
    "a member leaves": (
        lambda c, w: c.execute("delete from league_participant where user_id = %s", (w["users"]["Ben"]["id"],)),
        ["office_liga", "office_cup"],
    ),
    "a member moves to another league": (
        lambda c, w: c.execute(
            "update league_participant set league_id = %s where user_id = %s",
            (w["family"]["id"], w["users"]["Ben"]["id"]),
        ),
        ["office_liga", "office_cup", "family_liga"],
    ),
    "point values change": (
        lambda c, w: c.execute("update league set points_outcome = 9 where id = %s", (w["office"]["id"],)),
        ["office_liga", "office_cup"],
    ),
    "scoring_result changes": (
        lambda c, w: c.execute(
            "update tournament set scoring_result = 'after_extra_time' where id = %s", (w["liga"]["id"],)
        ),
        ["office_liga", "family_liga"],
    ),
    "an operator fixes a result": (
        lambda c, w: c.execute(
            "update match set home_score_regular = 0, home_score = 1 where id = %s", (w["m1"]["id"],)
        ),
        ["office_liga", "family_liga"],
    ),
    "an ended match leaves ended": (
        lambda c, w: c.execute(
            "update match set status = 'canceled', home_score = null, away_score = null, home_score_regular = null, "
            "away_score_regular = null where id = %s",
            (w["m2"]["id"],),
        ),
        ["office_liga", "family_liga"],
    ),
    "a prediction is inserted after the whistle": (
        lambda c, w: c.execute(
            "insert into prediction (user_id, match_id, home_score, away_score) values (%s, %s, 1, 1)",
            (w["users"]["Ana"]["id"], w["m2"]["id"]),
        ),
        ["office_liga"],
    ),
    "a prediction is changed after the whistle": (
        lambda c, w: c.execute(
            "update prediction set home_score = 2, away_score = 1 where user_id = %s and match_id = %s",
            (w["users"]["Ben"]["id"], w["m1"]["id"]),
        ),
        ["office_liga"],
    ),
    "a prediction is deleted after the whistle": (
        lambda c, w: c.execute(
            "delete from prediction where user_id = %s and match_id = %s", (w["users"]["Dee"]["id"], w["m2"]["id"])
        ),
        ["family_liga"],
    ),
    "the matches tick writes a result": (the_tick_sees_the_matches_tick_write_a_result, ["office_liga", "family_liga"]),
}


@pytest.mark.parametrize("path", PATHS)
def test_a_mark_on_a_row_already_outdata_holds_it_until_commit(services, db, scored_world, database_url, path):
    change, affected = PATHS[path]
    services.run_scores_tick()
    assert set(statuses(db).values()) == {"up-to-date"}
    db.execute("update league_tournament set participants_scores_status = 'outdata'")  # already waiting

    writer = psycopg.connect(database_url, row_factory=dict_row)
    try:
        change(writer, scored_world)  # 1. the change, its transaction still open
        during = services.run_scores_tick()  # 2. a scores tick runs meanwhile (never waits: SKIP LOCKED)
        assert during["league_tournaments_claimed"] == 3 - len(affected), "the held rows are not claimed"
        writer.commit()  # 3. the change commits
    finally:
        writer.close()

    assert {statuses(db)[scored_world["rows"][name]] for name in affected} == {"outdata"}
    assert_standings_match_reference(db)
    after = services.run_scores_tick()
    assert after["league_tournaments_updated"] == len(affected)
    assert set(statuses(db).values()) == {"up-to-date"}
    assert_standings_match_reference(db)


@pytest.mark.parametrize("path", ["a member joins", "the matches tick writes a result"])
def test_a_mark_on_an_up_to_date_row_marks_it_and_the_count_says_so(services, db, scored_world, path):
    change, affected = PATHS[path]
    services.run_scores_tick()
    with db.transaction():
        change(db, scored_world)
        assert matches_repo.marked_outdata_in_transaction(db) == len(affected)
    assert {statuses(db)[scored_world["rows"][name]] for name in affected} == {"outdata"}


def test_a_mark_keeps_the_time_of_the_first_mark_for_ordering(services, db, scored_world):
    services.run_scores_tick()
    db.execute(
        "update league_tournament set participants_scores_status = 'outdata', marked_outdata_at = %s",
        (START - timedelta(days=1),),
    )
    PATHS["a member joins"][0](db, scored_world)
    stamps = {
        r["id"]: r["marked_outdata_at"] for r in db.execute("select id, marked_outdata_at from league_tournament")
    }
    assert set(stamps.values()) == {START - timedelta(days=1)}, "already waiting: its first mark still counts"


def test_changes_that_do_not_touch_standings_mark_nothing(services, db, scored_world):
    services.run_scores_tick()
    db.execute(
        "update match set last_checked_at = now(), home_team = 'Renamed' where tournament_id = %s",
        (scored_world["liga"]["id"],),
    )
    db.execute(
        "update prediction set home_score = 5 where match_id = %s", (scored_world["m3"]["id"],)
    )  # the open match
    db.execute("update league set name = 'Renamed'")
    assert set(statuses(db).values()) == {"up-to-date"}
