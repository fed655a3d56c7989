def test_the_openapi_document_covers_every_endpoint(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/internal/tick/matches", "/internal/tick/scores", "/internal/runs",
                                 "/api/leagues/{league_id}", "/api/leagues/{league_id}/standings",
                                 "/internal/status", "/healthz", "/readyz", "/openapi.json"}
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
        "$ref": "#/components/schemas/Status"}
