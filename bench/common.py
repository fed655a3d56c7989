"""Shared benchmark plumbing: a fresh (migrated) database and a median timer."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from database.migrations import apply_migrations


@contextmanager
def bench_database(*, migrated: bool = True) -> Iterator[str]:
    """A throw-away database, migrated unless `migrated=False` (then empty, for the app's own
    schema to be built and adopted): on BENCH_DATABASE_URL's server, else an embedded one."""
    server_url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="bench-pg-") as data_dir:
        if server_url is None:
            import pgserver

            server_url = pgserver.get_server(Path(data_dir) / "pg", cleanup_mode="delete").get_uri()
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        url = psycopg.conninfo.make_conninfo(server_url, dbname=name)
        try:
            if migrated:
                with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
                    apply_migrations(conn)
            yield url
        finally:
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def median_ms(action: Callable[[], object], *, repeat: int) -> float:
    """Median wall time of `action` over `repeat` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
