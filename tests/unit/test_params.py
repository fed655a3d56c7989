"""Bad request parameters are a 400 with per-field details, never a 500 and never silently
rounded (SPEC §5): every endpoint's parameters are checked before anything else runs, so none
of these requests reaches the database."""

import pytest

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
    ],
)
def test_a_path_id_outside_its_range_is_400(client, path):
    response = client.get(path)
    assert response.status_code == 400 and "league_id" in response.get_json()["details"]


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
