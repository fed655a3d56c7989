"""The scores tick against a hand-worked table (SPEC §7), plus its no-lost-update guarantees."""

import dataclasses
import threading
import time
from datetime import timedelta

import pytest

from bootstrap import services_of
from repositories import scores as scores_repo
from tests.support import AUTH, START, hold_score_writes, lt_statuses, wait_until_blocked


@pytest.fixture
def services(app):
    return services_of(app)


def table(db, league_tournament) -> list[tuple]:
    rows = db.execute(
        """select u.name, ps.points, ps.exact_count, ps.goal_difference_count, ps.outcome_count, ps.rank
             from participant_score ps join app_user u on u.id = ps.user_id
            where ps.league_tournament_id = %s order by ps.rank, u.name""",
        (league_tournament["id"],),
    )
    return [tuple(r.values()) for r in rows]


def test_the_hand_worked_table(services, db, world, client):
    summary = services.run_scores_tick()
    assert summary["league_tournaments_claimed"] == 3 and summary["league_tournaments_updated"] == 3
    assert summary["participants_scored"] == 5 + 5 + 2
    #                 name   points exact gd outcome rank
    assert table(db, world["office_liga"]) == [
        ("Ana", 9, 1, 1, 1, 1),
        ("Ben", 7, 1, 1, 0, 2),
        ("Dee", 7, 1, 1, 0, 2),
        ("Cid", 7, 0, 1, 2, 4),
        ("Eve", 0, 0, 0, 0, 5),
    ]
    assert table(db, world["office_cup"]) == [
        ("Ana", 8, 2, 0, 0, 1),
        ("Cid", 3, 0, 1, 0, 2),
        ("Ben", 2, 0, 0, 1, 3),
        ("Dee", 0, 0, 0, 0, 4),
        ("Eve", 0, 0, 0, 0, 4),
    ]
    assert table(db, world["custom_liga"]) == [("Ana", 16, 1, 1, 1, 1), ("Ben", 15, 1, 1, 0, 2)]
    assert set(lt_statuses(db).values()) == {"up-to-date"}

    whole = client.get(f"/api/leagues/{world['office']['id']}/standings").get_json()
    assert whole["tournament_id"] is None and whole["total"] == 5
    assert [(s["name"], s["points"], s["exact_count"], s["rank"]) for s in whole["standings"]] == [
        ("Ana", 17, 3, 1),
        ("Cid", 10, 0, 2),
        ("Ben", 9, 1, 3),
        ("Dee", 7, 1, 4),
        ("Eve", 0, 0, 5),
    ]


def test_rerunning_changes_nothing_and_one_mark_recalculates_only_that_one(services, db, world, clock):
    services.run_scores_tick()
    before = db.execute("select * from participant_score order by league_tournament_id, user_id").fetchall()
    stamps = db.execute("select id, participants_scores_updated_at from league_tournament order by id").fetchall()
    clock.advance(300)
    again = services.run_scores_tick()
    assert again["league_tournaments_claimed"] == 0 and again["participants_scored"] == 0
    assert db.execute("select * from participant_score order by league_tournament_id, user_id").fetchall() == before
    assert (
        db.execute("select id, participants_scores_updated_at from league_tournament order by id").fetchall() == stamps
    )

    db.execute("update league set points_outcome = 3 where id = %s", (world["custom"]["id"],))
    clock.advance(300)
    third = services.run_scores_tick()
    assert (third["league_tournaments_claimed"], third["league_tournaments_updated"], third["participants_scored"]) == (
        1,
        1,
        2,
    )
    assert table(db, world["custom_liga"])[0] == ("Ana", 18, 1, 1, 1, 1)
    refreshed = {
        r["id"]: r["participants_scores_updated_at"]
        for r in db.execute("select id, participants_scores_updated_at from league_tournament")
    }
    assert refreshed[world["custom_liga"]["id"]] == START + timedelta(seconds=600)
    assert refreshed[world["office_liga"]["id"]] == START


def test_a_participant_who_leaves_loses_their_row(services, db, world):
    services.run_scores_tick()
    db.execute(
        "delete from league_participant where league_id = %s and user_id = %s",
        (world["custom"]["id"], world["users"]["Ben"]["id"]),
    )
    services.run_scores_tick()
    assert table(db, world["custom_liga"]) == [("Ana", 16, 1, 1, 1, 1)]


def test_a_match_ending_during_the_calculation_leaves_the_league_outdata(services, db, world, database_url):
    db.execute(
        "update league_tournament set participants_scores_status = 'up-to-date' where id <> %s",
        (world["office_liga"]["id"],),
    )
    blocker = hold_score_writes(database_url)
    result = {}
    tick = threading.Thread(target=lambda: result.update(services.run_scores_tick()))
    tick.start()
    try:
        wait_until_blocked(db)
        assert lt_statuses(db)[world["office_liga"]["id"]] == "syncing"
        # A result changes on another connection at the critical point; its trigger marks Liga's rows.
        blocker.execute("update match set away_score_regular = 2, away_score = 2 where id = %s", (world["m1"]["id"],))
    finally:
        blocker.commit()
        blocker.close()
        tick.join(timeout=30)
    assert result["league_tournaments_requeued"] == 1, "office_liga: marked during its calculation"
    assert result["league_tournaments_claimed"] == 2 and result["league_tournaments_updated"] == 1, (
        "custom_liga, marked by the same change, is claimed after the mark committed"
    )
    assert lt_statuses(db)[world["office_liga"]["id"]] == "outdata", "the mark made during the calculation is kept"
    follow_up = services.run_scores_tick()
    assert follow_up["league_tournaments_updated"] >= 1
    assert lt_statuses(db)[world["office_liga"]["id"]] == "up-to-date"


def test_a_row_left_syncing_by_a_dead_tick_is_claimed_again_after_the_lease(services, db, world, clock):
    db.execute("update league_tournament set participants_scores_status = 'up-to-date'")
    db.execute(
        "update league_tournament set participants_scores_status = 'syncing', sync_claimed_at = %s, sync_run_id = 999 "
        "where id = %s",
        (START - timedelta(minutes=9), world["office_liga"]["id"]),
    )
    db.execute(
        "update league_tournament set participants_scores_status = 'syncing', sync_claimed_at = null where id = %s",
        (world["custom_liga"]["id"],),
    )
    first = services.run_scores_tick()
    assert first["league_tournaments_claimed"] == 1, "no claim time recorded: claimable at once; a live lease is not"
    assert lt_statuses(db)[world["office_liga"]["id"]] == "syncing"
    clock.advance(61)
    second = services.run_scores_tick()
    assert second["league_tournaments_claimed"] == 1 and second["league_tournaments_updated"] == 1
    assert lt_statuses(db)[world["office_liga"]["id"]] == "up-to-date"
    assert table(db, world["office_liga"])[0] == ("Ana", 9, 1, 1, 1, 1)


def test_a_tick_whose_lease_expired_cannot_finish_a_row_claimed_since(db, world, clock):
    db.execute(
        "update league_tournament set participants_scores_status = 'up-to-date' where id <> %s",
        (world["office_liga"]["id"],),
    )
    [first] = scores_repo.claim(db, run_id=1, limit=1, now=clock(), lease_minutes=10)
    clock.advance(11 * 60)
    [second] = scores_repo.claim(db, run_id=2, limit=1, now=clock(), lease_minutes=10)
    assert second.id == first.id
    assert scores_repo.finish(db, ids=[first.id], run_id=1, now=clock()) == set()
    assert lt_statuses(db)[first.id] == "syncing"
    assert scores_repo.finish(db, ids=[first.id], run_id=2, now=clock()) == {first.id}


def test_a_failing_calculation_is_requeued_reported_and_the_others_finish(services, db, world, client, sentry_events):
    # Two exact predictions at 2e9 points each overflow an integer: a real failure, only in the Cup.
    db.execute("update league set points_exact = 2000000000 where id = %s", (world["office"]["id"],))
    summary = services.run_scores_tick()
    assert (summary["league_tournaments_failed"], summary["league_tournaments_updated"]) == (1, 2)
    statuses = lt_statuses(db)
    assert statuses[world["office_cup"]["id"]] == "outdata"
    assert statuses[world["office_liga"]["id"]] == statuses[world["custom_liga"]["id"]] == "up-to-date"
    assert table(db, world["office_cup"]) == [], "the failed calculation wrote nothing"
    run = client.get("/internal/runs?kind=scores", headers=AUTH).get_json()["runs"][0]
    assert run["outcome"] == "partial"
    [error] = run["errors"]
    assert error["league_tournament_id"] == world["office_cup"]["id"] and "integer out of range" in error["error"]
    [event] = sentry_events.errors()
    assert event["tags"]["league_tournament"] == str(world["office_cup"]["id"])
    assert event["tags"]["league"] == str(world["office"]["id"]) and event["tags"]["tick"] == "scores"


class TickingClock:
    """Each reading is `step` seconds after the previous: work that takes time."""

    def __init__(self, start, step):
        self.now, self.step = start, timedelta(seconds=step)

    def __call__(self):
        self.now += self.step
        return self.now


def more_waiting_rows(db, count: int) -> list[int]:
    """Small leagues following Liga, waiting: more than one claim batch of them."""
    liga = db.execute("select id from tournament where name = 'Liga'").fetchone()
    db.execute("insert into league (name) select 'Filler ' || i from generate_series(1, %s) i", (count,))
    rows = db.execute(
        """insert into league_tournament (league_id, tournament_id)
                         select id, %s from league where name like 'Filler %%' returning id""",
        (liga["id"],),
    ).fetchall()
    return [row["id"] for row in rows]


def test_rows_the_budget_does_not_reach_are_never_claimed(make_app, settings, db, world):
    more_waiting_rows(db, scores_repo.CLAIM_BATCH)
    waiting = len(lt_statuses(db))
    app = make_app(dataclasses.replace(settings, tick_scores_budget_seconds=20), CLOCK=TickingClock(START, 5))
    summary = services_of(app).run_scores_tick()
    assert summary["league_tournaments_claimed"] == scores_repo.CLAIM_BATCH, "one batch fits the budget"
    assert summary["league_tournaments_updated"] == summary["league_tournaments_claimed"]
    assert list(lt_statuses(db).values()).count("outdata") == waiting - scores_repo.CLAIM_BATCH
    assert "syncing" not in lt_statuses(db).values(), "claimed as reached: nothing waits for a lease"


def test_one_tick_drains_more_than_the_old_cap_of_500_within_its_budget(services, settings, db, world):
    """The default cap is a safety limit, not a throttle: every marked league tournament is
    brought up to date by one tick (SPEC §3)."""
    more_waiting_rows(db, 600)
    waiting = len(lt_statuses(db))
    started = time.monotonic()
    summary = services.run_scores_tick()
    assert summary["league_tournaments_updated"] == waiting > 500
    assert set(lt_statuses(db).values()) == {"up-to-date"}
    assert summary["duration_ms"] < settings.tick_scores_budget_seconds * 1000
    assert time.monotonic() - started < settings.tick_scores_budget_seconds


def test_under_budget_pressure_the_longest_waiting_row_is_done_first(make_app, settings, db, world):
    newest_id_oldest_mark = max(more_waiting_rows(db, scores_repo.CLAIM_BATCH))
    db.execute("update league_tournament set marked_outdata_at = %s", (START,))
    db.execute(
        "update league_tournament set marked_outdata_at = %s where id = %s",
        (START - timedelta(days=1), newest_id_oldest_mark),
    )
    app = make_app(dataclasses.replace(settings, tick_scores_budget_seconds=20), CLOCK=TickingClock(START, 5))
    summary = services_of(app).run_scores_tick()
    assert summary["league_tournaments_updated"] < len(lt_statuses(db)), "the budget does not reach every row"
    assert lt_statuses(db)[newest_id_oldest_mark] == "up-to-date", "waiting a day: served first, whatever its id"


def test_a_dry_run_counts_and_writes_nothing(services, db, world):
    summary = services.run_scores_tick(dry_run=True)
    assert summary["run_id"] is None
    assert (summary["league_tournaments_claimed"], summary["participants_scored"]) == (3, 12)
    assert set(lt_statuses(db).values()) == {"outdata"}
    assert db.execute("select count(*) as n from participant_score").fetchone()["n"] == 0


def test_the_endpoint_and_the_cli_run_the_same_tick(client, runner, db, world):
    response = client.post("/internal/tick/scores", headers=AUTH, json={"max_leagues": 2})
    assert response.status_code == 200
    assert response.get_json()["league_tournaments_claimed"] == 2
    result = runner.invoke(args=["tick", "scores"])
    assert result.exit_code == 0
    assert '"league_tournaments_claimed": 1' in result.output
