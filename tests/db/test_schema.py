"""The database as the files describe it: sql/schema.sql is what a migration from empty (or from
before the repeatable files) leaves, a changed repeatable file is re-applied alone, and
docs/database.md lists exactly the triggers the database has."""

from __future__ import annotations

import re
import shutil

import psycopg
from psycopg.rows import dict_row

from database.migrations import SQL_DIR, apply_migrations, available_migrations, migration_state
from database.schema_snapshot import SNAPSHOT_PATH, snapshot, snapshot_of_fresh_migration
from tests.support import ROOT

DATABASE_MAP = ROOT / "docs" / "database.md"
TRIGGERS = """
select c.relname as table_name, t.tgname as trigger_name
  from pg_trigger t join pg_class c on c.oid = t.tgrelid
 where c.relnamespace = 'public'::regnamespace and not t.tgisinternal
"""


def test_a_migration_from_empty_leaves_exactly_the_committed_schema(server_url):
    """Fails when a migration or a repeatable file changes the schema without `make schema`."""
    assert snapshot_of_fresh_migration(server_url) == SNAPSHOT_PATH.read_text(encoding="utf-8")


def test_a_database_migrated_before_the_repeatable_files_ends_with_the_same_schema(make_database, tmp_path):
    before = tmp_path / "sql"
    before.mkdir()
    for migration in available_migrations():
        if migration.name < "010":
            shutil.copy(migration.path, before / migration.path.name)
    url = make_database()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        apply_migrations(conn, sql_dir=before)
        applied = apply_migrations(conn)
        assert applied[0].startswith("010") and applied[-1].startswith("functions/")
        assert snapshot(conn) == SNAPSHOT_PATH.read_text(encoding="utf-8")


def test_a_changed_repeatable_file_is_re_applied_alone(make_database, tmp_path):
    shipped, edited = tmp_path / "shipped", tmp_path / "edited"
    shutil.copytree(SQL_DIR, shipped, ignore=shutil.ignore_patterns("schema.sql"))
    shutil.copytree(shipped, edited)
    rules = edited / "functions" / "01_rules.sql"
    rules.write_text(rules.read_text().replace("else 'up-to-date' end", "else 'all-good' end"))
    url = make_database()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        apply_migrations(conn, sql_dir=shipped)
        assert migration_state(conn, sql_dir=edited).pending == ["functions/01_rules.sql"]
        assert apply_migrations(conn, sql_dir=edited) == ["functions/01_rules.sql"]
        assert conn.execute("select league_status('{}') as s").fetchone()["s"] == "all-good"
        assert apply_migrations(conn, sql_dir=edited) == []


def documented_triggers() -> set[tuple[str, str]]:
    """The (table, trigger) pairs of docs/database.md's trigger table."""
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \|", DATABASE_MAP.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return set(rows)


def test_the_database_map_lists_every_trigger_and_no_other(db):
    """Fails when a trigger is added, renamed or dropped without docs/database.md."""
    actual = {(row["table_name"], row["trigger_name"]) for row in db.execute(TRIGGERS)}
    assert documented_triggers() == actual


def test_trigger_names_follow_table_event_effect(db):
    events = r"(insert|update|delete|insert_or_update|insert_or_delete)"
    for row in db.execute(TRIGGERS):
        assert re.fullmatch(rf"{row['table_name']}_{events}_[a-z_]+", row["trigger_name"]), row
