"""Test helpers shared by several test modules: a fake clock, a recording sleep, seed data."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from jobqueue.base import Job
from jobqueue.postgres import PostgresQueue, job_from_row
from jobqueue.redis import RedisQueue, job_from_hash

ROOT = Path(__file__).resolve().parent.parent  # the project
AUTH = {"Authorization": "Bearer test-token"}
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """A wall clock that only moves when told to (or when the fake sleep sleeps)."""

    def __init__(self, start: datetime = START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


@dataclass
class RecordingSleep:
    """Records every requested wait and advances the fake clock instead of blocking."""

    clock: FakeClock
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)


def insert(conn: psycopg.Connection, table: str, **values) -> dict:
    """Insert one row with just the given columns and return it (test seeding only)."""
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({name})s" for name in values)
    return conn.execute(f"insert into {table} ({columns}) values ({placeholders}) returning *", values).fetchone()


KICKOFF = START - timedelta(hours=3)  # due: past MATCH_RESULT_DELAY_MINUTES at START


def seed_tournament(
    conn: psycopg.Connection, *, utid: int = 17, sid: int = 100, name: str = "Premier League 25/26", **extra
) -> dict:
    return insert(conn, "tournament", name=name, sofascore_unique_tournament_id=utid, sofascore_season_id=sid, **extra)


def seed_match(
    conn: psycopg.Connection,
    tournament: dict,
    event_id: int,
    *,
    round_number: int = 1,
    start: datetime = KICKOFF,
    home: str = "Home",
    away: str = "Away",
    **extra,
) -> dict:
    return insert(
        conn,
        "match",
        tournament_id=tournament["id"],
        sofascore_event_id=event_id,
        round_number=round_number,
        home_team=home,
        away_team=away,
        start_time=start,
        **extra,
    )


def seed_league(
    conn: psycopg.Connection, name: str, tournaments: list[dict], *, up_to_date: bool = True, **points
) -> tuple[dict, list[dict]]:
    """A league following the tournaments; its league tournaments start `up-to-date` unless told."""
    league = insert(conn, "league", name=name, **points)
    rows = [insert(conn, "league_tournament", league_id=league["id"], tournament_id=t["id"]) for t in tournaments]
    if up_to_date:
        conn.execute(
            "update league_tournament set participants_scores_status = 'up-to-date' where league_id = %s",
            (league["id"],),
        )
    return league, rows


def match_row(conn: psycopg.Connection, event_id: int) -> dict:
    return conn.execute("select * from match where sofascore_event_id = %s", (event_id,)).fetchone()


def lt_statuses(conn: psycopg.Connection) -> dict[int, str]:
    rows = conn.execute("select id, participants_scores_status from league_tournament order by id")
    return {row["id"]: row["participants_scores_status"] for row in rows}


def stored_job(queue: PostgresQueue | RedisQueue, job_id: str) -> Job | None:
    """A job in any state, read straight from its backend: what a test checks, never what a tick needs."""
    if isinstance(queue, RedisQueue):
        return job_from_hash(queue.redis.hgetall(f"{queue.prefix}:job:{job_id}"))
    with queue.pool.connection() as conn:
        row = conn.execute("select * from queue_job where id = %s", (int(job_id),)).fetchone()
    return job_from_row(row) if row else None


def takeover_route(clock: FakeClock, services, *, first, then, expiry_seconds: float):
    """A stand-in route for a round: the first request (tick A's) stalls past A's claim expiry
    while a whole tick B takes the round over and writes it; then A gets `first`. B's own
    request gets `then`. Returns the route and the list B's summary is appended to."""
    b_summaries: list[dict] = []

    def route(attempt: int):
        if attempt == 1:
            clock.advance(expiry_seconds + 1)
            b_summaries.append(services.run_matches_tick())
            return first
        return then

    return route, b_summaries


def assert_standings_match_reference(conn: psycopg.Connection) -> None:
    """SPEC §7.7: every up-to-date league tournament's stored rows, and the stored whole-league
    standings of every league whose tournaments are all up to date, equal the reference; every
    league's stored page equals its render from scratch, whatever its statuses."""
    from repositories import standings_maintenance
    from repositories import standings_reference as reference

    assert standings_maintenance.differing_league_pages(conn, league_id=None) == []

    rows = conn.execute("select id, league_id, participants_scores_status as status from league_tournament").fetchall()
    for row in rows:
        if row["status"] == "up-to-date":
            assert reference.stored_league_tournament(
                conn, league_tournament_id=row["id"]
            ) == reference.league_tournament(conn, league_tournament_id=row["id"]), f"league tournament {row['id']}"
    for league_id in {row["league_id"] for row in rows}:
        if all(r["status"] == "up-to-date" for r in rows if r["league_id"] == league_id):
            assert reference.stored_league(conn, league_id=league_id) == reference.league(conn, league_id=league_id), (
                f"league {league_id}"
            )


def ended(db, tournament, event_id, final, regular=None, penalties=None):
    regular = regular or final
    values = dict(
        status="ended",
        home_score=final[0],
        away_score=final[1],
        home_score_regular=regular[0],
        away_score_regular=regular[1],
    )
    if penalties:
        values.update(home_penalties=penalties[0], away_penalties=penalties[1])
    return seed_match(db, tournament, event_id, **values)


def predict(db, user, match, home, away):
    insert(db, "prediction", user_id=user["id"], match_id=match["id"], home_score=home, away_score=away)


def hold_score_writes(database_url):
    """A second connection that blocks every participant_score write until it commits."""
    conn = psycopg.connect(database_url, row_factory=dict_row)
    conn.execute("lock table participant_score in share row exclusive mode")
    return conn


def wait_until_blocked(db, deadline_seconds=20, backends=1):
    """Wait until this many backends wait on a lock (the tick reached its write)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        waiting = db.execute("select count(*) as n from pg_stat_activity where wait_event_type = 'Lock'").fetchone()[
            "n"
        ]
        if waiting >= backends:
            return
        db.execute("select pg_sleep(0.02)")
    raise AssertionError("the tick never reached its write")


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
