"""Migrations from `sql/`: versioned files, applied once in order, then repeatable files.

- Versioned (`sql/NNN_description.sql`): tables, columns, indexes, data. Immutable once
  shipped: each applied file's checksum is recorded, and a database whose applied migration
  differs from its file is refused by `migrate` and by `/readyz`, naming the file.
- Repeatable (`sql/functions/NN_concern.sql`): functions and triggers, written to be run again
  (`create or replace`). Each is applied, in file order, whenever its checksum differs from
  the one recorded, so a change to a function is an edit of its one file.

Everything pending is applied in one transaction under an advisory lock: concurrent migrators
take turns, and the app never sees a table whose triggers are half replaced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import psycopg
import psycopg.errors

from database.pool import DictConnection

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
REPEATABLE_DIR_NAME = "functions"
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
CREATE_REPEATABLE_TABLE = """
create table if not exists schema_repeatable (
    name       text primary key,
    checksum   text not null,
    applied_at timestamptz not null default now()
)
"""
APPLIED = "select version, checksum from schema_migration"
APPLIED_WITHOUT_CHECKSUMS = "select version, null as checksum from schema_migration"
APPLIED_REPEATABLES = "select name, checksum from schema_repeatable"
RECORD_VERSION = "insert into schema_migration (version, checksum) values (%(version)s, %(checksum)s)"
RECORD_MISSING_CHECKSUM = """
update schema_migration set checksum = %(checksum)s where version = %(version)s and checksum is null
"""
RECORD_REPEATABLE = """
insert into schema_repeatable (name, checksum) values (%(name)s, %(checksum)s)
on conflict (name) do update set checksum = excluded.checksum, applied_at = now()
"""


class MigrationMismatch(RuntimeError):
    """An applied migration differs from its file, or its file is gone."""

    def __init__(self, versions: list[str]):
        super().__init__(
            "applied migrations differ from their files: "
            + ", ".join(versions)
            + " (migrations are immutable: restore the file and add a new one)"
        )
        self.versions = versions


@dataclass(frozen=True)
class SqlFile:
    """A versioned migration (name `NNN_description`) or a repeatable file (`functions/NN_concern.sql`)."""

    name: str
    path: Path
    checksum: str

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class MigrationState:
    """What `migrate` would apply (versions, then repeatable files) and what it refuses."""

    pending: list[str]
    mismatched: list[str]


def _sql_file(name: str, path: Path) -> SqlFile:
    return SqlFile(name=name, path=path, checksum=hashlib.sha256(path.read_bytes()).hexdigest())


@lru_cache(maxsize=4)
def available_migrations(sql_dir: Path = SQL_DIR) -> tuple[SqlFile, ...]:
    """Versioned files named NNN_description.sql, in version order (read once per process)."""
    return tuple(_sql_file(p.stem, p) for p in sorted(sql_dir.glob("[0-9][0-9][0-9]_*.sql")))


@lru_cache(maxsize=4)
def available_repeatables(sql_dir: Path = SQL_DIR) -> tuple[SqlFile, ...]:
    """Repeatable files of sql/functions/, in name order (read once per process)."""
    directory = sql_dir / REPEATABLE_DIR_NAME
    return tuple(_sql_file(f"{REPEATABLE_DIR_NAME}/{p.name}", p) for p in sorted(directory.glob("*.sql")))


@dataclass(frozen=True)
class _Plan:
    versions: list[SqlFile]
    repeatables: list[SqlFile]
    mismatched: list[str]

    def names(self) -> list[str]:
        return [f.name for f in self.versions + self.repeatables]


def _plan(applied: dict[str, str | None], repeatables_applied: dict[str, str], sql_dir: Path) -> _Plan:
    migrations = available_migrations(sql_dir)
    files = {m.name: m.checksum for m in migrations}
    mismatched = sorted(
        v for v, checksum in applied.items() if v not in files or (checksum is not None and checksum != files[v])
    )
    return _Plan(
        versions=[m for m in migrations if m.name not in applied],
        repeatables=[r for r in available_repeatables(sql_dir) if repeatables_applied.get(r.name) != r.checksum],
        mismatched=mismatched,
    )


def apply_migrations(conn: DictConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply what is pending (on a dict-row autocommit connection); return the names applied.

    A session-level advisory lock serialises concurrent migrators, so a second process
    waits, then finds everything applied. Raises MigrationMismatch before applying anything
    if an applied migration differs from its file.
    """
    conn.execute("set lock_timeout = 0")  # waiting for another migrator, or for a busy table, is expected here
    conn.execute("set statement_timeout = 0")
    conn.execute("select pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    try:
        conn.execute(CREATE_MIGRATION_TABLE)
        conn.execute(ADD_CHECKSUM_COLUMN)
        conn.execute(CREATE_REPEATABLE_TABLE)
        applied = {row["version"]: row["checksum"] for row in conn.execute(APPLIED)}
        plan = _plan(applied, {row["name"]: row["checksum"] for row in conn.execute(APPLIED_REPEATABLES)}, sql_dir)
        if plan.mismatched:
            raise MigrationMismatch(plan.mismatched)
        for migration in available_migrations(sql_dir):
            if migration.name in applied:
                conn.execute(RECORD_MISSING_CHECKSUM, {"version": migration.name, "checksum": migration.checksum})
        with conn.transaction():
            for migration in plan.versions:
                conn.execute(migration.sql())
                conn.execute(RECORD_VERSION, {"version": migration.name, "checksum": migration.checksum})
            for repeatable in plan.repeatables:
                conn.execute(repeatable.sql())
                conn.execute(RECORD_REPEATABLE, {"name": repeatable.name, "checksum": repeatable.checksum})
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        conn.execute("reset lock_timeout")
        conn.execute("reset statement_timeout")
    return plan.names()


# One round trip on a migrated database (/readyz runs it on every probe).
APPLIED_ALL = """
select 'version' as kind, version as name, checksum from schema_migration
union all
select 'repeatable', name, checksum from schema_repeatable
"""


def _recorded(conn: DictConnection) -> tuple[dict[str, str | None], dict[str, str]]:
    """Applied versions and repeatable files with their checksums, on an autocommit connection:
    one round trip on a migrated database, and tolerant of older ones (see _recorded_slowly)."""
    try:
        rows = conn.execute(APPLIED_ALL).fetchall()
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
        return _recorded_slowly(conn)
    return (
        {r["name"]: r["checksum"] for r in rows if r["kind"] == "version"},
        {r["name"]: r["checksum"] for r in rows if r["kind"] == "repeatable"},
    )


def _recorded_slowly(conn: DictConnection) -> tuple[dict[str, str | None], dict[str, str]]:
    """A database never migrated, migrated before checksums, or before repeatable files."""
    try:
        versions = conn.execute(APPLIED).fetchall()
    except psycopg.errors.UndefinedTable:
        return {}, {}
    except psycopg.errors.UndefinedColumn:
        versions = conn.execute(APPLIED_WITHOUT_CHECKSUMS).fetchall()
    try:
        repeatables = conn.execute(APPLIED_REPEATABLES).fetchall()
    except psycopg.errors.UndefinedTable:
        repeatables = []
    return {r["version"]: r["checksum"] for r in versions}, {r["name"]: r["checksum"] for r in repeatables}


def migration_state(conn: DictConnection, sql_dir: Path = SQL_DIR) -> MigrationState:
    """What `migrate` would do here (on an autocommit dict-row connection): names not yet
    applied or changed since, and applied versions that differ from their file."""
    plan = _plan(*_recorded(conn), sql_dir)
    return MigrationState(pending=plan.names(), mismatched=plan.mismatched)
