"""The OpenAPI document: every endpoint, generated from the schemas, and each operation's
statuses exactly those the endpoint answers."""

import dataclasses

from bootstrap import services_of
from tests.support import AUTH, insert


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


def test_the_status_endpoint_is_documented_with_its_five_parts(client):
    doc = client.get("/openapi.json").get_json()
    status = doc["components"]["schemas"]["Status"]["properties"]
    assert {"healthy", "problems", "matches", "rounds", "scores", "ticks"} <= set(status)
    assert doc["paths"]["/internal/status"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Status"
    }


def test_each_operation_documents_exactly_the_statuses_it_answers(client, make_app, settings, db):
    league = insert(db, "league", name="Office")["id"]
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
