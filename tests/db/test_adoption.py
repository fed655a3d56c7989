"""`migrate` on the app's existing database (SPEC §4.1): it adopts a legacy database full of
results, leaves every app row and object as it was, ends with the same pipeline schema as a
fresh database, refuses what it cannot honour, and stays correct beside the app's writes."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from datetime import UTC

import psycopg
import pytest
from psycopg.rows import dict_row

from bootstrap import services_of
from database.adoption import LockUnavailable
from database.migrations import MigrationConflicts, apply_migrations, check_migrations
from database.schema_snapshot import pipeline_snapshot
from repositories import standings_maintenance
from repositories import standings_reference as reference
from tests.legacy import app_columns, app_fingerprint, app_objects, build_legacy_database
from tests.sofascore import event, final_score, round_path
from tests.support import ROOT, assert_standings_match_reference, wait_until_blocked


@pytest.fixture
def legacy_url(make_database) -> str:
    url = make_database()
    with psycopg.connect(url, autocommit=True) as conn:
        build_legacy_database(conn)
    return url


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, row_factory=dict_row, **kwargs)


# EURO 2024's rounds in kick-off order (their SofaScore numbers: tests/legacy.py), with their matches.
EURO_ROUNDS = {"r1": 12, "r2": 12, "r3": 12, "r5": 8, "r27": 4, "r28": 2, "r29": 1}


def assert_rounds_stored(client, conn, current: dict[int, str]) -> None:
    """Every league tournament's rounds (SPEC §5, §7.8) from the adopted season: the rounds
    endpoint lists them in kick-off order with the current round of `current` {tournament id:
    key}, and the stored standings after each round up to it, and its winners, equal the
    reference's."""
    for lt in conn.execute("select id, league_id, tournament_id from league_tournament order by id").fetchall():
        response = client.get(f"/api/leagues/{lt['league_id']}/rounds?tournament_id={lt['tournament_id']}")
        assert response.status_code == 200
        body = response.get_json()
        assert body["participants_scores_status"] == "up-to-date"
        assert {r["key"]: r["matches"] for r in body["rounds"]} == EURO_ROUNDS
        assert [r["key"] for r in body["rounds"]] == list(EURO_ROUNDS)
        assert body["current_round"] == current[lt["tournament_id"]]
        played = list(EURO_ROUNDS)[: list(EURO_ROUNDS).index(current[lt["tournament_id"]]) + 1]
        expected = reference.league_tournament_rounds(conn, league_tournament_id=lt["id"])
        stored = reference.stored_league_tournament_rounds(conn, league_tournament_id=lt["id"])
        assert sorted(stored["standings"]) == sorted(played), "the standings after every round played, stored"
        assert stored["standings"] == expected["standings"] and stored["winners"] == expected["winners"]
        participants = conn.execute(
            "select count(*) as n from league_participant where league_id = %s", (lt["league_id"],)
        ).fetchone()["n"]
        assert all(len(rows) == participants for rows in stored["standings"].values())
        assert [(r["top_points"], [w["user_id"] for w in r["winners"]]) for r in body["rounds"][: len(played)]] == [
            (top, winners) for top, winners in (expected["winners"][key] for key in played)
        ]
        assert any(r["winners"] for r in body["rounds"]), "past results count in the rounds too"


def migrate_cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "migrate", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_says_adopt_and_what_migrate_would_do_changing_nothing(legacy_url):
    with psycopg.connect(legacy_url, autocommit=True) as conn:
        before = app_objects(conn), app_fingerprint(conn, app_columns(conn))
    result = migrate_cli(legacy_url, "--check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("adopt")
    assert "mark all 3 league tournaments outdata" in result.stdout and "prediction_match_idx" in result.stdout
    with psycopg.connect(legacy_url, autocommit=True) as conn:
        assert (app_objects(conn), app_fingerprint(conn, app_columns(conn))) == before


def test_adoption_keeps_the_app_as_it_was_and_scores_every_past_result(
    legacy_url, make_database, make_app, settings, standin
):
    with psycopg.connect(legacy_url, autocommit=True) as conn:
        columns = app_columns(conn)
        rows, objects = app_fingerprint(conn, columns), app_objects(conn)
    result = migrate_cli(legacy_url)
    assert result.returncode == 0, result.stderr
    assert "adopt: schema" in result.stdout and "adopt: tallies" in result.stdout

    with connect(legacy_url) as conn:
        assert app_fingerprint(conn, columns) == rows, "every app row, over the app's columns, is unchanged"
        assert objects <= app_objects(conn), "every app constraint, index and trigger is still there, unchanged"
        statuses = {r["participants_scores_status"] for r in conn.execute("select * from league_tournament")}
        assert statuses == {"outdata"}
        assert check_migrations(conn).case == "up to date"
        fresh_url = make_database()
        with connect(fresh_url) as fresh:
            apply_migrations(fresh)
            assert pipeline_snapshot(conn) == pipeline_snapshot(fresh)

    app = make_app(dataclasses.replace(settings, database_url=legacy_url, sofascore_base_url=standin.base_url))
    summary = services_of(app).run_scores_tick()
    assert summary["league_tournaments_updated"] == 3 and summary["league_tournaments_failed"] == 0
    with connect(legacy_url) as conn:
        assert_standings_match_reference(conn)
        leader = conn.execute(
            "select points from participant_score where league_tournament_id = 1 and rank = 1 limit 1"
        ).fetchone()
        assert leader["points"] > 0, "past results count"
    assert services_of(app).verify() == []
    with connect(legacy_url) as conn:
        assert_rounds_stored(app.test_client(), conn, {1: "r29", 2: "r29"})

    # The matches tick works on the adopted database: the final, reopened by the app, is fetched again.
    with connect(legacy_url) as conn:
        final = conn.execute(
            "update match set status = 'open', home_score = null, away_score = null, home_score_regular = null,"
            " away_score_regular = null where tournament_id = 1 and round_number = 29 returning *"
        ).fetchone()
    services_of(app).run_scores_tick()  # the final open again: the semi-finals are the current round
    assert services_of(app).verify() == []
    with connect(legacy_url) as conn:
        assert_rounds_stored(app.test_client(), conn, {1: "r28", 2: "r29"})
    kickoff = final["start_time"].replace(tzinfo=UTC)  # a `timestamp` kick-off is UTC
    standin.round(
        round_path(1, 56953, 29),
        [
            event(
                final["sofascore_event_id"],
                100,
                start=kickoff,
                home=final_score(2),
                away=final_score(1),
                round_number=29,
            )
        ],
    )
    ticked = services_of(app).run_matches_tick()
    assert (ticked["rounds_processed"], ticked["matches_ended"]) == (1, 1)
    services_of(app).run_scores_tick()
    assert services_of(app).verify() == []
    with connect(legacy_url) as conn:
        assert_rounds_stored(app.test_client(), conn, {1: "r29", 2: "r29"})


def test_a_second_migrate_finds_nothing_to_do_and_two_at_once_adopt_once(legacy_url):
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "migrate"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": legacy_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = sorted(p.communicate(timeout=120)[0] for p in processes)
    assert [p.returncode for p in processes] == [0, 0]
    assert outputs[0].startswith("applied: adopt: schema") and outputs[1].strip() == "nothing to apply"
    assert migrate_cli(legacy_url).stdout.strip() == "nothing to apply"


CONFLICTS = {
    "a status outside the contract": (
        "update match set status = 'finished' where id <= 3",
        "match.status: values outside the contract's",
        3,
    ),
    "a scoring_result outside the contract": (
        "update tournament set scoring_result = 'golden_goal' where id = 2",
        "tournament.scoring_result",
        1,
    ),
    "a missing column": ("alter table match drop column round_prefix", "match.round_prefix: missing column", None),
    "a missing table": ("drop table participant_score", "participant_score: missing table", None),
    "an incompatible type": (
        "alter table match alter column home_score type text",
        "match.home_score: type text",
        None,
    ),
    "a null where the contract needs a value": (
        "alter table app_user alter column name drop not null; update app_user set name = null where id <= 2",
        "app_user.name: null where the contract needs a value",
        2,
    ),
    "negative scores": (
        "alter table prediction drop constraint prediction_home_score_check;"
        " update prediction set home_score = -1 where user_id = 1",
        "prediction.home_score: negative scores",
        None,
    ),
    "a missing unique key": (
        "alter table match drop constraint match_sofascore_event_id_key",
        "match.sofascore_event_id: no unique",
        None,
    ),
    "a deferrable unique key (ON CONFLICT cannot use it)": (
        "alter table match drop constraint match_sofascore_event_id_key;"
        " alter table match add unique (sofascore_event_id) deferrable",
        "match.sofascore_event_id: no unique",
        None,
    ),
    "not null where the pipeline writes nulls": (
        "update match set round_slug = 'group'; alter table match alter column round_slug set not null",
        "match.round_slug: not null, but the pipeline writes nulls here",
        None,
    ),
    "an app column the pipeline's inserts cannot fill": (
        "alter table match add column referee text not null default 'n/a';"
        " alter table match alter column referee drop default",
        "match.referee: the app's column is not null without a default",
        None,
    ),
    "an app function of a pipeline function's name": (
        "create function league_status(text[]) returns text language sql as $$ select 'mine' $$",
        "function league_status already exists",
        None,
    ),
    "a pipeline column already there": (
        "alter table match add column last_checked_at text",
        "match.last_checked_at: already exists",
        None,
    ),
}


@pytest.mark.parametrize("change, expected, rows", CONFLICTS.values(), ids=CONFLICTS.keys())
def test_each_conflict_is_named_and_migrate_changes_nothing(legacy_url, change, expected, rows):
    with psycopg.connect(legacy_url, autocommit=True) as conn:
        conn.execute(change)
        columns = app_columns(conn)
        before = app_objects(conn), app_fingerprint(conn, columns)
    check = migrate_cli(legacy_url, "--check")
    assert check.returncode == 1 and check.stdout.startswith("conflicts")
    [line] = [line for line in check.stdout.splitlines() if expected in line]
    if rows is not None:
        assert line.endswith(f"({rows} rows)")
    refused = migrate_cli(legacy_url)
    assert refused.returncode == 1 and expected in refused.stderr
    with psycopg.connect(legacy_url, autocommit=True) as conn:
        assert (app_objects(conn), app_fingerprint(conn, columns)) == before
        assert app_columns(conn) == columns, "no table or column was added"


def test_a_table_locked_by_the_app_fails_naming_it_and_leaves_nothing(legacy_url):
    with connect(legacy_url) as conn:
        columns = app_columns(conn)
    holder = psycopg.connect(legacy_url)
    holder.execute("lock table prediction in row exclusive mode")  # an app transaction writing predictions
    try:
        with connect(legacy_url) as conn, pytest.raises(LockUnavailable, match="prediction"):
            apply_migrations(conn, sleep=lambda seconds: None)
    finally:
        holder.rollback()
        holder.close()
    with connect(legacy_url) as conn:
        assert app_columns(conn) == columns, "nothing was created, not even the bookkeeping tables"
        assert check_migrations(conn).case == "adopt"


def test_conflicts_raise_before_any_change(legacy_url):
    with connect(legacy_url) as conn:
        conn.execute("update match set status = 'finished' where id = 1")
        with pytest.raises(MigrationConflicts, match="finished|outside"):
            apply_migrations(conn)


TALLIES = "select tournament_id, user_id, exact_count, goal_difference_count, outcome_count from prediction_tally"
FROM_SCRATCH = """
select tournament_id, user_id, count(*) filter (where tier = 3)::int as exact_count,
       count(*) filter (where tier = 2)::int as goal_difference_count, count(*) filter (where tier = 1)::int as outcome
  from (select m.tournament_id, p.user_id,
               scored_tier(t.scoring_result, p.home_score, p.away_score, m.home_score, m.away_score,
                           m.home_score_regular, m.away_score_regular) as tier
          from prediction p join match m on m.id = p.match_id and m.status = 'ended'
          join tournament t on t.id = m.tournament_id) as tiers
 group by 1, 2 having count(*) filter (where tier > 0) > 0
"""


def tallies(conn, tournament_id: int = 1) -> set[tuple]:
    """The tournament's stored tallies that count something, as tuples."""
    rows = conn.execute(TALLIES + " where exact_count + goal_difference_count + outcome_count > 0").fetchall()
    return {tuple(row.values()) for row in rows if row["tournament_id"] == tournament_id}


def tallies_from_scratch(conn, tournament_id: int = 1) -> set[tuple]:
    return {
        tuple(row.values()) for row in conn.execute(FROM_SCRATCH).fetchall() if row["tournament_id"] == tournament_id
    }


@pytest.fixture
def adopted(legacy_url) -> str:
    with connect(legacy_url) as conn:
        apply_migrations(conn)
    return legacy_url


def test_a_prediction_written_while_its_tournament_is_rebuilt_counts_once(adopted):
    """The back-fill's race, in both orders, from tallies not built yet: the app's delta first,
    then the rebuild; and the rebuild first, then the app's delta (each waits for the other)."""
    writer, rebuilder = connect(adopted), connect(adopted)
    with connect(adopted) as db:
        match = db.execute(
            "select id from match where tournament_id = 1 and home_score = 5 and away_score = 1"
        ).fetchone()["id"]
        db.execute("delete from prediction where match_id = %s and user_id in (1, 2)", (match,))
        db.execute("truncate prediction_tally")  # as at the start of an adoption's back-fill
        before = tallies_from_scratch(db)
    try:
        # 1. The app's insert holds its delta uncommitted; the rebuild waits for it, then counts it once.
        writer.execute("begin")
        writer.execute(
            "insert into prediction (user_id, match_id, home_score, away_score) values (1, %s, 5, 1)", (match,)
        )
        rebuild = threading.Thread(target=lambda: rebuilder.execute("select rebuild_tallies(1, 0, 1000)"))
        rebuild.start()
        with connect(adopted) as db:
            wait_until_blocked(db)
        writer.execute("commit")
        rebuild.join(10)
        with connect(adopted) as db:
            assert tallies(db) == tallies_from_scratch(db) != before, "the app's prediction counted once"
        # 2. The rebuild holds the tournament uncommitted; the app's insert waits, then adds its delta.
        rebuilder.execute("begin")
        rebuilder.execute("select rebuild_tallies(1, 0, 1000)")
        insert = threading.Thread(
            target=lambda: writer.execute(
                "insert into prediction (user_id, match_id, home_score, away_score) values (2, %s, 4, 0)", (match,)
            )
        )
        insert.start()
        with connect(adopted) as db:
            wait_until_blocked(db)
        rebuilder.execute("commit")
        insert.join(10)
        with connect(adopted) as db:
            assert tallies(db) == tallies_from_scratch(db)
    finally:
        writer.close()
        rebuilder.close()


def test_a_page_rendered_in_the_apps_session_is_written_in_utc(adopted):
    """The app's sessions run in any TimeZone: a page its write renders is the same as ours."""
    with connect(adopted, options="-c timezone=Asia/Tokyo") as app_session:
        app_session.execute(
            "update league_tournament set participants_scores_status = 'up-to-date',"
            " participants_scores_updated_at = '2026-03-01T18:05:00+00:00' where id = 1"
        )
        body = app_session.execute("select body from league_page where league_id = 1").fetchone()["body"]
    assert '"participants_scores_updated_at" : "2026-03-01T18:05:00+00:00"' in body
    with connect(adopted) as conn:
        assert standings_maintenance.differing_league_pages(conn, league_id=None) == []


def test_removing_the_pipeline_leaves_the_app_as_it_was_before_adoption(legacy_url):
    with psycopg.connect(legacy_url, autocommit=True) as conn:
        columns = app_columns(conn)
        before = app_objects(conn), app_fingerprint(conn, columns)
    assert migrate_cli(legacy_url).returncode == 0
    refused = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "remove-pipeline"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": legacy_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "--yes" in refused.stderr
    removed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "remove-pipeline", "--yes"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": legacy_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert removed.returncode == 0, removed.stderr
    with psycopg.connect(legacy_url, autocommit=True) as conn:
        assert app_columns(conn) == columns, "the pipeline's tables and columns are gone, the app's are all there"
        assert (app_objects(conn), app_fingerprint(conn, columns)) == before
        routines = conn.execute("select proname from pg_proc where pronamespace = 'public'::regnamespace").fetchall()
        assert routines == [("app_audit_prediction",)], "only the app's own function is left"
    assert migrate_cli(legacy_url, "--check").stdout.startswith("adopt"), "and it can be adopted again"


def test_a_prediction_made_as_its_match_ends_counts_once(adopted):
    """The app predicts a match while the matches tick ends it, in both orders: whichever writes
    first, the other waits for its commit and counts the prediction (never neither side)."""
    app, tick = connect(adopted), connect(adopted)
    with connect(adopted) as db:
        db.execute("truncate prediction_tally")
        db.execute("select rebuild_tournament_tallies(1)")
        first, second = (
            row["id"]
            for row in db.execute(
                "update match set status = 'open', home_score = null, away_score = null, home_score_regular = null,"
                " away_score_regular = null where tournament_id = 1 and round_number = 29"
                " or id = (select min(id) from match where tournament_id = 1) returning id"
            ).fetchall()
        )
        db.execute("delete from prediction where match_id in (%s, %s) and user_id = 1", (first, second))
    end = (
        "update match set status = 'ended', home_score = 2, away_score = 1, home_score_regular = 2,"
        " away_score_regular = 1 where id = %s"
    )
    predict = "insert into prediction (user_id, match_id, home_score, away_score) values (1, %s, 2, 1)"
    try:
        # 1. The app's prediction first: the tick's write waits for it, then tallies it.
        app.execute("begin")
        app.execute(predict, (first,))
        writer = threading.Thread(target=lambda: tick.execute(end, (first,)))
        writer.start()
        with connect(adopted) as db:
            wait_until_blocked(db)
        app.execute("commit")
        writer.join(10)
        # 2. The tick's result first: the app's prediction waits for it, then tallies itself.
        tick.execute("begin")
        tick.execute(end, (second,))
        writer = threading.Thread(target=lambda: app.execute(predict, (second,)))
        writer.start()
        with connect(adopted) as db:
            wait_until_blocked(db)
        tick.execute("commit")
        writer.join(10)
        with connect(adopted) as db:
            assert tallies(db) == tallies_from_scratch(db)
    finally:
        app.close()
        tick.close()


def test_an_app_transaction_in_repeatable_read_fails_rather_than_miscount(adopted):
    """A snapshot taken before the predictions lock cannot see the result it waited for: the
    app's write fails with a serialization error (it retries), and nothing is counted wrongly."""
    app, tick = connect(adopted), connect(adopted)
    with connect(adopted) as db:
        match = db.execute(
            "update match set status = 'open', home_score = null, away_score = null, home_score_regular = null,"
            " away_score_regular = null where id = (select min(id) from match where tournament_id = 1) returning id"
        ).fetchone()["id"]
        db.execute("delete from prediction where match_id = %s and user_id = 1", (match,))
    try:
        tick.execute("begin")
        tick.execute(
            "update match set status = 'ended', home_score = 2, away_score = 1, home_score_regular = 2,"
            " away_score_regular = 1 where id = %s",
            (match,),
        )
        app.execute("begin isolation level repeatable read")
        app.execute("select count(*) from prediction")  # the app's snapshot is taken
        failed: list[Exception] = []

        def predict() -> None:
            try:
                app.execute("insert into prediction values (1, %s, 2, 1)", (match,))
            except psycopg.errors.SerializationFailure as exc:
                failed.append(exc)

        writer = threading.Thread(target=predict)
        writer.start()
        with connect(adopted) as db:
            wait_until_blocked(db)
        tick.execute("commit")
        writer.join(10)
        app.execute("rollback")
        assert len(failed) == 1
        with connect(adopted) as db:
            assert tallies(db) == tallies_from_scratch(db)
    finally:
        app.close()
        tick.close()
