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
