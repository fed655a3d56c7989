import dataclasses
import os
import subprocess
import sys

import psycopg
import pytest
from psycopg.rows import dict_row

from database.migrations import (
    MigrationMismatch,
    apply_migrations,
    available_migrations,
    available_repeatables,
    migration_state,
)
from tests.support import ROOT, insert


def schema_fingerprint(conn) -> list:
    return conn.execute(
        """
        select table_name, column_name, data_type, is_nullable, column_default
        from information_schema.columns where table_schema = 'public'
        order by table_name, column_name
        """
    ).fetchall()


def test_running_twice_applies_nothing_the_second_time(make_database):
    url = make_database()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        first = apply_migrations(conn)
        shape = schema_fingerprint(conn)
        second = apply_migrations(conn)
        assert first == [m.name for m in available_migrations() + available_repeatables()]
        assert second == []
        assert schema_fingerprint(conn) == shape
        assert migration_state(conn).pending == [] and migration_state(conn).mismatched == []


def test_two_processes_migrating_at_once_leave_one_schema(make_database):
    url = make_database()
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-m", "flask", "--app", "app", "migrate"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    stdout = sorted(out for out, _ in outputs)
    assert stdout[0].startswith("applied:") and stdout[1].strip() == "nothing to apply"
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        versions = conn.execute("select version from schema_migration order by version").fetchall()
        assert [row["version"] for row in versions] == [m.name for m in available_migrations()]


def test_rows_with_only_contract_columns_are_valid(db):
    tournament = insert(
        db, "tournament", name="Premier League 25/26", sofascore_unique_tournament_id=17, sofascore_season_id=61627
    )
    match = insert(
        db,
        "match",
        tournament_id=tournament["id"],
        sofascore_event_id=1001,
        round_number=1,
        home_team="Arsenal",
        away_team="Chelsea",
        start_time="2026-03-01T15:00:00Z",
    )
    league = insert(db, "league", name="Office pool")
    user = insert(db, "app_user", name="Ana")
    insert(db, "league_participant", league_id=league["id"], user_id=user["id"])
    insert(db, "prediction", user_id=user["id"], match_id=match["id"], home_score=2, away_score=1)
    lt = insert(db, "league_tournament", league_id=league["id"], tournament_id=tournament["id"])
    insert(
        db,
        "participant_score",
        league_tournament_id=lt["id"],
        user_id=user["id"],
        points=0,
        exact_count=0,
        goal_difference_count=0,
        outcome_count=0,
        rank=1,
    )
    assert match["status"] == "open" and tournament["scoring_result"] == "regular_time"
    assert (league["points_exact"], league["points_goal_difference"], league["points_outcome"]) == (4, 3, 2)


@pytest.mark.parametrize(
    "statement",
    [
        "update league_tournament set participants_scores_status = 'stale'",
        "update match set status = 'finished'",
        "update tournament set scoring_result = 'golden_goal'",
        "insert into prediction (user_id, match_id, home_score, away_score) "
        "select u.id, m.id, -1, 0 from app_user u, match m",
    ],
)
def test_check_constraints_are_enforced_by_the_database(db, statement):
    tournament = insert(db, "tournament", name="T", sofascore_unique_tournament_id=1, sofascore_season_id=1)
    insert(
        db,
        "match",
        tournament_id=tournament["id"],
        sofascore_event_id=1,
        round_number=1,
        home_team="A",
        away_team="B",
        start_time="2026-03-01T15:00:00Z",
    )
    league = insert(db, "league", name="L")
    insert(db, "app_user", name="U")
    insert(db, "league_tournament", league_id=league["id"], tournament_id=tournament["id"])
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(statement)


def test_the_polling_queries_can_be_served_by_their_indexes(db):
    """With sequential scans priced out, each arm of the polling queries finds its index."""
    from repositories.matches import DUE_ROUNDS, DuePolicy
    from tests.support import START

    db.execute("set enable_seqscan = off")
    plan = "\n".join(
        r["QUERY PLAN"] for r in db.execute("explain " + DUE_ROUNDS, DuePolicy(120, 10, 360).params(START))
    )
    for index in ("match_due_open_idx", "match_due_postponed_idx", "match_due_settle_idx"):
        assert index in plan


def match_scans(db) -> int:
    """Sequential scans of `match` so far, this session's included (its pending counts flushed)."""
    db.execute("select pg_stat_force_next_flush()")
    db.execute("select pg_stat_clear_snapshot()")
    return db.execute("select seq_scan from pg_stat_user_tables where relname = 'match'").fetchone()["seq_scan"]


def test_a_prediction_before_kick_off_finds_its_match_by_index_however_often_it_runs(db):
    """The app's commonest write: its trigger's plans turn generic after five calls, and a generic
    plan must not read the season's matches to learn that an open one has not ended (a season of
    380 ended matches and a round of 20 to come, as in `bench adoption`)."""
    tournament = insert(db, "tournament", name="T", sofascore_unique_tournament_id=1, sofascore_season_id=1)
    db.execute(
        """insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time,
                              status, home_score, away_score, home_score_regular, away_score_regular)
           select %(t)s, i, 1 + (i - 1) / 10, 'H', 'A', timestamptz '2026-01-01' + (i / 10) * interval '1 day',
                  case when i <= 380 then 'ended' else 'open' end,
                  case when i <= 380 then 1 end, case when i <= 380 then 0 end,
                  case when i <= 380 then 1 end, case when i <= 380 then 0 end
             from generate_series(1, 400) i""",
        {"t": tournament["id"]},
    )
    open_match = db.execute("select min(id) as id from match where status = 'open'").fetchone()["id"]
    users = [insert(db, "app_user", name=f"user {i}")["id"] for i in range(12)]
    db.execute("analyze match")
    before = match_scans(db)
    for user in users:  # one autocommit statement each, as the app writes
        db.execute(
            "insert into prediction (user_id, match_id, home_score, away_score) values (%s, %s, 1, 0)",
            (user, open_match),
        )
        db.execute("update prediction set home_score = 2 where user_id = %s and match_id = %s", (user, open_match))
    assert match_scans(db) == before


def migrate_cli(url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_migration_edited_after_it_was_applied_is_refused_by_name(make_app, settings, make_database):
    url = make_database()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        apply_migrations(conn)
        conn.execute("update schema_migration set checksum = 'edited-since' where version = '002_job_queue'")
        with pytest.raises(MigrationMismatch, match="002_job_queue"):
            apply_migrations(conn)
    result = migrate_cli(url)
    assert result.returncode == 1 and "002_job_queue" in result.stderr
    response = make_app(dataclasses.replace(settings, database_url=url)).test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["details"] == {"mismatched": ["002_job_queue"]}


def test_a_database_migrated_before_checksums_gets_them_recorded(make_app, settings, make_database):
    url = make_database()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        apply_migrations(conn)
        conn.execute("alter table schema_migration drop column checksum")
    client = make_app(dataclasses.replace(settings, database_url=url)).test_client()
    assert client.get("/readyz").status_code == 200, "nothing to compare yet: not refused"
    assert migrate_cli(url).stdout.strip() == "nothing to apply"
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        recorded = {r["version"]: r["checksum"] for r in conn.execute("select version, checksum from schema_migration")}
    assert recorded == {m.name: m.checksum for m in available_migrations()}


def test_a_database_that_missed_claim_id_is_repaired_by_a_new_migration(make_database, tmp_path):
    """002 gained claim_id after it had shipped; a database migrated in between gets it from 003."""
    as_first_shipped = tmp_path / "sql"
    as_first_shipped.mkdir()
    for migration in available_migrations()[:2]:
        text = migration.sql()
        if migration.name == "002_job_queue":
            text = "\n".join(line for line in text.splitlines() if "claim_id" not in line)
        (as_first_shipped / migration.path.name).write_text(text)
    url = make_database()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        apply_migrations(conn, sql_dir=as_first_shipped)
        conn.execute("alter table schema_migration drop column checksum")  # applied before checksums existed
        applied = apply_migrations(conn)
        columns = {
            r["column_name"]
            for r in conn.execute("select column_name from information_schema.columns where table_name = 'queue_job'")
        }
    assert applied[0].startswith("003") and "claim_id" in columns
