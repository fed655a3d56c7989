import dataclasses

import pytest


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic test-token"}, {"Authorization": "Bearer "}],
)
def test_internal_paths_reject_missing_or_wrong_tokens(client, headers):
    for method, path in [("get", "/internal/anything"), ("post", "/internal/tick/matches"), ("get", "/internal/runs")]:
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["error"] == "missing or invalid bearer token"


@pytest.mark.parametrize("token", ["test-token", "previous-token"])
def test_any_configured_token_passes(client, token):
    response = client.get("/internal/anything", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.get_json()["error"]


def test_internal_api_is_disabled_without_tokens(make_app, settings):
    client = make_app(dataclasses.replace(settings, internal_api_tokens=())).test_client()
    response = client.get("/internal/anything", headers={"Authorization": "Bearer test-token"})
    assert response.status_code == 503
    assert "INTERNAL_API_TOKEN" in response.get_json()["error"]
