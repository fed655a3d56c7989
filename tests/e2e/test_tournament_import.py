"""import-tournament against the demo's local stand-in server and its bundled payloads."""

import dataclasses
import json

import pytest

from demo.standin import StandInServer


@pytest.fixture
def standin():
    with StandInServer(phase="fixtures") as server:
        yield server


@pytest.fixture
def runner(make_app, settings, standin, db):
    return make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url)).test_cli_runner()


def import_season(runner, utid, season, *extra):
    result = runner.invoke(
        args=["import-tournament", "--unique-tournament", str(utid), "--season", str(season), *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_import_creates_the_season_once_and_a_second_run_changes_nothing(runner, db):
    first = import_season(runner, 900, 2526)
    assert first["tournament_created"] is True
    assert (first["rounds"], first["matches_created"], first["matches_updated"]) == (2, 8, 0)
    tournament = db.execute("select * from tournament").fetchone()
    assert (tournament["name"], tournament["sofascore_unique_tournament_id"], tournament["sofascore_season_id"]) == (
        "Demo Premier 25/26",
        900,
        2526,
    )
    snapshot = db.execute("select * from match order by id").fetchall()
    assert {m["round_number"] for m in snapshot} == {1, 2} and {m["status"] for m in snapshot} == {"open"}

    second = import_season(runner, 900, 2526)
    assert second["tournament_created"] is False and second["tournament_id"] == first["tournament_id"]
    assert (second["matches_created"], second["matches_updated"], second["matches_unchanged"]) == (0, 0, 8)
    assert db.execute("select * from match order by id").fetchall() == snapshot
    assert db.execute("select count(*) as n from tournament").fetchone()["n"] == 1


def test_knockout_rounds_keep_their_slug_for_the_ticks(runner, db):
    summary = import_season(runner, 901, 2526, "--name", "Cup")
    assert summary["matches_created"] == 2
    rows = db.execute("select round_number, round_slug, round_prefix from match").fetchall()
    assert rows == [{"round_number": 27, "round_slug": "quarterfinals", "round_prefix": None}] * 2
    assert db.execute("select name from tournament").fetchone()["name"] == "Cup"


def test_a_provider_failure_writes_nothing_and_exits_1(runner, db):
    result = runner.invoke(args=["import-tournament", "--unique-tournament", "999", "--season", "1"])
    assert result.exit_code == 1
    assert "HTTP 404" in result.output
    assert db.execute("select count(*) as n from tournament").fetchone()["n"] == 0


def test_kick_off_changes_are_followed_on_reimport(runner, db, standin):
    import_season(runner, 900, 2526)
    standin.phase = "results"  # match 9006 was postponed by a week
    summary = import_season(runner, 900, 2526)
    assert summary["matches_updated"] == 1
    moved = db.execute("select start_time, status from match where sofascore_event_id = 9006").fetchone()
    assert moved["start_time"].day == 21 and moved["status"] == "open", "the import leaves statuses to the ticks"
