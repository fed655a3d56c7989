"""The unit tier runs without a database: its apps point at a closed port, so a test that
reached the database would fail, and none of them waits for a server to start."""

import pytest

from config import Settings

NO_DATABASE = "postgresql://127.0.0.1:1/none?connect_timeout=1"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        database_url=NO_DATABASE, internal_api_tokens=("test-token", "previous-token"), db_pool_timeout_seconds=1.0
    )


@pytest.fixture
def app(make_app, settings):
    return make_app(settings)
