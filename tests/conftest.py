"""Fixtures in the Flask tutorial's style, against a real PostgreSQL.

The server is embedded (pgserver) unless TEST_DATABASE_URL names one. One migrated
database serves the session; every test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from app import create_app, init_sentry
from bootstrap import services_of
from config import Settings
from database.migrations import apply_migrations
from tests.support import FakeClock, RecordingSleep, ended, insert, predict, seed_league, seed_match, seed_tournament

# The flask, gunicorn and demo processes the tests start run in the project's directory: a
# developer's .env must not reach them, so each sees only what its test sets.
os.environ["FLASK_SKIP_DOTENV"] = "1"

TRUNCATE_ALL = """
select string_agg(format('%I.%I', schemaname, tablename), ', ') as tables
from pg_tables
where schemaname = 'public' and tablename not in ('schema_migration', 'schema_repeatable')
"""


def _with_database(url: str, name: str) -> str:
    return psycopg.conninfo.make_conninfo(url, dbname=name)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> str:
    """A PostgreSQL server's URL (its maintenance database)."""
    if os.environ.get("TEST_DATABASE_URL"):
        return os.environ["TEST_DATABASE_URL"]
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete")
    return server.get_uri()


@pytest.fixture(scope="session")
def make_database(server_url):
    """Factory for empty throw-away databases on the test server, dropped at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"pipeline_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        created.append(name)
        return _with_database(server_url, name)

    yield make
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in created:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def database_url(make_database) -> str:
    """The session's migrated database."""
    url = make_database()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        apply_migrations(conn)
    return url


@pytest.fixture
def db(database_url):
    """An autocommit connection to a database whose tables are empty when the test starts."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        tables = conn.execute(TRUNCATE_ALL).fetchone()["tables"]
        conn.execute(f"truncate {tables} restart identity cascade")
        yield conn


# A Redis database of the tests' own: flushed before and after each test that uses it.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis. Where none answers the Redis cases are skipped, unless REQUIRE_REDIS is
    set (CI sets it): then they fail, so a green CI always ran them."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but Redis does not answer at {TEST_REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {TEST_REDIS_URL}")
    return TEST_REDIS_URL


@pytest.fixture
def clean_redis(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(params=["postgres", "redis"])
def queue_url(request) -> str | None:
    """Run the test on each queue backend: None is the PostgreSQL queue, else QUEUE_URL."""
    if request.param == "postgres":
        return None
    request.getfixturevalue("clean_redis")
    return request.getfixturevalue("redis_url")


@pytest.fixture(scope="session")
def make_httpserver():
    """pytest-httpserver's server, threaded: overlapping ticks (and a tick started from inside
    a handler) are served at once, as SofaScore would serve them."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def standin(httpserver):
    """A local server speaking SofaScore's JSON, counting every request (tests/sofascore.py)."""
    from tests.sofascore import StandIn

    return StandIn(httpserver)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleep(clock) -> RecordingSleep:
    return RecordingSleep(clock)


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(
        database_url=database_url,
        internal_api_tokens=("test-token", "previous-token"),
        db_pool_timeout_seconds=2.0,
    )


@pytest.fixture
def make_app(clock, sleep):
    """Build apps with given settings; every app's connections are closed after the test."""
    apps = []

    def make(settings: Settings, **overrides):
        config = {"TESTING": True, "SETTINGS": settings, "CLOCK": clock, "SLEEP": sleep, **overrides}
        application = create_app(config)
        apps.append(application)
        return application

    yield make
    for application in apps:
        services_of(application).close()


@pytest.fixture
def app(make_app, settings, db):
    return make_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class CapturingTransport:
    """A Sentry transport that keeps envelopes in memory (no network)."""

    def __init__(self):
        self.envelopes = []

    def __call__(self, *args, **kwargs):
        return self

    def items(self):
        return [item for envelope in self.envelopes for item in envelope.items]

    def errors(self) -> list[dict]:
        return [item.payload.json for item in self.items() if item.type == "event"]

    def check_ins(self) -> list[dict]:
        return [item.payload.json for item in self.items() if item.type == "check_in"]


@pytest.fixture
def sentry_events(make_app, settings):
    """Sentry on, with events captured in memory; switched off again after the test."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    captured = CapturingTransport()

    class _Transport(Transport):
        def capture_envelope(self, envelope):
            captured.envelopes.append(envelope)

    init_sentry(settings, transport=_Transport)
    yield captured
    sentry_sdk.get_client().close()
    sentry_sdk.init()


@pytest.fixture
def world(db):
    """Office follows Liga (regular time) and Cup (after extra time); Custom follows Liga with its own points."""
    liga = seed_tournament(db, utid=1, sid=1, name="Liga")
    cup = seed_tournament(db, utid=2, sid=1, name="Cup", scoring_result="after_extra_time")
    m1 = ended(db, liga, 1, (2, 1))
    m2 = ended(db, liga, 2, (1, 1))
    m3 = ended(db, liga, 3, (0, 2))
    m4 = seed_match(db, liga, 4, status="canceled")
    m5 = seed_match(db, liga, 5)
    c1 = ended(db, cup, 11, (2, 1), regular=(1, 1))  # after extra time
    c2 = ended(db, cup, 12, (3, 3), regular=(2, 2), penalties=(4, 2))  # after penalties
    users = {name: insert(db, "app_user", name=name) for name in ("Ana", "Ben", "Cid", "Dee", "Eve", "Zed")}
    office, (office_liga, office_cup) = seed_league(db, "Office", [liga, cup], up_to_date=False)
    custom, (custom_liga,) = seed_league(
        db, "Custom", [liga], up_to_date=False, points_exact=10, points_goal_difference=5, points_outcome=1
    )
    for name in ("Ana", "Ben", "Cid", "Dee", "Eve"):
        insert(db, "league_participant", league_id=office["id"], user_id=users[name]["id"])
    for name in ("Ana", "Ben"):
        insert(db, "league_participant", league_id=custom["id"], user_id=users[name]["id"])
    ana, ben, cid, dee, zed = (users[n] for n in ("Ana", "Ben", "Cid", "Dee", "Zed"))
    # Ana: exact, draw-as-another-draw (outcome), goal difference, canceled, open.
    for match, score in (
        (m1, (2, 1)),
        (m2, (0, 0)),
        (m3, (1, 3)),
        (m4, (1, 0)),
        (m5, (2, 0)),
        (c1, (2, 1)),
        (c2, (3, 3)),
    ):
        predict(db, ana, match, *score)
    # Ben: goal difference, exact, wrong; cup: 1-1 is wrong after extra time, 2-2 a draw as another draw.
    for match, score in ((m1, (3, 2)), (m2, (1, 1)), (m3, (2, 0)), (c1, (1, 1)), (c2, (2, 2))):
        predict(db, ben, match, *score)
    # Cid: goal difference, outcome (draw), outcome (away win, wrong difference); cup: goal difference.
    for match, score in ((m1, (1, 0)), (m2, (2, 2)), (m3, (0, 1)), (c1, (3, 2))):
        predict(db, cid, match, *score)
    # Dee: goal difference and exact: the same points and exact count as Ben.
    for match, score in ((m1, (5, 4)), (m3, (0, 2))):
        predict(db, dee, match, *score)
    predict(db, zed, m1, 2, 1)  # predicted, never joined
    return dict(
        users=users,
        office=office,
        custom=custom,
        office_liga=office_liga,
        office_cup=office_cup,
        custom_liga=custom_liga,
        liga=liga,
        cup=cup,
        m1=m1,
    )
