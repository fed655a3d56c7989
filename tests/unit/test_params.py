"""Bad request parameters are a 400 with per-field details, never a 500 and never silently
rounded (SPEC §5): every endpoint's parameters are checked before anything else runs, so none
of these requests reaches the database."""

import pytest

from blueprints.params import MAX_ROUND_KEY, ParticipantPath, PredictionsQuery, RoundsQuery, StandingsQuery
from tests.support import AUTH


@pytest.mark.parametrize(
    "path",
    [
        "/api/leagues/9223372036854775808",
        "/api/leagues/99999999999999999999999999",
        "/api/leagues/0",
        "/api/leagues/-1",
        "/api/leagues/9223372036854775808/standings",
        "/api/leagues/-5/standings",
        "/api/leagues/0/rounds?tournament_id=1",
        "/api/leagues/9223372036854775808/rounds?tournament_id=1",
        "/api/leagues/0/participants/1/predictions?tournament_id=1",
        "/api/leagues/9223372036854775808/participants/1/predictions?tournament_id=1",
    ],
)
def test_a_path_id_outside_its_range_is_400(client, path):
    response = client.get(path)
    assert response.status_code == 400 and "league_id" in response.get_json()["details"]


@pytest.mark.parametrize("user_id", ["0", "-1", "9223372036854775808", "99999999999999999999999999"])
def test_a_participant_id_outside_its_range_is_400(client, user_id):
    response = client.get(f"/api/leagues/1/participants/{user_id}/predictions?tournament_id=1")
    assert response.status_code == 400 and set(response.get_json()["details"]) == {"user_id"}


def test_both_path_ids_out_of_range_are_both_named(client):
    response = client.get("/api/leagues/0/participants/0/predictions?tournament_id=1")
    assert response.status_code == 400 and set(response.get_json()["details"]) == {"league_id", "user_id"}


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("offset=-1", "offset"),
        ("tournament_id=abc", "tournament_id"),
        ("sort=points", "sort"),
        ("offset=9223372036854775808", "offset"),
        ("offset=1000001", "offset"),
        ("offset=1e3", "offset"),
        ("tournament_id=9223372036854775808", "tournament_id"),
        ("tournament_id=0", "tournament_id"),
        ("limit=1.5", "limit"),
        ("limit=" + "9" * 400, "limit"),
        ("offset= ", "offset"),
    ],
)
def test_a_standings_parameter_outside_its_range_is_400(client, query, field):
    response = client.get(f"/api/leagues/1/standings?{query}")
    assert response.status_code == 400 and field in response.get_json()["details"]


TOO_LONG_ROUND = "r" * (MAX_ROUND_KEY + 1)


@pytest.mark.parametrize(
    "query, field",
    [
        ("round=r1", "tournament_id"),
        ("round=r1&limit=10", "tournament_id"),
        ("tournament_id=1&round=", "round"),
        (f"tournament_id=1&round={TOO_LONG_ROUND}", "round"),
        ("tournament_id=1&round=r%001", "round"),
        ("tournament_id=abc&round=r1", "tournament_id"),
    ],
)
def test_a_standings_round_parameter_outside_its_range_is_400(client, query, field):
    response = client.get(f"/api/leagues/1/standings?{query}")
    assert response.status_code == 400 and set(response.get_json()["details"]) == {field}


def test_a_round_without_a_tournament_says_the_tournament_is_required(client):
    details = client.get("/api/leagues/1/standings?round=r28-semifinals").get_json()["details"]
    assert details == {"tournament_id": ["required with round"]}


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "tournament_id"),
        ("tournament_id=", "tournament_id"),
        ("tournament_id=0", "tournament_id"),
        ("tournament_id=9223372036854775808", "tournament_id"),
        ("tournament_id=1.5", "tournament_id"),
        ("tournament_id=1&round=r1", "round"),  # the rounds endpoint takes no round
        ("tournament_id=1&limit=10", "limit"),
    ],
)
def test_a_rounds_parameter_outside_its_range_is_400(client, query, field):
    response = client.get(f"/api/leagues/1/rounds?{query}")
    assert response.status_code == 400 and set(response.get_json()["details"]) == {field}


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "tournament_id"),
        ("round=r1", "tournament_id"),
        ("tournament_id=0", "tournament_id"),
        ("tournament_id=x", "tournament_id"),
        ("tournament_id=1&round=", "round"),
        (f"tournament_id=1&round={TOO_LONG_ROUND}", "round"),
        ("tournament_id=1&round=%00", "round"),
        ("tournament_id=1&offset=0", "offset"),
        ("tournament_id=1&now=2030-01-01T00:00:00Z", "now"),
    ],
)
def test_a_predictions_parameter_outside_its_range_is_400(client, query, field):
    response = client.get(f"/api/leagues/1/participants/7/predictions?{query}")
    assert response.status_code == 400 and set(response.get_json()["details"]) == {field}


@pytest.mark.parametrize(
    "schema, data, loaded",
    [
        (StandingsQuery, {}, {"limit": 100, "offset": 0}),
        (
            StandingsQuery,
            {"tournament_id": "3", "round": "Qualification~r1"},
            {"tournament_id": 3, "round": "Qualification~r1", "limit": 100, "offset": 0},
        ),
        (
            StandingsQuery,
            {"tournament_id": "3", "round": "r" * MAX_ROUND_KEY},
            {"tournament_id": 3, "round": "r" * MAX_ROUND_KEY, "limit": 100, "offset": 0},
        ),
        (RoundsQuery, {"tournament_id": "9223372036854775807"}, {"tournament_id": 2**63 - 1}),
        (PredictionsQuery, {"tournament_id": "3"}, {"tournament_id": 3}),
        (
            PredictionsQuery,
            {"tournament_id": "3", "round": "r28-semifinals"},
            {"tournament_id": 3, "round": "r28-semifinals"},
        ),
        (PredictionsQuery, {"tournament_id": "3", "round": " r 1 "}, {"tournament_id": 3, "round": " r 1 "}),
        (ParticipantPath, {"league_id": 1, "user_id": 2**63 - 1}, {"league_id": 1, "user_id": 2**63 - 1}),
    ],
)
def test_parameters_in_range_load_as_they_are(schema, data, loaded):
    """A round key is opaque: loaded exactly as sent, never trimmed or parsed."""
    assert schema().load(data) == loaded


@pytest.mark.parametrize(
    "path",
    [
        "/api/leagues/1/standings?tournament_id=3&round=r1",
        "/api/leagues/1/rounds?tournament_id=3",
        "/api/leagues/1/participants/7/predictions?tournament_id=3",
        "/api/leagues/1/participants/7/predictions?tournament_id=3&round=r28-semifinals",
    ],
)
def test_parameters_in_range_pass_to_the_database(client, path):
    """Past the parameter checks, these requests reach the database, which the unit tier lacks: 503."""
    assert client.get(path).status_code == 503


@pytest.mark.parametrize(
    "query, body, field",
    [
        ("max_rounds=0", None, "max_rounds"),
        ("max_rounds=501", None, "max_rounds"),
        ("max_rounds=abc", None, "max_rounds"),
        ("dry_run=yes", None, "dry_run"),
        ("", {"dry_run": "maybe"}, "dry_run"),
        ("", {"max_rounds": True}, "max_rounds"),
        ("surprise=1", None, "surprise"),
        ("", [1, 2], "body"),
        ("", {"max_rounds": 1.7}, "max_rounds"),
        ("", {"max_rounds": 1.0}, "max_rounds"),
        ("", {"max_rounds": "1.7"}, "max_rounds"),
        ("", {"max_rounds": False}, "max_rounds"),
        ("", {"max_rounds": 10**30}, "max_rounds"),
        ("", {"dry_run": 1.0}, "dry_run"),
        ("", {"dry_run": 2}, "dry_run"),
        ("", {"dry_run": "yes"}, "dry_run"),
        ("", {"dry_run": None}, "dry_run"),
    ],
)
def test_a_matches_tick_parameter_of_the_wrong_kind_is_400(client, query, body, field):
    response = client.post(f"/internal/tick/matches?{query}", headers=AUTH, json=body)
    assert response.status_code == 400 and field in response.get_json()["details"]


@pytest.mark.parametrize("query", ["max_leagues=0", "max_leagues=100001", "max_leagues=x", "dry_run=2"])
def test_a_scores_tick_parameter_out_of_range_is_400(client, query):
    response = client.post(f"/internal/tick/scores?{query}", headers=AUTH)
    assert response.status_code == 400 and query.split("=")[0] in response.get_json()["details"]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "kind=weekly", "outcome=meh"])
def test_a_runs_parameter_out_of_range_is_400(client, query):
    response = client.get(f"/internal/runs?{query}", headers=AUTH)
    assert response.status_code == 400 and query.split("=")[0] in response.get_json()["details"]


@pytest.mark.parametrize("data", ["{oops", "[" * 100_000 + "]" * 100_000])
def test_a_body_that_is_not_a_json_object_is_400(client, data):
    response = client.post("/internal/tick/scores", headers={**AUTH, "Content-Type": "application/json"}, data=data)
    assert response.status_code == 400 and "body" in response.get_json()["details"]
