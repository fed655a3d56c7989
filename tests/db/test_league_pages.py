"""The stored league page (sql/009): GET /api/leagues/<id> reads one row, so that row must
show, after every commit, exactly what a render from scratch shows, whichever path wrote the
change and however writers interleave.

The interleavings are deterministic: a gate connection holds a page row's lock, writers
commit into it from threads, and the test releases the gate once they all wait."""

import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest
from psycopg.rows import dict_row

from bootstrap import services_of
from repositories.standings_maintenance import differing_league_pages
from tests.support import ended, seed_tournament, wait_until_blocked


@contextmanager
def gate_on_page(database_url: str, league_id: int):
    """Hold this league's page row until the block ends (also when an assertion fails inside it,
    so a failing test never leaves writers waiting on it)."""
    with psycopg.connect(database_url) as gate:
        gate.execute("select 1 from league_page where league_id = %s for update", (league_id,))
        try:
            yield
        finally:
            gate.rollback()


def page(db, league_id: int) -> dict | None:
    row = db.execute("select body from league_page where league_id = %s", (league_id,)).fetchone()
    return row and json.loads(row["body"])


def shown_statuses(db, league_id: int) -> dict[str, str]:
    return {t["name"]: t["participants_scores_status"] for t in page(db, league_id)["tournaments"]}


PATHS = {
    "a league tournament changes status": lambda c, w: c.execute(
        "update league_tournament set participants_scores_status = 'syncing' where id = %s", (w["office_liga"]["id"],)
    ),
    "a scores tick finishes": lambda c, w: c.execute(
        "update league_tournament set participants_scores_status = 'up-to-date', "
        "participants_scores_updated_at = now() where league_id = %s",
        (w["office"]["id"],),
    ),
    "a result marks it outdata": lambda c, w: c.execute(
        "update match set home_score_regular = 0, home_score = 0 where id = %s", (w["m1"]["id"],)
    ),
    "the league follows a tournament": lambda c, w: c.execute(
        "insert into league_tournament (league_id, tournament_id) values (%s, %s)",
        (w["office"]["id"], seed_tournament(c, utid=3, sid=1, name="Shield")["id"]),
    ),
    "the league unfollows a tournament": lambda c, w: c.execute(
        "delete from league_tournament where id = %s", (w["office_cup"]["id"],)
    ),
    "the league is renamed": lambda c, w: c.execute(
        "update league set name = 'Office 2' where id = %s", (w["office"]["id"],)
    ),
    "a tournament is renamed": lambda c, w: c.execute(
        "update tournament set name = 'Liga 25/26' where id = %s", (w["liga"]["id"],)
    ),
}


@pytest.fixture
def settled(app, db, world):
    """The world with every league tournament scored, so any change shows on the page."""
    services_of(app).run_scores_tick()
    return world


@pytest.mark.parametrize("path", PATHS)
def test_every_path_renders_the_page_at_commit(db, database_url, settled, path):
    before = page(db, settled["office"]["id"])
    with psycopg.connect(database_url, row_factory=dict_row) as writer:
        PATHS[path](writer, settled)
        assert page(db, settled["office"]["id"]) == before, "nothing shows before the writer commits"
        writer.commit()
    assert page(db, settled["office"]["id"]) != before
    assert differing_league_pages(db, league_id=None) == []


def test_a_new_league_has_a_page_and_a_deleted_one_has_none(db):
    league = db.execute("insert into league (name) values ('Fresh') returning id").fetchone()["id"]
    assert page(db, league) == {
        "id": league,
        "name": "Fresh",
        "participants_scores_status": "up-to-date",
        "participants_scores_updated_at": None,
        "tournaments": [],
    }
    db.execute("delete from league where id = %s", (league,))
    assert page(db, league) is None


def test_two_writers_to_one_league_leave_a_page_showing_both(db, database_url, settled):
    """Both writers commit while a gate holds the page: whichever renders second must see what
    the first committed, so its render happens after its lock wait, not before."""
    office = settled["office"]["id"]
    with psycopg.connect(database_url) as a, psycopg.connect(database_url) as b, ThreadPoolExecutor(2) as threads:
        with gate_on_page(database_url, office):
            a.execute(
                "update league_tournament set participants_scores_status = 'syncing' where id = %s",
                (settled["office_liga"]["id"],),
            )
            b.execute(
                "update league_tournament set participants_scores_status = 'outdata' where id = %s",
                (settled["office_cup"]["id"],),
            )
            commits = [threads.submit(a.commit), threads.submit(b.commit)]
            wait_until_blocked(db, backends=2)
        for commit in commits:
            commit.result(timeout=30)
    assert shown_statuses(db, office) == {"Liga": "syncing", "Cup": "outdata"}
    assert differing_league_pages(db, league_id=None) == []


def test_a_commit_locks_pages_in_league_order(db, database_url, settled):
    """A writer that changed the later league first still waits for the earlier league's page
    before it holds the later one, so two committing writers never deadlock."""
    office, custom = settled["office"]["id"], settled["custom"]["id"]
    assert office < custom
    with (
        psycopg.connect(database_url) as writer,
        psycopg.connect(database_url) as probe,
        ThreadPoolExecutor(1) as threads,
    ):
        with gate_on_page(database_url, office):
            for row in ("custom_liga", "office_liga"):
                writer.execute(
                    "update league_tournament set participants_scores_status = 'syncing' where id = %s",
                    (settled[row]["id"],),
                )
            commit = threads.submit(writer.commit)
            wait_until_blocked(db)
            probe.execute("select 1 from league_page where league_id = %s for update nowait", (custom,))
            probe.rollback()
        commit.result(timeout=30)
    assert shown_statuses(db, custom) == {"Liga": "syncing"}
    assert differing_league_pages(db, league_id=None) == []


def test_a_rolled_back_savepoint_takes_its_change_off_the_page_and_keeps_the_rest(db, settled):
    """The scores tick's batch falls back to a savepoint per item: what a released savepoint
    changed is rendered at commit, what a rolled-back one changed is not."""

    class Undo(Exception):
        pass

    with db.transaction():
        with db.transaction():
            db.execute(
                "update league_tournament set participants_scores_status = 'syncing' where id = %s",
                (settled["office_liga"]["id"],),
            )
        with pytest.raises(Undo), db.transaction():
            db.execute(
                "update league_tournament set participants_scores_status = 'syncing' where id = %s",
                (settled["office_cup"]["id"],),
            )
            raise Undo
    assert shown_statuses(db, settled["office"]["id"]) == {"Liga": "syncing", "Cup": "up-to-date"}
    assert differing_league_pages(db, league_id=None) == []


def test_a_result_that_changes_nothing_shown_writes_no_page(db, settled):
    """A mark of a row already outdata shows nothing new: the page row is not rewritten."""
    db.execute("update league_tournament set participants_scores_status = 'outdata'")
    version = db.execute(
        "select xmin::text as v from league_page where league_id = %s", (settled["office"]["id"],)
    ).fetchone()["v"]
    ended(db, settled["liga"], 21, (4, 4))
    assert (
        db.execute(
            "select xmin::text as v from league_page where league_id = %s", (settled["office"]["id"],)
        ).fetchone()["v"]
        == version
    )
