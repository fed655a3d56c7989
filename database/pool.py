"""The process-wide connection pool: autocommit connections, explicit transactions, and
timeouts on every statement and lock wait."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg.types.datetime import TimestampLoader
from psycopg_pool import ConnectionPool, PoolTimeout

# What the pool lends: connections whose rows are dicts (open_pool's row factory).
DictConnection = psycopg.Connection[DictRow]
Pool = ConnectionPool[DictConnection]

# Errors that mean "the database cannot be reached right now" (mapped to HTTP 503).
DATABASE_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)
# Connection exceptions, and the server shutting down or not yet accepting connections.
_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")

# Defaults for every pooled connection; a tick narrows them per transaction to its budget.
DEFAULT_LOCK_TIMEOUT_MS = 5_000
DEFAULT_STATEMENT_TIMEOUT_MS = 30_000


def connection_lost(exc: BaseException) -> bool:
    """Is this the database being unreachable (ending a tick), rather than one statement
    failing (a lock, deadlock or statement timeout, a rejected value: one item fails)?"""
    if isinstance(exc, (PoolTimeout, psycopg.InterfaceError)):
        return True
    if isinstance(exc, psycopg.OperationalError):
        sqlstate = exc.sqlstate
        return sqlstate is None or sqlstate.startswith(_CONNECTION_SQLSTATES)
    return False


class UtcTimestampLoader(TimestampLoader):
    """`timestamp without time zone` (an adopted app's `match.start_time`) means UTC: loaded
    aware, so it compares and prints like every `timestamptz` the service reads."""

    def load(self, data: psycopg.abc.Buffer) -> datetime:
        return super().load(data).replace(tzinfo=UTC)


def _configure(conn: DictConnection) -> None:
    conn.adapters.register_loader("timestamp", UtcTimestampLoader)


def open_pool(conninfo: str, *, max_size: int, timeout: float) -> Pool:
    """Open a pool whose connections are checked on checkout, so a restarted database heals."""
    # UTC sessions: timestamps the database writes into JSON read like Python's isoformat().
    options = (
        f"-c lock_timeout={DEFAULT_LOCK_TIMEOUT_MS} -c statement_timeout={DEFAULT_STATEMENT_TIMEOUT_MS} -c timezone=UTC"
    )
    return ConnectionPool(
        conninfo,
        min_size=1,
        max_size=max_size,
        timeout=timeout,
        kwargs={
            "autocommit": True,
            "row_factory": dict_row,
            "connect_timeout": max(1, int(timeout)),
            "options": options,
        },
        configure=_configure,
        check=ConnectionPool.check_connection,
        open=True,
        name="app",
    )


@contextmanager
def limited_transaction(
    conn: DictConnection, *, statement_seconds: float, lock_seconds: float
) -> Iterator[DictConnection]:
    """A transaction whose statements and lock waits give up after these times."""
    with conn.transaction():
        conn.execute(
            "select set_config('statement_timeout', %(statement)s, true), set_config('lock_timeout', %(lock)s, true)",
            {
                "statement": f"{max(1, int(statement_seconds * 1000))}ms",
                "lock": f"{max(1, int(lock_seconds * 1000))}ms",
            },
        )
        yield conn


def one_row(cursor: psycopg.Cursor[DictRow]) -> DictRow:
    """The row of a statement that always returns one (an aggregate, an insert's `returning`):
    none is a broken query, not a case for the caller to handle."""
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("expected a row; the statement returned none")
    return row
