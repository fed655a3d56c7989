"""The rounds (matchdays) of the public league API (SPEC §5, §7.8): the rounds endpoint, the
standings after a round, a participant's predictions. The points themselves are worked out by
hand elsewhere; these tests hold the HTTP side: what is found and what is a 404 (and why), the
parameters, revalidation, the documented shapes, and that no prediction on a match that has not
kicked off is ever shown."""

from datetime import timedelta

import pytest

from blueprints.schemas import ParticipantPredictionsSchema, RoundsSchema, StandingSchema, StandingsSchema
from bootstrap import services_of
from tests.support import START, insert, predict, seed_league, seed_match, seed_tournament

LATER = START + timedelta(days=1)  # kick-off of the round not yet played: after the clock's now


def _ended(db, tournament, event_id, round_number, start, score):
    return seed_match(
        db,
        tournament,
        event_id,
        round_number=round_number,
        start=start,
        status="ended",
        home_score=score[0],
        away_score=score[1],
        home_score_regular=score[0],
        away_score_regular=score[1],
    )


@pytest.fixture
def season(app, db):
    """Office follows Liga: round 1 and round 2 played, round 3 kicking off tomorrow; round 2
    also holds a match kicked off and not yet ended. Ana and Ben take part; Zed predicted but
    never joined. The scores tick has run."""
    liga = seed_tournament(db, utid=1, sid=1, name="Liga")
    other = seed_tournament(db, utid=2, sid=1, name="Other")
    office, (office_liga,) = seed_league(db, "Office", [liga])
    first = _ended(db, liga, 1, 1, START - timedelta(days=7), (2, 1))
    second = _ended(db, liga, 2, 2, START - timedelta(hours=3), (1, 1))
    playing = seed_match(db, liga, 3, round_number=2, start=START - timedelta(minutes=30))  # kicked off, open
    upcoming = seed_match(db, liga, 4, round_number=3, start=LATER)
    users = {name: insert(db, "app_user", name=name) for name in ("Ana", "Ben", "Zed")}
    for name in ("Ana", "Ben"):
        insert(db, "league_participant", league_id=office["id"], user_id=users[name]["id"])
    for match, score in ((first, (2, 1)), (second, (0, 0)), (playing, (1, 0)), (upcoming, (3, 0))):
        predict(db, users["Ana"], match, *score)
    for match, score in ((first, (0, 1)), (second, (1, 1)), (upcoming, (0, 0))):
        predict(db, users["Ben"], match, *score)
    predict(db, users["Zed"], first, 2, 1)
    services_of(app).run_scores_tick()
    return dict(
        liga=liga,
        other=other,
        office=office,
        office_liga=office_liga,
        users=users,
        matches=dict(first=first, second=second, playing=playing, upcoming=upcoming),
    )


def _rounds(client, season) -> dict:
    response = client.get(f"/api/leagues/{season['office']['id']}/rounds?tournament_id={season['liga']['id']}")
    assert response.status_code == 200
    return response.get_json()


def _keys(client, season) -> list[str]:
    return [r["key"] for r in _rounds(client, season)["rounds"]]


def _predictions_url(season, user: str = "Ana", round: str | None = None) -> str:
    url = (
        f"/api/leagues/{season['office']['id']}/participants/{season['users'][user]['id']}/predictions"
        f"?tournament_id={season['liga']['id']}"
    )
    return url + (f"&round={round}" if round is not None else "")


def test_the_rounds_are_listed_in_kick_off_order_with_the_current_one(client, season):
    body = _rounds(client, season)
    assert RoundsSchema().validate(body) == {} and list(body) == list(RoundsSchema().fields)
    assert body["league_id"] == season["office"]["id"] and body["tournament_id"] == season["liga"]["id"]
    assert body["participants_scores_status"] == "up-to-date"
    rounds = body["rounds"]
    assert [r["round_number"] for r in rounds] == [1, 2, 3]
    assert len(set(r["key"] for r in rounds)) == 3
    assert [(r["matches"], r["matches_ended"]) for r in rounds] == [(1, 1), (2, 1), (1, 0)]
    assert body["current_round"] == rounds[1]["key"]  # the last round holding an ended match
    assert rounds[2]["winners"] == []  # nothing of it has ended


def test_a_round_key_selects_the_standings_after_that_round(client, season):
    first, second, upcoming = _keys(client, season)
    base = f"/api/leagues/{season['office']['id']}/standings?tournament_id={season['liga']['id']}"
    for url in (base, base + f"&round={first}", base + f"&round={second}", base + f"&round={upcoming}"):
        page = client.get(url).get_json()
        assert StandingsSchema().validate(page) == {}, url
        assert [list(row) for row in page["standings"]] == [list(StandingSchema().fields)] * 2, url
    after_first = client.get(base + f"&round={first}").get_json()
    assert [row["previous_rank"] for row in after_first["standings"]] == [None, None]  # no round before it
    current = client.get(base).get_json()
    assert current["standings"] == client.get(base + f"&round={second}").get_json()["standings"]


def test_the_whole_league_standings_carry_the_round_fields(client, season):
    page = client.get(f"/api/leagues/{season['office']['id']}/standings").get_json()
    assert StandingsSchema().validate(page) == {}
    assert [list(row) for row in page["standings"]] == [list(StandingSchema().fields)] * 2


def test_a_participants_points_are_the_sum_of_their_predictions(client, season):
    standings_url = f"/api/leagues/{season['office']['id']}/standings?tournament_id={season['liga']['id']}"
    for key in _keys(client, season):
        after = {row["user_id"]: row for row in client.get(standings_url + f"&round={key}").get_json()["standings"]}
        for name in ("Ana", "Ben"):
            entries = client.get(_predictions_url(season, name, key)).get_json()["predictions"]
            assert all(entry["round"] == key for entry in entries)
            assert sum(entry["points"] for entry in entries) == after[season["users"][name]["id"]]["round_points"]
    current = {row["user_id"]: row for row in client.get(standings_url).get_json()["standings"]}
    for name in ("Ana", "Ben"):
        body = client.get(_predictions_url(season, name)).get_json()
        assert body["points"] == sum(entry["points"] for entry in body["predictions"])
        assert body["points"] == current[season["users"][name]["id"]]["points"]


def test_the_predictions_match_their_documented_schema(client, season):
    body = client.get(_predictions_url(season)).get_json()
    assert ParticipantPredictionsSchema().validate(body) == {}
    assert list(body) == list(ParticipantPredictionsSchema().fields)
    assert (body["league_id"], body["user_id"], body["name"], body["tournament_id"]) == (
        season["office"]["id"],
        season["users"]["Ana"]["id"],
        "Ana",
        season["liga"]["id"],
    )
    first, playing = body["predictions"][0], body["predictions"][-1]
    assert first["match_id"] == season["matches"]["first"]["id"] and first["status"] == "ended"
    assert first["result"] == {"home": 2, "away": 1} and first["prediction"] == {"home": 2, "away": 1}
    assert first["tier"] == "exact"
    assert playing["match_id"] == season["matches"]["playing"]["id"]
    assert playing["result"] is None and playing["tier"] is None  # kicked off, not ended


def test_a_prediction_on_a_match_that_has_not_kicked_off_is_never_shown(client, clock, season):
    upcoming = season["matches"]["upcoming"]["id"]
    keys = _keys(client, season)
    shown = [e["match_id"] for e in client.get(_predictions_url(season)).get_json()["predictions"]]
    assert shown == [season["matches"][m]["id"] for m in ("first", "second", "playing")]  # kick-off order
    for name in ("Ana", "Ben"):
        body = client.get(_predictions_url(season, name, keys[2])).get_json()
        assert body["predictions"] == []  # the round exists; nothing of it has kicked off
        assert upcoming not in [
            e["match_id"] for e in client.get(_predictions_url(season, name)).get_json()["predictions"]
        ]
    clock.set(LATER - timedelta(seconds=1))
    assert client.get(_predictions_url(season, round=keys[2])).get_json()["predictions"] == []
    clock.set(LATER)  # the service's clock, not the database's: kicked off now
    entries = client.get(_predictions_url(season, round=keys[2])).get_json()["predictions"]
    assert [(e["match_id"], e["prediction"]) for e in entries] == [(upcoming, {"home": 3, "away": 0})]


def test_unknown_leagues_tournaments_rounds_and_participants_are_404_saying_which(client, db, season):
    office, liga, other = season["office"]["id"], season["liga"]["id"], season["other"]["id"]
    ana, zed = season["users"]["Ana"]["id"], season["users"]["Zed"]["id"]
    key = _keys(client, season)[0]
    expected = {
        "/api/leagues/999/rounds?tournament_id=1": "league 999 not found",
        f"/api/leagues/{office}/rounds?tournament_id={other}": f"league {office} does not follow tournament {other}",
        f"/api/leagues/{office}/rounds?tournament_id=999": f"league {office} does not follow tournament 999",
        f"/api/leagues/999/standings?tournament_id={liga}&round={key}": "league 999 not found",
        f"/api/leagues/{office}/standings?tournament_id={other}&round={key}": (
            f"league {office} does not follow tournament {other}"
        ),
        f"/api/leagues/{office}/standings?tournament_id={liga}&round=r99": f"round r99 not found in tournament {liga}",
        f"/api/leagues/999/participants/{ana}/predictions?tournament_id={liga}": "league 999 not found",
        f"/api/leagues/{office}/participants/{ana}/predictions?tournament_id={other}": (
            f"league {office} does not follow tournament {other}"
        ),
        f"/api/leagues/{office}/participants/{ana}/predictions?tournament_id={liga}&round=r99": (
            f"round r99 not found in tournament {liga}"
        ),
        f"/api/leagues/{office}/participants/{zed}/predictions?tournament_id={liga}": (
            f"user {zed} is not a participant of league {office}"
        ),
        f"/api/leagues/{office}/participants/999/predictions?tournament_id={liga}": (
            f"user 999 is not a participant of league {office}"
        ),
    }
    for url, error in expected.items():
        response = client.get(url)
        assert (response.status_code, response.get_json()) == (404, {"error": error}), url


def test_a_round_of_another_tournament_is_not_found_in_this_one(client, db, season):
    cup = seed_tournament(db, utid=3, sid=1, name="Cup")
    seed_match(db, cup, 31, round_number=1, round_slug="final", start=START - timedelta(days=2))
    insert(db, "league_tournament", league_id=season["office"]["id"], tournament_id=cup["id"])
    cup_key = client.get(f"/api/leagues/{season['office']['id']}/rounds?tournament_id={cup['id']}").get_json()[
        "rounds"
    ][0]["key"]
    assert cup_key not in _keys(client, season)
    response = client.get(
        f"/api/leagues/{season['office']['id']}/standings?tournament_id={season['liga']['id']}&round={cup_key}"
    )
    assert response.status_code == 404 and response.get_json()["error"] == (
        f"round {cup_key} not found in tournament {season['liga']['id']}"
    )


@pytest.mark.parametrize(
    "path, field",
    [
        ("/standings?round=r1", "tournament_id"),
        ("/standings?tournament_id=1&round=", "round"),
        ("/rounds", "tournament_id"),
        ("/rounds?tournament_id=1&round=r1", "round"),
        ("/participants/1/predictions", "tournament_id"),
        ("/participants/0/predictions?tournament_id=1", "user_id"),
        ("/participants/1/predictions?tournament_id=1&round=" + "r" * 201, "round"),
        ("/participants/1/predictions?tournament_id=1&limit=5", "limit"),
    ],
)
def test_bad_round_parameters_are_400_before_anything_is_read(client, season, path, field):
    response = client.get(f"/api/leagues/{season['office']['id']}{path}")
    assert response.status_code == 400 and field in response.get_json()["details"]


@pytest.mark.parametrize("endpoint", ["rounds", "predictions", "standings after a round"])
def test_the_round_endpoints_revalidate_with_a_strong_etag(client, clock, db, season, endpoint):
    league, liga = season["office"]["id"], season["liga"]["id"]
    url = {
        "rounds": f"/api/leagues/{league}/rounds?tournament_id={liga}",
        "predictions": _predictions_url(season),
        "standings after a round": f"/api/leagues/{league}/standings?tournament_id={liga}"
        f"&round={_keys(client, season)[0]}",
    }[endpoint]
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and not etag.startswith("W/") and first.headers["Cache-Control"] == "no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    if endpoint == "predictions":
        clock.set(LATER)  # the next round's match kicks off: it is shown now
    else:
        db.execute(
            "update league_tournament set participants_scores_status = 'outdata' where id = %s",
            (season["office_liga"]["id"],),
        )
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
