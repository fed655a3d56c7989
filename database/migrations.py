"""Migrations from `sql/`: versioned files, applied once in order, then repeatable files; or,
on the app's existing database, its adoption (database/adoption.py).

- Versioned (`sql/NNN_description.sql`): tables, columns, indexes, data. Immutable once
  shipped: each applied file's checksum is recorded, and a database whose applied migration
  differs from its file is refused by `migrate` and by `/readyz`, naming the file.
- Repeatable (`sql/functions/NN_concern.sql`): functions and triggers, written to be run again
  (`create or replace`). Each is applied, in file order, whenever its checksum differs from
  the one recorded, so a change to a function is an edit of its one file.

Everything pending is applied in one transaction under an advisory lock: concurrent migrators
take turns, and the app never sees a table whose triggers are half replaced. A migrator waits
for the lock by polling, outside any transaction, because a concurrent index build waits for
every transaction older than itself: a waiter blocked inside a statement would deadlock it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import psycopg
import psycopg.errors

from database import adoption
from database.contract import Catalog, find_conflicts, pipeline_objects
from database.pool import DictConnection, one_row

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
REPEATABLE_DIR_NAME = "functions"
# Arbitrary constant shared by every process that migrates this database.
MIGRATION_LOCK_KEY = 7_201_604_117
LOCK_POLL_SECONDS = 0.5
LOCK_WAIT_SECONDS = 3600.0  # another migrate may be building indexes on large tables

# The five cases of `migrate --check` (SPEC §2).
FRESH, ADOPT, UP_TO_DATE, PENDING, CONFLICTS = "fresh", "adopt", "up to date", "pending", "conflicts"

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
BOOKKEEPING = (CREATE_MIGRATION_TABLE, ADD_CHECKSUM_COLUMN, CREATE_REPEATABLE_TABLE, adoption.CREATE_ADOPTION_TABLE)
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


class MigrationConflicts(RuntimeError):
    """The database holds the app's tables but contradicts the contract: nothing was changed."""

    def __init__(self, conflicts: list[str]):
        super().__init__(
            "the database conflicts with the contract (SPEC §4.1); nothing was changed: " + "; ".join(conflicts)
        )
        self.conflicts = conflicts


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


def _acquire_lock(conn: DictConnection, sleep: Callable[[float], None]) -> None:
    """Take the migrators' advisory lock, polling between transactions (see the module's docstring)."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not one_row(conn.execute("select pg_try_advisory_lock(%s) as locked", (MIGRATION_LOCK_KEY,)))["locked"]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"another migrate has held the migration lock for {LOCK_WAIT_SECONDS:g} s")
        sleep(LOCK_POLL_SECONDS)


def _record(conn: DictConnection, versions: list[SqlFile], repeatables: list[SqlFile]) -> None:
    for migration in versions:
        conn.execute(RECORD_VERSION, {"version": migration.name, "checksum": migration.checksum})
    for repeatable in repeatables:
        conn.execute(RECORD_REPEATABLE, {"name": repeatable.name, "checksum": repeatable.checksum})


def _apply_pending(conn: DictConnection, sql_dir: Path, sleep: Callable[[float], None], *, live: bool) -> list[str]:
    """Versioned files not yet applied, then changed repeatable files, in one transaction; on a
    live database (its contract tables in use) that transaction first locks each table as
    adoption does, so the app waits about a second at most, and a busy table is named."""
    recorded = _recorded(conn)
    plan = _plan(recorded.versions, recorded.repeatables, sql_dir)
    if plan.mismatched:
        raise MigrationMismatch(plan.mismatched)
    unrecorded = [
        m for m in available_migrations(sql_dir) if m.name in recorded.versions and not recorded.versions[m.name]
    ]
    if unrecorded:  # applied before checksums were recorded (the column is only added then: no lock otherwise)
        conn.execute(ADD_CHECKSUM_COLUMN)
        for migration in unrecorded:
            conn.execute(RECORD_MISSING_CHECKSUM, {"version": migration.name, "checksum": migration.checksum})
    if not plan.versions and not plan.repeatables:
        return []

    def apply() -> None:
        for statement in BOOKKEEPING:
            conn.execute(statement)
        for sql_file in plan.versions + plan.repeatables:
            conn.execute(sql_file.sql())
        _record(conn, plan.versions, plan.repeatables)

    if live:
        adoption.run_locked(conn, adoption.table_locks(), sleep=sleep, then=apply)
    else:
        with conn.transaction():
            apply()
    return plan.names()


def _adopt(conn: DictConnection, sql_dir: Path, sleep: Callable[[float], None]) -> list[str]:
    """Adoption's schema step (database/adoption.py): the baseline's versions recorded as applied."""
    baseline = [m for m in available_migrations(sql_dir) if m.name[:3] <= adoption.BASELINE]
    repeatables = list(available_repeatables(sql_dir))
    statements = [adoption.Statement(text) for text in BOOKKEEPING[:3]]
    statements += adoption.schema_statements(sql_dir, [r.sql() for r in repeatables])
    adoption.run_locked(conn, statements, sleep=sleep, then=lambda: _record(conn, baseline, repeatables))
    return ["adopt: schema", *_apply_pending(conn, sql_dir, sleep, live=True)]


def apply_migrations(
    conn: DictConnection, sql_dir: Path = SQL_DIR, *, sleep: Callable[[float], None] = time.sleep
) -> list[str]:
    """Do what `migrate` does (on a dict-row autocommit connection); return the names applied.

    Raises MigrationConflicts or MigrationMismatch before changing anything, and
    adoption.LockUnavailable when a table stayed locked by others (nothing changed either).
    """
    conn.execute("set statement_timeout = 0")
    conn.execute("set lock_timeout = 0")  # each step that locks the app's tables bounds its own waits
    _acquire_lock(conn, sleep)
    try:
        check = check_migrations(conn, sql_dir)
        if check.mismatched:
            raise MigrationMismatch(check.mismatched)
        if check.conflicts:
            raise MigrationConflicts(check.conflicts)
        if check.case == ADOPT:
            applied = _adopt(conn, sql_dir, sleep)
        else:
            applied = _apply_pending(conn, sql_dir, sleep, live=check.case != FRESH)
        return applied + adoption.finish_steps(conn, sql_dir)
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        conn.execute("reset lock_timeout")
        conn.execute("reset statement_timeout")


@dataclass(frozen=True)
class MigrationCheck:
    """What `migrate --check` says: the case, what `migrate` would do, and what stops it."""

    case: str
    actions: list[str]
    conflicts: list[str]
    mismatched: list[str]

    @property
    def can_proceed(self) -> bool:
        return not self.conflicts and not self.mismatched


def check_migrations(conn: DictConnection, sql_dir: Path = SQL_DIR) -> MigrationCheck:
    """Which of the five cases this database is, changing nothing (on an autocommit connection)."""
    catalog = Catalog.read(conn)
    if "schema_migration" in catalog.columns:
        state = migration_state(conn, sql_dir)
        if state.mismatched:
            problems = [f"{v}: applied, but its file differs or is gone" for v in state.mismatched]
            return MigrationCheck(CONFLICTS, [], problems, state.mismatched)
        return MigrationCheck(PENDING if state.pending else UP_TO_DATE, [f"apply {n}" for n in state.pending], [], [])
    if not catalog.has_contract_tables():
        names = [m.name for m in available_migrations(sql_dir)] + [r.name for r in available_repeatables(sql_dir)]
        return MigrationCheck(FRESH, [f"create the schema: {', '.join(names)}"], [], [])
    conflicts = [str(conflict) for conflict in find_conflicts(conn, catalog, pipeline_objects(sql_dir))]
    if conflicts:
        return MigrationCheck(CONFLICTS, [], conflicts, [])
    return MigrationCheck(ADOPT, adoption.describe(conn, sql_dir), [], [])


# One round trip on a migrated database (/readyz runs it on every probe).
APPLIED_ALL = """
select 'version' as kind, version as name, checksum from schema_migration
union all
select 'repeatable', name, checksum from schema_repeatable
union all
select 'adoption', 'adopt: ' || step, null from schema_adoption where done_at is null
"""


@dataclass(frozen=True)
class _Recorded:
    versions: dict[str, str | None]
    repeatables: dict[str, str]
    unfinished: list[str]  # adoption steps not yet done


def _recorded(conn: DictConnection) -> _Recorded:
    """What the bookkeeping tables record, on an autocommit connection: one round trip on a
    migrated database, and tolerant of older ones (see _recorded_slowly)."""
    try:
        rows = conn.execute(APPLIED_ALL).fetchall()
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
        return _recorded_slowly(conn)
    return _Recorded(
        {r["name"]: r["checksum"] for r in rows if r["kind"] == "version"},
        {r["name"]: r["checksum"] for r in rows if r["kind"] == "repeatable"},
        [r["name"] for r in rows if r["kind"] == "adoption"],
    )


def _recorded_slowly(conn: DictConnection) -> _Recorded:
    """A database never migrated, migrated before checksums, or before repeatable files."""
    try:
        versions = conn.execute(APPLIED).fetchall()
    except psycopg.errors.UndefinedTable:
        return _Recorded({}, {}, [])
    except psycopg.errors.UndefinedColumn:
        versions = conn.execute(APPLIED_WITHOUT_CHECKSUMS).fetchall()
    try:
        repeatables = conn.execute(APPLIED_REPEATABLES).fetchall()
    except psycopg.errors.UndefinedTable:
        repeatables = []
    return _Recorded(
        {r["version"]: r["checksum"] for r in versions},
        {r["name"]: r["checksum"] for r in repeatables},
        [f"adopt: {step}" for step in adoption.unfinished_steps(conn)],
    )


def migration_state(conn: DictConnection, sql_dir: Path = SQL_DIR) -> MigrationState:
    """What `migrate` would do here (on an autocommit dict-row connection): names not yet
    applied or changed since, and applied versions that differ from their file."""
    recorded = _recorded(conn)
    plan = _plan(recorded.versions, recorded.repeatables, sql_dir)
    return MigrationState(pending=plan.names() + recorded.unfinished, mismatched=plan.mismatched)
