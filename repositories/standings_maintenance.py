"""Named queries of `flask scores verify` and `flask scores rebuild`."""

from __future__ import annotations

from database.pool import DictConnection, one_row

LEAGUE_TOURNAMENTS = """
select id, league_id, tournament_id, participants_scores_status as status from league_tournament
 where (%(league_id)s::bigint is null or league_id = %(league_id)s)
   and (%(tournament_id)s::bigint is null or tournament_id = %(tournament_id)s)
 order by league_id, id
"""

TOURNAMENT_IDS = (
    "select id from tournament where %(tournament_id)s::bigint is null or id = %(tournament_id)s order by id"
)

# Stored league pages that differ from a render from scratch (sql/functions/05_pages.sql).
DIFFERING_LEAGUE_PAGES = """
select rendered.league_id, page.body as stored, rendered.body as expected
  from render_league_pages(array(select id from league
                                  where %(league_id)s::bigint is null or id = %(league_id)s)) as rendered
  left join league_page page on page.league_id = rendered.league_id
 where page.body is distinct from rendered.body
 order by rendered.league_id
"""

REFRESH_LEAGUE_PAGES = """
select refresh_league_pages(array(
    select id from league
     where %(tournament_id)s::bigint is null
        or id in (select league_id from league_tournament where tournament_id = %(tournament_id)s))) as changed
"""

# A rebuild walks a tournament's users this many at a time, so its tally lock is held briefly.
USERS_PER_BATCH = 1024
USER_BATCHES = "select first_user, last_user from tally_batches(%(size)s)"
REBUILD_TALLIES = "select rebuild_tallies(%(tournament_id)s, %(first_user)s, %(last_user)s) as changed"

REFRESH_ROUNDS = "select refresh_tournament_rounds(%(tournament_id)s)"
MARK_LEAGUE_TOURNAMENT_OUTDATA = "select mark_league_tournaments_outdata(array[%(id)s::bigint]) as marked"
MARK_TOURNAMENT_OUTDATA = "select mark_tournaments_outdata(array[%(tournament_id)s::bigint]) as marked"


def league_tournaments(
    conn: DictConnection, *, league_id: int | None = None, tournament_id: int | None = None
) -> list[dict]:
    """League tournaments (of a league, of a tournament, or all) with their status."""
    return conn.execute(LEAGUE_TOURNAMENTS, {"league_id": league_id, "tournament_id": tournament_id}).fetchall()


def tournament_ids(conn: DictConnection, *, tournament_id: int | None) -> list[int]:
    return [row["id"] for row in conn.execute(TOURNAMENT_IDS, {"tournament_id": tournament_id})]


def user_batches(conn: DictConnection) -> list[tuple[int, int]]:
    """Ranges of users by id, USERS_PER_BATCH users each, covering every id."""
    return [(row["first_user"], row["last_user"]) for row in conn.execute(USER_BATCHES, {"size": USERS_PER_BATCH})]


def rebuild_tournament(conn: DictConnection, *, tournament_id: int, batches: list[tuple[int, int]]) -> tuple[int, int]:
    """One tournament's tallies from scratch, a range of users a transaction (on an autocommit
    connection); a range that changed tallies marks the tournament's league tournaments in its
    own commit, so a stop between ranges leaves nothing unmarked. Returns (tallies changed,
    league tournaments marked)."""
    changed = marked = 0
    for first_user, last_user in batches:
        params = {"tournament_id": tournament_id, "first_user": first_user, "last_user": last_user}
        with conn.transaction():
            batch_changed = one_row(conn.execute(REBUILD_TALLIES, params))["changed"]
            if batch_changed:
                marked += mark_tournament_outdata(conn, tournament_id=tournament_id)
        changed += batch_changed
    return changed, marked


def refresh_rounds(conn: DictConnection, *, tournament_id: int) -> None:
    """The tournament's rounds (tournament_round) from its matches, in one transaction."""
    conn.execute(REFRESH_ROUNDS, {"tournament_id": tournament_id})


def mark_league_tournament_outdata(conn: DictConnection, *, league_tournament_id: int) -> int:
    """Every round of it recalculated at the next tick; 1 if it changed to outdata."""
    return one_row(conn.execute(MARK_LEAGUE_TOURNAMENT_OUTDATA, {"id": league_tournament_id}))["marked"]


def mark_tournament_outdata(conn: DictConnection, *, tournament_id: int) -> int:
    """League tournaments of this tournament that changed to outdata."""
    return one_row(conn.execute(MARK_TOURNAMENT_OUTDATA, {"tournament_id": tournament_id}))["marked"]


def differing_league_pages(conn: DictConnection, *, league_id: int | None) -> list[dict]:
    return conn.execute(DIFFERING_LEAGUE_PAGES, {"league_id": league_id}).fetchall()


def refresh_league_pages(conn: DictConnection, *, tournament_id: int | None) -> int:
    """Re-render the pages of the leagues following this tournament (or of every league); how many changed."""
    return one_row(conn.execute(REFRESH_LEAGUE_PAGES, {"tournament_id": tournament_id}))["changed"]
