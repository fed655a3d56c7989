"""Taking the pipeline out of the app's database again: its triggers, functions, tables, indexes
and columns go, in one transaction under the adoption's short lock waits; the app's tables,
rows, constraints, indexes and triggers stay (participant_score keeps the last standings the
scores tick wrote, the app's own table)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from psycopg import sql

from database.adoption import Statement, run_locked, table_locks
from database.contract import PIPELINE_COLUMNS, PIPELINE_TABLES, pipeline_objects
from database.pool import DictConnection

BOOKKEEPING_TABLES = ("schema_migration", "schema_repeatable", "schema_adoption")


def removal_statements(sql_dir: Path) -> list[Statement]:
    """Every statement of the removal, the locks first (a wait is named, as in adoption)."""
    objects = pipeline_objects(sql_dir)
    statements = table_locks()
    # A routine's triggers go with it (cascade); none of the app's objects depends on them.
    statements += [
        Statement(sql.SQL("drop routine if exists {} cascade").format(sql.Identifier(name)).as_string())
        for name in objects.routines
    ]
    statements += [
        Statement(sql.SQL("drop table if exists {} cascade").format(sql.Identifier(name)).as_string())
        for name in (*PIPELINE_TABLES, *BOOKKEEPING_TABLES)
    ]
    statements += [
        Statement(sql.SQL("drop index if exists {}").format(sql.Identifier(name)).as_string())
        for name in objects.indexes
    ]
    statements += [
        Statement(
            sql.SQL("alter table {} drop column if exists {}")
            .format(sql.Identifier(table), sql.Identifier(column))
            .as_string()
        )
        for table, columns in PIPELINE_COLUMNS.items()
        for column in columns
    ]
    return statements


def remove_pipeline(conn: DictConnection, sql_dir: Path, *, sleep: Callable[[float], None]) -> None:
    """Remove everything the pipeline added (on an autocommit connection), or nothing."""
    run_locked(conn, removal_statements(sql_dir), sleep=sleep)
