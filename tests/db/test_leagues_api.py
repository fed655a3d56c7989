"""The public league API: status aggregation, standings, pagination, errors."""

import threading
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from bootstrap import services_of
from tests.support import START, hold_score_writes, insert, seed_league, seed_match, seed_tournament, wait_until_blocked

STATUSES = ("outdata", "syncing", "up-to-date")


@pytest.mark.parametrize("combination", [c for n in range(0, 4) for c in product(STATUSES, repeat=n)])
def test_every_status_combination_aggregates_by_the_rule(db, combination):
    expected = "outdata" if "outdata" in combination else "syncing" if "syncing" in combination else "up-to-date"
    assert db.execute("select league_status(%s::text[]) as s", (list(combination),)).fetchone()["s"] == expected


def test_the_oldest_update_is_null_when_any_is_null(db):
    a, b = START, START + timedelta(hours=1)

    def oldest(stamps):
        return db.execute("select oldest_update(%s::timestamptz[]) as o", (stamps,)).fetchone()["o"]

    assert oldest([b, a]) == a
    assert oldest([a, None]) is None
    assert oldest([]) is None


@pytest.fixture
def league(db):
    liga = seed_tournament(db, utid=1, sid=1, name="Liga 25/26")
    cup = seed_tournament(db, utid=2, sid=1, name="Cup 25/26")
    league, (liga_row, cup_row) = seed_league(db, "Office pool", [liga, cup])
    return {"league": league, "liga": liga, "cup": cup, "liga_row": liga_row, "cup_row": cup_row}


def test_a_league_reports_its_tournaments_and_the_aggregate(client, db, league):
    stamp = datetime(2026, 3, 1, 18, 5, tzinfo=UTC)
    db.execute("update league_tournament set participants_scores_updated_at = %s", (stamp,))
    db.execute(
        "update league_tournament set participants_scores_status = 'outdata', participants_scores_updated_at = %s "
        "where id = %s",
        (stamp - timedelta(hours=1), league["cup_row"]["id"]),
    )
    body = client.get(f"/api/leagues/{league['league']['id']}").get_json()
    assert body == {
        "id": league["league"]["id"],
        "name": "Office pool",
        "participants_scores_status": "outdata",
        "participants_scores_updated_at": "2026-03-01T17:05:00+00:00",
        "tournaments": [
            {
                "tournament_id": league["liga"]["id"],
                "name": "Liga 25/26",
                "participants_scores_status": "up-to-date",
                "participants_scores_updated_at": "2026-03-01T18:05:00+00:00",
            },
            {
                "tournament_id": league["cup"]["id"],
                "name": "Cup 25/26",
                "participants_scores_status": "outdata",
                "participants_scores_updated_at": "2026-03-01T17:05:00+00:00",
            },
        ],
    }


def test_a_league_following_nothing_is_up_to_date(client, db):
    league = insert(db, "league", name="Empty")
    body = client.get(f"/api/leagues/{league['id']}").get_json()
    assert body["participants_scores_status"] == "up-to-date" and body["tournaments"] == []
    assert body["participants_scores_updated_at"] is None


def test_unknown_leagues_and_unfollowed_tournaments_are_404(client, db, league):
    assert client.get("/api/leagues/999").status_code == 404
    assert client.get("/api/leagues/999/standings").status_code == 404
    other = seed_tournament(db, utid=3, sid=3, name="Other")
    response = client.get(f"/api/leagues/{league['league']['id']}/standings?tournament_id={other['id']}")
    assert response.status_code == 404 and "does not follow" in response.get_json()["error"]


def test_standings_are_ordered_by_rank_then_name_then_id_and_paginated(app, client, db, league):
    match = seed_match(
        db, league["liga"], 1, status="ended", home_score=1, away_score=0, home_score_regular=1, away_score_regular=0
    )
    rows = []
    for name, guess in (("Zoe", (3, 1)), ("Ann", (3, 1)), ("Ann", (3, 1)), ("Bob", (1, 0))):
        rows.append(insert(db, "app_user", name=name))
        insert(db, "league_participant", league_id=league["league"]["id"], user_id=rows[-1]["id"])
        insert(db, "prediction", user_id=rows[-1]["id"], match_id=match["id"], home_score=guess[0], away_score=guess[1])
    services_of(app).run_scores_tick()
    base = f"/api/leagues/{league['league']['id']}/standings?tournament_id={league['liga']['id']}"
    body = client.get(base).get_json()
    assert body["total"] == 4 and body["participants_scores_status"] == "up-to-date"
    assert [(s["rank"], s["name"], s["user_id"]) for s in body["standings"]] == [
        (1, "Bob", rows[3]["id"]),
        (2, "Ann", rows[1]["id"]),
        (2, "Ann", rows[2]["id"]),
        (2, "Zoe", rows[0]["id"]),
    ]
    page = client.get(base + "&limit=2&offset=1").get_json()
    assert [s["user_id"] for s in page["standings"]] == [rows[1]["id"], rows[2]["id"]] and page["total"] == 4
    beyond = client.get(base + "&offset=10").get_json()
    assert beyond["standings"] == [] and beyond["total"] == 4
    whole = f"/api/leagues/{league['league']['id']}/standings"
    assert [s["user_id"] for s in client.get(whole + "?limit=2&offset=2").get_json()["standings"]] == [
        rows[2]["id"],
        rows[0]["id"],
    ]
    whole_beyond = client.get(whole + "?offset=10").get_json()
    assert whole_beyond["standings"] == [] and whole_beyond["total"] == 4


def test_a_league_shows_syncing_while_a_tick_holds_it_and_up_to_date_after(app, client, db, league, database_url):
    user = insert(db, "app_user", name="Ana")
    insert(db, "league_participant", league_id=league["league"]["id"], user_id=user["id"])
    seed_match(
        db, league["liga"], 1, status="ended", home_score=1, away_score=0, home_score_regular=1, away_score_regular=0
    )
    db.execute(
        "update league_tournament set participants_scores_status = 'up-to-date', participants_scores_updated_at = %s "
        "where id = %s",
        (START + timedelta(hours=1), league["cup_row"]["id"]),
    )
    url = f"/api/leagues/{league['league']['id']}"
    assert client.get(url).get_json()["participants_scores_status"] == "outdata"
    blocker = hold_score_writes(database_url)
    tick = threading.Thread(target=services_of(app).run_scores_tick)
    tick.start()
    try:
        wait_until_blocked(db)
        assert client.get(url).get_json()["participants_scores_status"] == "syncing"
    finally:
        blocker.rollback()
        blocker.close()
        tick.join(timeout=30)
    body = client.get(url).get_json()
    assert body["participants_scores_status"] == "up-to-date"
    assert body["participants_scores_updated_at"] == START.isoformat()


@pytest.mark.parametrize("path", ["", "/standings"])
def test_league_pages_revalidate_with_a_strong_etag(client, db, league, path):
    url = f"/api/leagues/{league['league']['id']}{path}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and not etag.startswith("W/") and first.headers["Cache-Control"] == "no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    db.execute(
        "update league_tournament set participants_scores_status = 'outdata' where id = %s", (league["liga_row"]["id"],)
    )
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_bodies_the_database_builds_match_their_documented_schemas(app, client, db, league):
    from blueprints.schemas import LeagueSchema, StandingSchema, StandingsSchema

    user = insert(db, "app_user", name="Ana")
    insert(db, "league_participant", league_id=league["league"]["id"], user_id=user["id"])
    seed_match(
        db, league["liga"], 1, status="ended", home_score=1, away_score=0, home_score_regular=1, away_score_regular=0
    )
    services_of(app).run_scores_tick()
    base = f"/api/leagues/{league['league']['id']}"
    body = client.get(base).get_json()
    assert LeagueSchema().validate(body) == {} and list(body) == list(LeagueSchema().fields)
    for path in ("/standings", f"/standings?tournament_id={league['liga']['id']}"):
        page = client.get(base + path).get_json()
        assert StandingsSchema().validate(page) == {} and list(page) == list(StandingsSchema().fields)
        assert page["standings"] and list(page["standings"][0]) == list(StandingSchema().fields) == [
            "rank",
            "user_id",
            "name",
            "points",
            "exact_count",
            "goal_difference_count",
            "outcome_count",
            "round_points",
            "previous_rank",
        ]


def test_the_largest_values_in_range_are_answered(client, league):
    assert client.get(f"/api/leagues/{league['league']['id']}/standings?offset=1000000&limit=1000").status_code == 200
    assert client.get("/api/leagues/9223372036854775807").status_code == 404
