"""`flask scores verify` and `flask scores rebuild`: the guards over the incremental standings."""

import json

from bootstrap import services_of
from tests.support import lt_statuses


def test_verify_passes_after_ticks_and_lists_a_row_altered_by_hand(app, runner, db, world):
    services_of(app).run_scores_tick()
    clean = runner.invoke(args=["scores", "verify"])
    assert clean.exit_code == 0 and "0 stored rows differ from the reference" in clean.output

    ana = world["users"]["Ana"]["id"]
    db.execute(
        "update participant_score set points = points + 1 where league_tournament_id = %s and user_id = %s",
        (world["office_liga"]["id"], ana),
    )
    db.execute(
        "update league_standing set rank = 3 where league_id = %s and user_id = %s", (world["custom"]["id"], ana)
    )
    altered = runner.invoke(args=["scores", "verify"])
    assert altered.exit_code == 1
    rows = [json.loads(line) for line in altered.output.splitlines() if line.startswith("{")]
    assert [(r["league_id"], r["league_tournament_id"], r["user_id"]) for r in rows] == [
        (world["office"]["id"], world["office_liga"]["id"], ana),
        (world["custom"]["id"], None, ana),
    ]
    assert rows[0]["stored"]["points"] == rows[0]["expected"]["points"] + 1
    only_custom = runner.invoke(args=["scores", "verify", "--league", str(world["custom"]["id"])])
    assert only_custom.exit_code == 1 and "1 stored row differ" in only_custom.output


def test_rebuild_repairs_tallies_and_marks_what_it_changed(app, runner, db, world):
    services = services_of(app)
    services.run_scores_tick()
    db.execute(
        "update prediction_tally set exact_count = exact_count + 5 where tournament_id = %s and user_id = %s",
        (world["liga"]["id"], world["users"]["Ben"]["id"]),
    )
    db.execute(
        "update league_tournament set participants_scores_status = 'outdata' where id = %s",
        (world["custom_liga"]["id"],),
    )
    services.run_scores_tick()
    assert runner.invoke(args=["scores", "verify"]).exit_code == 1, "a corrupted tally shows in the standings"

    result = runner.invoke(args=["scores", "rebuild", "--tournament", str(world["liga"]["id"])])
    assert result.exit_code == 0
    assert json.loads(result.output) == {
        "tournaments": 1,
        "tallies_changed": 1,
        "league_tournaments_marked_outdata": 2,
        "league_pages_refreshed": 0,
    }
    assert {lt_statuses(db)[world[name]["id"]] for name in ("office_liga", "custom_liga")} == {"outdata"}
    assert lt_statuses(db)[world["office_cup"]["id"]] == "up-to-date", "the cup's tallies did not change"
    services.run_scores_tick()
    assert runner.invoke(args=["scores", "verify"]).exit_code == 0
    assert json.loads(runner.invoke(args=["scores", "rebuild"]).output)["tallies_changed"] == 0


def test_verify_lists_a_league_page_altered_by_hand_and_rebuild_renders_it_again(app, runner, db, world):
    services_of(app).run_scores_tick()
    office = world["office"]["id"]
    db.execute(
        "update league_page set body = replace(body, '\"Office\"', '\"Offices\"') where league_id = %s", (office,)
    )
    altered = runner.invoke(args=["scores", "verify"])
    assert altered.exit_code == 1 and "1 stored row differ" in altered.output
    [row] = [json.loads(line) for line in altered.output.splitlines() if line.startswith("{")]
    assert (row["league_id"], row["league_page"]) == (office, True)
    assert json.loads(row["stored"])["name"] == "Offices" and json.loads(row["expected"])["name"] == "Office"

    rebuilt = runner.invoke(args=["scores", "rebuild"])
    assert json.loads(rebuilt.output)["league_pages_refreshed"] == 1
    assert runner.invoke(args=["scores", "verify"]).exit_code == 0


def _verify_rows(result) -> list[dict]:
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def _altered_by_hand_is_listed_then_repaired(runner, db, services, office_liga, statement, params):
    """After a tick, `statement` alters one stored row of `office_liga`'s rounds: verify exits 1
    naming the round; rebuild marks that league tournament (and no other) outdata; the next tick
    repairs it; verify exits 0. Returns the one difference verify listed."""
    services.run_scores_tick()
    assert runner.invoke(args=["scores", "verify"]).exit_code == 0
    db.execute(statement, params)

    altered = runner.invoke(args=["scores", "verify"])
    assert altered.exit_code == 1 and "1 stored row differ" in altered.output
    [row] = _verify_rows(altered)

    rebuilt = runner.invoke(args=["scores", "rebuild"])
    assert rebuilt.exit_code == 0
    assert json.loads(rebuilt.output) == {
        "tournaments": 2,
        "tallies_changed": 0,
        "league_tournaments_marked_outdata": 1,
        "league_pages_refreshed": 0,
    }
    assert {lt: status for lt, status in lt_statuses(db).items() if status != "up-to-date"} == {office_liga: "outdata"}
    services.run_scores_tick()
    repaired = runner.invoke(args=["scores", "verify"])
    assert repaired.exit_code == 0 and "0 stored rows differ from the reference" in repaired.output
    return row


def test_a_round_standing_altered_by_hand_is_listed_by_round_and_rebuild_repairs_it(app, runner, db, world):
    office_liga, ana = world["office_liga"]["id"], world["users"]["Ana"]["id"]
    [liga_round] = db.execute("select id, key from tournament_round where tournament_id = %s", (world["liga"]["id"],))
    row = _altered_by_hand_is_listed_then_repaired(
        runner,
        db,
        services_of(app),
        office_liga,
        "update round_standing set points = points + 1, round_points = round_points + 1"
        " where league_tournament_id = %s and round_id = %s and user_id = %s",
        (office_liga, liga_round["id"], ana),
    )
    assert (row["league_id"], row["league_tournament_id"], row["round"], row["user_id"]) == (
        world["office"]["id"],
        office_liga,
        liga_round["key"],
        ana,
    )
    assert row["stored"]["points"] == row["expected"]["points"] + 1
    assert row["stored"]["round_points"] == row["expected"]["round_points"] + 1
    assert db.execute(
        "select points, round_points from round_standing where league_tournament_id = %s and round_id = %s"
        " and user_id = %s",
        (office_liga, liga_round["id"], ana),
    ).fetchone() == {"points": row["expected"]["points"], "round_points": row["expected"]["round_points"]}


def test_a_rounds_winners_altered_by_hand_are_listed_by_round_and_rebuild_repairs_them(app, runner, db, world):
    office_liga, ben = world["office_liga"]["id"], world["users"]["Ben"]["id"]
    [liga_round] = db.execute("select id, key from tournament_round where tournament_id = %s", (world["liga"]["id"],))
    row = _altered_by_hand_is_listed_then_repaired(
        runner,
        db,
        services_of(app),
        office_liga,
        "update league_round set winners = array[%s::bigint] where league_tournament_id = %s and round_id = %s",
        (ben, office_liga, liga_round["id"]),
    )
    assert (row["league_id"], row["league_tournament_id"], row["round"], row["winners"]) == (
        world["office"]["id"],
        office_liga,
        liga_round["key"],
        True,
    )
    top, winners = row["expected"]
    assert row["stored"] == [top, [ben]] and winners != [ben] and top > 0
    assert db.execute(
        "select top_points, winners from league_round where league_tournament_id = %s and round_id = %s",
        (office_liga, liga_round["id"]),
    ).fetchone() == {"top_points": top, "winners": winners}
