"""Numbered plain-SQL migrations from `sql/`, applied in order under an advisory lock.

Migrations are immutable once applied: each applied file's checksum is recorded, and a
database whose applied migration differs from its file (edited after it shipped) is refused
by `migrate` and by `/readyz`, naming the file. Change the schema with a new file instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import psycopg
import psycopg.errors

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
# Arbitrary constant shared by every process that migrates this database.
MIGRATION_LOCK_KEY = 7_201_604_117

CREATE_MIGRATION_TABLE = """
create table if not exists schema_migration (
    version    text primary key,
    applied_at timestamptz not null default now()
)
"""
# Databases migrated before checksums were recorded gain the column (null until recorded).
ADD_CHECKSUM_COLUMN = "alter table schema_migration add column if not exists checksum text"
APPLIED = "select version, checksum from schema_migration"
RECORD_VERSION = "insert into schema_migration (version, checksum) values (%(version)s, %(checksum)s)"
RECORD_MISSING_CHECKSUM = "update schema_migration set checksum = %(checksum)s where version = %(version)s and checksum is null"
APPLIED_WITHOUT_CHECKSUMS = "select version, null as checksum from schema_migration"


class MigrationMismatch(RuntimeError):
    """An applied migration differs from its file, or its file is gone."""

    def __init__(self, versions: list[str]):
        super().__init__("applied migrations differ from their files: " + ", ".join(versions)
                         + " (migrations are immutable: restore the file and add a new one)")
        self.versions = versions


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path
    checksum: str

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class MigrationState:
    pending: list[str]
    mismatched: list[str]


@lru_cache(maxsize=4)
def available_migrations(sql_dir: Path = SQL_DIR) -> tuple[Migration, ...]:
    """Migration files named NNN_description.sql, in version order (read once per process)."""
    files = sorted(sql_dir.glob("[0-9][0-9][0-9]_*.sql"))
    return tuple(Migration(version=p.stem, path=p, checksum=hashlib.sha256(p.read_bytes()).hexdigest()) for p in files)


def _compare(applied: dict[str, str | None], migrations: tuple[Migration, ...]) -> MigrationState:
    files = {m.version: m.checksum for m in migrations}
    mismatched = sorted(v for v, checksum in applied.items()
                        if v not in files or (checksum is not None and checksum != files[v]))
    return MigrationState(pending=[m.version for m in migrations if m.version not in applied], mismatched=mismatched)


def apply_migrations(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply what is pending (on a dict-row connection), each file in its own transaction; return the versions applied.

    A session-level advisory lock serialises concurrent migrators, so a second process
    waits, then finds everything applied. Raises MigrationMismatch before applying anything
    if an applied migration differs from its file.
    """
    migrations = available_migrations(sql_dir)
    applied_now: list[str] = []
    conn.execute("set lock_timeout = 0")  # waiting for another migrator, or for a busy table, is expected here
    conn.execute("set statement_timeout = 0")
    conn.execute("select pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    try:
        conn.execute(CREATE_MIGRATION_TABLE)
        conn.execute(ADD_CHECKSUM_COLUMN)
        applied = {row["version"]: row["checksum"] for row in conn.execute(APPLIED)}
        state = _compare(applied, migrations)
        if state.mismatched:
            raise MigrationMismatch(state.mismatched)
        for migration in migrations:
            if migration.version in applied:
                conn.execute(RECORD_MISSING_CHECKSUM, {"version": migration.version, "checksum": migration.checksum})
                continue
            with conn.transaction():
                conn.execute(migration.sql())
                conn.execute(RECORD_VERSION, {"version": migration.version, "checksum": migration.checksum})
            applied_now.append(migration.version)
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        conn.execute("reset lock_timeout")
        conn.execute("reset statement_timeout")
    return applied_now


def migration_state(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> MigrationState:
    """What `migrate` would do here (on an autocommit connection): versions not yet applied,
    and applied ones that differ from their file. One round trip on a migrated database."""
    try:
        rows = conn.execute(APPLIED).fetchall()
    except psycopg.errors.UndefinedTable:  # never migrated
        rows = []
    except psycopg.errors.UndefinedColumn:  # migrated before checksums were recorded
        rows = conn.execute(APPLIED_WITHOUT_CHECKSUMS).fetchall()
    return _compare({row["version"]: row["checksum"] for row in rows}, available_migrations(sql_dir))
