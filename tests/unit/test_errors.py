def test_unknown_route_is_json_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.is_json and "error" in response.get_json()


def test_wrong_method_is_json_405(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.is_json and "error" in response.get_json()


def test_an_unexpected_error_is_json_500_and_reaches_sentry(app, sentry_events):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken", view_func=broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal server error"}
    [event] = sentry_events.errors()
    assert event["exception"]["values"][-1]["value"] == "boom"
