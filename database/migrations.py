"""Numbered plain-SQL migrations from `sql/`, applied in order under an advisory lock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
# Arbitrary constant shared by every process that migrates this database.
MIGRATION_LOCK_KEY = 7_201_604_117

CREATE_MIGRATION_TABLE = """
create table if not exists schema_migration (
    version    text primary key,
    applied_at timestamptz not null default now()
)
"""
APPLIED_VERSIONS = "select version from schema_migration"
RECORD_VERSION = "insert into schema_migration (version) values (%(version)s)"
MIGRATION_TABLE_EXISTS = "select to_regclass('schema_migration') is not null as present"


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def available_migrations(sql_dir: Path = SQL_DIR) -> list[Migration]:
    """Migration files named NNN_description.sql, in version order."""
    files = sorted(p for p in sql_dir.glob("[0-9][0-9][0-9]_*.sql"))
    return [Migration(version=p.stem, path=p) for p in files]


def apply_migrations(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply what is pending (on a dict-row connection), each file in its own transaction; return the versions applied.

    A session-level advisory lock serialises concurrent migrators, so a second process
    waits, then finds everything applied.
    """
    applied_now: list[str] = []
    conn.execute("select pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    try:
        conn.execute(CREATE_MIGRATION_TABLE)
        done = {row["version"] for row in conn.execute(APPLIED_VERSIONS)}
        for migration in available_migrations(sql_dir):
            if migration.version in done:
                continue
            with conn.transaction():
                conn.execute(migration.sql())
                conn.execute(RECORD_VERSION, {"version": migration.version})
            applied_now.append(migration.version)
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    return applied_now


def pending_migrations(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Versions not yet applied (all of them on an empty database)."""
    done: set[str] = set()
    if conn.execute(MIGRATION_TABLE_EXISTS).fetchone()["present"]:
        done = {row["version"] for row in conn.execute(APPLIED_VERSIONS)}
    return [m.version for m in available_migrations(sql_dir) if m.version not in done]
