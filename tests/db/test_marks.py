"""Whatever changes a standings table marks it outdata, in the database itself (SPEC §4)."""

import pytest

from tests.support import ended, insert, predict


@pytest.fixture
def follows(db):
    cup = insert(db, "tournament", name="Cup", sofascore_unique_tournament_id=1, sofascore_season_id=1)
    liga = insert(db, "tournament", name="Liga", sofascore_unique_tournament_id=2, sofascore_season_id=1)
    office = insert(db, "league", name="Office")
    family = insert(db, "league", name="Family")
    rows = {
        "office_cup": insert(db, "league_tournament", league_id=office["id"], tournament_id=cup["id"]),
        "office_liga": insert(db, "league_tournament", league_id=office["id"], tournament_id=liga["id"]),
        "family_cup": insert(db, "league_tournament", league_id=family["id"], tournament_id=cup["id"]),
    }
    db.execute("update league_tournament set participants_scores_status = 'up-to-date'")
    return {
        "cup": cup,
        "liga": liga,
        "office": office,
        "family": family,
        "user": insert(db, "app_user", name="Ana"),
        **rows,
    }


def statuses(db) -> dict[int, str]:
    return {
        r["id"]: r["participants_scores_status"]
        for r in db.execute("select id, participants_scores_status from league_tournament")
    }


def test_a_new_league_tournament_starts_outdata(db):
    tournament = insert(db, "tournament", name="T", sofascore_unique_tournament_id=9, sofascore_season_id=9)
    league = insert(db, "league", name="L")
    row = insert(db, "league_tournament", league_id=league["id"], tournament_id=tournament["id"])
    assert row["participants_scores_status"] == "outdata"
    assert row["marked_outdata_at"] is not None


def test_joining_and_leaving_a_league_marks_all_its_tournaments(db, follows):
    insert(db, "league_participant", league_id=follows["office"]["id"], user_id=follows["user"]["id"])
    assert statuses(db) == {
        follows["office_cup"]["id"]: "outdata",
        follows["office_liga"]["id"]: "outdata",
        follows["family_cup"]["id"]: "up-to-date",
    }
    db.execute("update league_tournament set participants_scores_status = 'up-to-date'")
    db.execute("delete from league_participant")
    assert statuses(db)[follows["office_liga"]["id"]] == "outdata"
    assert statuses(db)[follows["family_cup"]["id"]] == "up-to-date"


def test_changing_point_values_marks_the_league(db, follows):
    db.execute("update league set name = 'Renamed' where id = %s", (follows["office"]["id"],))
    assert set(statuses(db).values()) == {"up-to-date"}
    db.execute("update league set points_exact = 5 where id = %s", (follows["office"]["id"],))
    assert statuses(db)[follows["office_cup"]["id"]] == "outdata"
    assert statuses(db)[follows["family_cup"]["id"]] == "up-to-date"


def test_changing_scoring_result_marks_every_league_following_the_tournament(db, follows):
    db.execute("update tournament set scoring_result = 'after_extra_time' where id = %s", (follows["cup"]["id"],))
    assert statuses(db) == {
        follows["office_cup"]["id"]: "outdata",
        follows["office_liga"]["id"]: "up-to-date",
        follows["family_cup"]["id"]: "outdata",
    }


def tallies(db, tournament) -> dict[int, tuple[int, int, int]]:
    rows = db.execute(
        "select user_id, exact_count, goal_difference_count, outcome_count from prediction_tally"
        " where tournament_id = %s",
        (tournament["id"],),
    )
    return {r["user_id"]: (r["exact_count"], r["goal_difference_count"], r["outcome_count"]) for r in rows}


def test_deleting_an_ended_match_takes_its_points_out_and_marks_its_leagues(db, follows):
    kept = ended(db, follows["cup"], 1, (2, 1))
    deleted = ended(db, follows["cup"], 2, (0, 0))
    predict(db, follows["user"], kept, 2, 1)
    predict(db, follows["user"], deleted, 1, 1)
    assert tallies(db, follows["cup"]) == {follows["user"]["id"]: (1, 0, 1)}
    db.execute("update league_tournament set participants_scores_status = 'up-to-date'")
    db.execute("delete from match where id = %s", (deleted["id"],))
    assert tallies(db, follows["cup"]) == {follows["user"]["id"]: (1, 0, 0)}
    assert statuses(db) == {
        follows["office_cup"]["id"]: "outdata",
        follows["office_liga"]["id"]: "up-to-date",
        follows["family_cup"]["id"]: "outdata",
    }


def test_unfollowing_a_tournament_marks_the_others_and_prunes_standings_left_with_none(db, follows):
    for league in (follows["office"], follows["family"]):
        insert(db, "league_participant", league_id=league["id"], user_id=follows["user"]["id"])
        insert(
            db,
            "league_standing",
            league_id=league["id"],
            user_id=follows["user"]["id"],
            points=0,
            exact_count=0,
            goal_difference_count=0,
            outcome_count=0,
            rank=1,
            position=1,
        )
    db.execute("update league_tournament set participants_scores_status = 'up-to-date'")
    db.execute(
        "delete from league_tournament where id in (%s, %s)", (follows["office_cup"]["id"], follows["family_cup"]["id"])
    )
    assert statuses(db) == {follows["office_liga"]["id"]: "outdata"}
    assert [r["league_id"] for r in db.execute("select league_id from league_standing")] == [follows["office"]["id"]]
