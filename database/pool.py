"""The process-wide connection pool: autocommit connections, explicit transactions."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

# Errors that mean "the database cannot be reached right now" (mapped to HTTP 503).
DATABASE_UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)


def open_pool(conninfo: str, *, max_size: int, timeout: float) -> ConnectionPool:
    """Open a pool whose connections are checked on checkout, so a restarted database heals."""
    return ConnectionPool(
        conninfo,
        min_size=1,
        max_size=max_size,
        timeout=timeout,
        kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": max(1, int(timeout))},
        check=ConnectionPool.check_connection,
        open=True,
        name="app",
    )
