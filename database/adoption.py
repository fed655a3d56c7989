"""Adopting the app's existing database (SPEC §4.1), online: the app keeps reading and writing.

1. **Schema**, one transaction: each contract table is locked in turn under a short lock timeout
   (retried, then a failure naming the table), then the pipeline's columns (metadata only),
   its tables (`sql/adopt/`), its functions and triggers (the repeatable files) and the
   bookkeeping are created, and the versioned migrations up to the baseline are recorded as
   applied. From its commit on, the triggers keep everything right for the app's writes.
2. **Indexes** on the contract's tables, built concurrently, one at a time.
3. **Constraints** added `not valid` in step 1 are validated (without blocking writers).
4. **Rounds** of every tournament from its matches, a tournament a transaction.
5. **Tallies** from every ended match, one (tournament, range of users) per transaction; a
   rebuild holds its tournament's tally lock (an advisory lock) alone, a trigger's delta shares
   it, so a prediction written beside the back-fill is counted exactly once (03_tallies.sql).
6. **Pages** of every league, in batches.

Steps 2-6 are recorded in `schema_adoption` as they finish: a `migrate` that was stopped
resumes where it left off. Every league tournament starts `outdata`, so the scores ticks
compute standings from all the results already there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import psycopg.errors

from database.contract import PIPELINE_COLUMNS, PIPELINE_TABLES, index_builds
from database.pool import DictConnection, one_row
from repositories import standings_maintenance as maintenance_repo

ADOPT_DIR_NAME = "adopt"
# The versioned migration whose schema sql/adopt/ reproduces: later ones apply on top as usual.
BASELINE = "011"
# Each table's lock is waited for this long at most, so the app's statements queued behind the
# schema step wait about a second in all (eight tables), however long another transaction holds one.
LOCK_TIMEOUT_SECONDS = 0.1
LOCK_ATTEMPTS = 20
LEAGUES_PER_PAGE_BATCH = 500
STEPS = ("indexes", "constraints", "rounds", "tallies", "pages")
# The schema step locks the contract's tables referencing ones first, the order in which the
# app's own writes lock them (a write, then its foreign keys' checks): waiting for a table the
# app holds never leaves it waiting for one this step holds.
LOCK_ORDER = (
    "prediction",
    "participant_score",
    "league_participant",
    "match",
    "league_tournament",
    "tournament",
    "league",
    "app_user",
)

# Bookkeeping of every migrated database (empty unless it was adopted).
CREATE_ADOPTION_TABLE = """
create table if not exists schema_adoption (
    step    text primary key,
    done_at timestamptz
)
"""
RECORD_STEPS = "insert into schema_adoption (step) values " + ", ".join(f"('{step}')" for step in STEPS)
UNFINISHED_STEPS = "select step from schema_adoption where done_at is null"
FINISH_STEP = "update schema_adoption set done_at = now() where step = %(step)s"
INVALID_INDEX = """
select 1 from pg_index i join pg_class c on c.oid = i.indexrelid
 where c.relname = %(name)s and c.relnamespace = 'public'::regnamespace and not i.indisvalid
"""
TOURNAMENTS = "select id from tournament order by id"
ENDED_TOURNAMENTS = "select distinct tournament_id from match where status = 'ended' order by 1"
LEAGUE_BATCH = "select array(select id from league where id > %(after)s order by id limit %(size)s) as ids"
REFRESH_PAGES = "select refresh_league_pages(%(ids)s)"
COUNTS = """
select (select count(*) from league_tournament) as league_tournaments,
       (select count(*) from match where status = 'ended') as ended,
       (select count(*) from league) as leagues
"""
VALIDATE = "alter table league_tournament validate constraint league_tournament_participants_scores_status_check"


class LockUnavailable(RuntimeError):
    """A table stayed locked by others through every attempt: nothing was changed."""

    def __init__(self, table: str, attempts: int):
        super().__init__(
            f"could not lock table {table} in {attempts} attempts (waiting {LOCK_TIMEOUT_SECONDS:g} s each time): "
            "a long transaction holds it (see pg_locks and pg_stat_activity); nothing was changed, run migrate again"
        )
        self.table = table


@dataclass(frozen=True)
class Statement:
    text: str
    table: str | None = None  # the table a lock wait of this statement is on, to name in a failure


def adopt_dir(sql_dir: Path) -> Path:
    return sql_dir / ADOPT_DIR_NAME


def table_locks() -> list[Statement]:
    """Each contract table locked in turn, a wait named: what follows in the transaction waits for nothing."""
    return [Statement(f"lock table {table} in access exclusive mode", table) for table in LOCK_ORDER]


def schema_statements(sql_dir: Path, repeatables: list[str]) -> list[Statement]:
    """Step 1: the contract tables locked, then the pipeline's columns, tables, functions and triggers."""
    locks = table_locks()
    ddl = [(adopt_dir(sql_dir) / name).read_text(encoding="utf-8") for name in ("1_columns.sql", "2_tables.sql")]
    return [*locks, Statement(CREATE_ADOPTION_TABLE), *map(Statement, ddl + repeatables), Statement(RECORD_STEPS)]


def run_locked(
    conn: DictConnection,
    statements: list[Statement],
    *,
    sleep: Callable[[float], None],
    then: Callable[[], None] = lambda: None,
) -> None:
    """Run the statements (and `then`) in one transaction whose lock waits are short; retry a
    lock wait after a pause, and give up naming the table waited for, having changed nothing."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        current: Statement | None = None
        try:
            with conn.transaction():
                conn.execute(f"set local lock_timeout = '{int(LOCK_TIMEOUT_SECONDS * 1000)}ms'")
                for current in statements:
                    conn.execute(current.text)
                current = None  # what follows runs with every table it needs already locked
                then()
            return
        except psycopg.errors.LockNotAvailable:
            if attempt == LOCK_ATTEMPTS:
                table = current.table if current and current.table else "one of the pipeline's own"
                raise LockUnavailable(table, attempt) from None
            sleep(min(attempt * 0.5, 5.0))  # the app's own transactions finish meanwhile


def unfinished_steps(conn: DictConnection) -> list[str]:
    """Adoption steps not done yet; none on a database that was never adopted."""
    try:
        rows = conn.execute(UNFINISHED_STEPS).fetchall()
    except psycopg.errors.UndefinedTable:
        return []
    return [step for step in STEPS if step in {row["step"] for row in rows}]


def _build_indexes(conn: DictConnection, sql_dir: Path) -> None:
    for name, statement in index_builds(sql_dir):
        if conn.execute(INVALID_INDEX, {"name": name}).fetchone():  # left by a build that was stopped
            conn.execute(f"drop index concurrently {name}")
        conn.execute(statement)


def _build_rounds(conn: DictConnection) -> None:
    """Each tournament's rounds from its matches, a tournament a transaction."""
    for tournament in [row["id"] for row in conn.execute(TOURNAMENTS)]:
        maintenance_repo.refresh_rounds(conn, tournament_id=tournament)


def _build_tallies(conn: DictConnection) -> None:
    """Each tournament's tallies as `scores rebuild` builds them: a range of users a transaction,
    each range that changed them marking the tournament again, so a tick that calculated from
    a half-built tally does it over."""
    batches = maintenance_repo.user_batches(conn)
    for tournament in [row["tournament_id"] for row in conn.execute(ENDED_TOURNAMENTS)]:
        maintenance_repo.rebuild_tournament(conn, tournament_id=tournament, batches=batches)


def _render_pages(conn: DictConnection) -> None:
    after = 0
    while ids := one_row(conn.execute(LEAGUE_BATCH, {"after": after, "size": LEAGUES_PER_PAGE_BATCH}))["ids"]:
        conn.execute(REFRESH_PAGES, {"ids": ids})
        after = ids[-1]


def finish_steps(conn: DictConnection, sql_dir: Path) -> list[str]:
    """Steps 2-6, those not yet done, each recorded as it finishes (on an autocommit connection)."""
    actions: dict[str, Callable[[], object]] = {
        "indexes": lambda: _build_indexes(conn, sql_dir),
        "constraints": lambda: conn.execute(VALIDATE),
        "rounds": lambda: _build_rounds(conn),
        "tallies": lambda: _build_tallies(conn),
        "pages": lambda: _render_pages(conn),
    }
    done = []
    for step in unfinished_steps(conn):
        actions[step]()
        conn.execute(FINISH_STEP, {"step": step})
        done.append(f"adopt: {step}")
    return done


def describe(conn: DictConnection, sql_dir: Path) -> list[str]:
    """What adopting this database would do, in words an operator reads before a deploy."""
    counts = one_row(conn.execute(COUNTS))
    columns = ", ".join(f"{table}.{column}" for table, names in PIPELINE_COLUMNS.items() for column in names)
    indexes = ", ".join(name for name, _ in index_builds(sql_dir))
    return [
        f"add columns (metadata only, no rewrite): {columns}",
        f"create tables: {', '.join(PIPELINE_TABLES)}",
        "install the pipeline's functions and triggers (sql/functions/)",
        f"build indexes concurrently: {indexes}",
        f"mark all {counts['league_tournaments']} league tournaments outdata",
        "build every tournament's rounds from its matches, a tournament at a time",
        f"build prediction tallies (the season's and each round's) from {counts['ended']} ended matches, in batches",
        f"render the pages of {counts['leagues']} leagues, in batches",
        f"record versioned migrations up to {BASELINE} as applied",
    ]
