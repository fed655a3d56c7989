"""Bad request parameters are a 400 with field details, never a 500 and never silently
rounded (SPEC §5)."""

import pytest

from tests.support import AUTH, insert


@pytest.fixture
def league(db):
    return insert(db, "league", name="Office")


@pytest.mark.parametrize("path", [
    "/api/leagues/9223372036854775808", "/api/leagues/99999999999999999999999999", "/api/leagues/0", "/api/leagues/-1",
    "/api/leagues/9223372036854775808/standings", "/api/leagues/-5/standings",
])
def test_a_path_id_outside_its_range_is_400(client, path):
    response = client.get(path)
    assert response.status_code == 400 and "league_id" in response.get_json()["details"]


@pytest.mark.parametrize("query, field", [
    ("offset=9223372036854775808", "offset"), ("offset=1000001", "offset"), ("offset=1e3", "offset"),
    ("tournament_id=9223372036854775808", "tournament_id"), ("tournament_id=0", "tournament_id"),
    ("limit=1.5", "limit"), ("limit=" + "9" * 400, "limit"), ("offset= ", "offset"),
])
def test_a_standings_parameter_outside_its_range_is_400(client, league, query, field):
    response = client.get(f"/api/leagues/{league['id']}/standings?{query}")
    assert response.status_code == 400 and field in response.get_json()["details"]


def test_the_largest_values_in_range_are_answered(client, league):
    assert client.get(f"/api/leagues/{league['id']}/standings?offset=1000000&limit=1000").status_code == 200
    assert client.get("/api/leagues/9223372036854775807").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"max_rounds": 1.7}, "max_rounds"), ({"max_rounds": 1.0}, "max_rounds"), ({"max_rounds": "1.7"}, "max_rounds"),
    ({"max_rounds": False}, "max_rounds"), ({"max_rounds": 10**30}, "max_rounds"),
    ({"dry_run": 1.0}, "dry_run"), ({"dry_run": 2}, "dry_run"), ({"dry_run": "yes"}, "dry_run"), ({"dry_run": None}, "dry_run"),
])
def test_a_tick_parameter_of_the_wrong_kind_is_400(client, body, field):
    response = client.post("/internal/tick/matches", headers=AUTH, json=body)
    assert response.status_code == 400 and field in response.get_json()["details"]


def test_a_deeply_nested_body_is_400(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/internal/tick/scores", headers={**AUTH, "Content-Type": "application/json"}, data=body)
    assert response.status_code == 400 and "body" in response.get_json()["details"]


@pytest.mark.parametrize("body", [{"dry_run": 1}, {"dry_run": 0}, {"dry_run": "TRUE"}, {"max_rounds": "3", "dry_run": True}])
def test_the_accepted_forms_still_run(client, body):
    assert client.post("/internal/tick/matches", headers=AUTH, json=body).status_code == 200
