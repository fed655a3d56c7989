import dataclasses
import time

import psycopg
import pytest
from psycopg.rows import dict_row

from database.migrations import apply_migrations


def test_healthz_answers_without_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_is_200_when_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readyz_is_503_while_a_migration_is_pending(make_app, settings, make_database):
    url = make_database()
    client = make_app(dataclasses.replace(settings, database_url=url)).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["error"] == "migrations pending"
    assert response.get_json()["details"]["pending"]
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        apply_migrations(conn)
    assert client.get("/readyz").status_code == 200


@pytest.fixture
def stoppable_server(tmp_path):
    """A private embedded PostgreSQL that the test may stop and start again."""
    pgserver = pytest.importorskip("pgserver")
    server = pgserver.get_server(tmp_path / "pg", cleanup_mode="delete")
    yield server
    server.ensure_postgres_running()


def test_readyz_follows_the_database_down_and_back_up(make_app, settings, stoppable_server):
    import pgserver

    url = stoppable_server.get_uri()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        apply_migrations(conn)
    client = make_app(dataclasses.replace(settings, database_url=url, db_pool_timeout_seconds=1.0)).test_client()
    assert client.get("/readyz").status_code == 200

    pgserver.pg_ctl(
        ["-w", "-m", "immediate", "stop"], pgdata=stoppable_server.pgdata, user=stoppable_server.system_user
    )
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.get_json()["error"] == "database unavailable"
    assert client.get("/healthz").status_code == 200

    stoppable_server.ensure_postgres_running()
    # The pool reconnects on its own, after its reconnect backoff: no restart of the app.
    deadline = time.monotonic() + 30
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the app did not heal after the database came back"
        time.sleep(0.2)  # waiting out the pool's real-time backoff, not synchronising test logic
