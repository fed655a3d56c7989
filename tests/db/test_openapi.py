"""The OpenAPI document: every endpoint, generated from the schemas, and each operation's
statuses exactly those the endpoint answers."""

import dataclasses

from bootstrap import services_of
from tests.support import AUTH, insert, seed_league, seed_tournament


def test_the_openapi_document_covers_every_endpoint(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {
        "/internal/tick/matches",
        "/internal/tick/scores",
        "/internal/runs",
        "/api/leagues/{league_id}",
        "/api/leagues/{league_id}/standings",
        "/api/leagues/{league_id}/rounds",
        "/api/leagues/{league_id}/participants/{user_id}/predictions",
        "/internal/status",
        "/healthz",
        "/readyz",
        "/openapi.json",
    }
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            assert (operation.get("security") == [{"bearerAuth": []}]) == path.startswith("/internal/")


def test_the_document_is_generated_from_the_schemas(client):
    doc = client.get("/openapi.json").get_json()
    standings = doc["components"]["schemas"]["Standings"]["properties"]
    assert set(standings) == {"league_id", "tournament_id", "participants_scores_status", "total", "standings"}
    matches = doc["paths"]["/internal/tick/matches"]["post"]
    query = {p["name"]: p for p in matches["parameters"] if p["in"] == "query"}
    assert query["max_rounds"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
    summary = doc["components"]["schemas"]["MatchesTickSummary"]["properties"]
    assert "rounds_deferred" in summary and "league_tournaments_marked_outdata" in summary


def test_the_round_fields_and_parameters_are_documented(client):
    doc = client.get("/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    standing = schemas["Standing"]
    assert standing["properties"]["round_points"]["type"] == "integer"
    assert standing["properties"]["previous_rank"]["type"] == "integer"
    assert standing["properties"]["previous_rank"]["nullable"] is True
    assert {"round_points", "previous_rank"} <= set(standing["required"])

    def parameters(path: str) -> dict[tuple[str, str], dict]:
        return {(p["in"], p["name"]): p for p in doc["paths"][path]["get"]["parameters"]}

    standings = parameters("/api/leagues/{league_id}/standings")
    assert standings[("query", "round")]["schema"] == {"type": "string", "minLength": 1, "maxLength": 200}
    assert not standings[("query", "round")]["required"] and not standings[("query", "tournament_id")]["required"]
    rounds = parameters("/api/leagues/{league_id}/rounds")
    assert set(rounds) == {("path", "league_id"), ("query", "tournament_id"), ("header", "If-None-Match")}
    assert rounds[("query", "tournament_id")]["required"]
    predictions = parameters("/api/leagues/{league_id}/participants/{user_id}/predictions")
    assert set(predictions) == {
        ("path", "league_id"),
        ("path", "user_id"),
        ("query", "tournament_id"),
        ("query", "round"),
        ("header", "If-None-Match"),
    }
    assert predictions[("path", "user_id")]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert predictions[("query", "tournament_id")]["required"] and not predictions[("query", "round")]["required"]
    for path, schema in (
        ("/api/leagues/{league_id}/rounds", "Rounds"),
        ("/api/leagues/{league_id}/participants/{user_id}/predictions", "ParticipantPredictions"),
    ):
        ok = doc["paths"][path]["get"]["responses"]["200"]
        assert ok["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{schema}"}
        assert set(ok["headers"]) == {"ETag", "Cache-Control"}
    assert set(schemas["Rounds"]["properties"]) == {
        "league_id",
        "tournament_id",
        "participants_scores_status",
        "current_round",
        "rounds",
    }
    assert schemas["Rounds"]["properties"]["current_round"]["nullable"] is True
    assert {"key", "first_kickoff", "matches_ended", "top_points", "winners"} <= set(schemas["Round"]["properties"])
    entry = schemas["PredictionEntry"]["properties"]
    assert {"match_id", "round", "result", "prediction", "tier", "points"} <= set(entry)
    assert entry["tier"]["nullable"] is True and entry["result"]["anyOf"][1]["nullable"] is True


def test_the_status_endpoint_is_documented_with_its_five_parts(client):
    doc = client.get("/openapi.json").get_json()
    status = doc["components"]["schemas"]["Status"]["properties"]
    assert {"healthy", "problems", "matches", "rounds", "scores", "ticks"} <= set(status)
    assert doc["paths"]["/internal/status"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Status"
    }


def test_each_operation_documents_exactly_the_statuses_it_answers(client, make_app, settings, db):
    liga = seed_tournament(db, utid=1, sid=1, name="Liga")["id"]
    league = seed_league(db, "Office", [{"id": liga}])[0]["id"]
    user = insert(db, "app_user", name="Ana")["id"]
    insert(db, "league_participant", league_id=league, user_id=user)
    api_off = make_app(dataclasses.replace(settings, internal_api_tokens=())).test_client()
    broken = make_app(dataclasses.replace(settings, db_pool_timeout_seconds=1.0))
    services_of(broken).pool.close()
    database_down = broken.test_client()

    def answers(method: str, url: str, *others: str, revalidated: bool = False) -> set[str]:
        """What one operation answers: `url` as it is and with the database down (behind the guard:
        without a token, and with the internal API off too), again with its ETag if `revalidated`,
        and each of `others` (bad parameters, an unknown id)."""

        def status(test_client, target: str, headers: dict[str, str]) -> str:
            return str(test_client.open(target, method=method, headers=headers).status_code)

        auth = AUTH if url.startswith("/internal/") else {}
        statuses = {status(client, url, auth), status(database_down, url, auth)}
        statuses |= {status(client, other, auth) for other in others}
        if url.startswith("/internal/"):
            statuses |= {status(client, url, {}), status(api_off, url, AUTH)}
        if revalidated:
            statuses.add(status(client, url, {"If-None-Match": client.get(url).headers["ETag"]}))
        return statuses

    answered = {
        ("post", "/internal/tick/matches"): answers(
            "POST", "/internal/tick/matches", "/internal/tick/matches?max_rounds=0"
        ),
        ("post", "/internal/tick/scores"): answers(
            "POST", "/internal/tick/scores", "/internal/tick/scores?dry_run=maybe"
        ),
        ("get", "/internal/runs"): answers("GET", "/internal/runs", "/internal/runs?limit=0"),
        ("get", "/internal/status"): answers("GET", "/internal/status"),
        ("get", "/api/leagues/{league_id}"): answers(
            "GET", f"/api/leagues/{league}", "/api/leagues/-211", "/api/leagues/999", revalidated=True
        ),
        ("get", "/api/leagues/{league_id}/standings"): answers(
            "GET",
            f"/api/leagues/{league}/standings",
            f"/api/leagues/{league}/standings?limit=1001",
            "/api/leagues/999/standings",
            revalidated=True,
        ),
        ("get", "/api/leagues/{league_id}/rounds"): answers(
            "GET",
            f"/api/leagues/{league}/rounds?tournament_id={liga}",
            f"/api/leagues/{league}/rounds",
            f"/api/leagues/999/rounds?tournament_id={liga}",
            revalidated=True,
        ),
        ("get", "/api/leagues/{league_id}/participants/{user_id}/predictions"): answers(
            "GET",
            f"/api/leagues/{league}/participants/{user}/predictions?tournament_id={liga}",
            f"/api/leagues/{league}/participants/0/predictions?tournament_id={liga}",
            f"/api/leagues/{league}/participants/999/predictions?tournament_id={liga}",
            revalidated=True,
        ),
        ("get", "/healthz"): answers("GET", "/healthz"),
        ("get", "/readyz"): answers("GET", "/readyz"),
        ("get", "/openapi.json"): answers("GET", "/openapi.json"),
    }
    paths = client.get("/openapi.json").get_json()["paths"]
    documented = {
        (method, path): set(operation["responses"])
        for path, operations in paths.items()
        for method, operation in operations.items()
    }
    assert documented == answered
