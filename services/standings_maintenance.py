"""Guards over the incremental standings (SPEC §7.7): `verify` compares what is stored with
the from-scratch reference (the season's standings, each round's, the whole league's and its
page); `rebuild` recomputes the rounds and the prediction tallies from scratch after a manual
repair and marks `outdata` what changed or differs, so the next scores tick recalculates it,
and re-renders the stored league pages."""

from __future__ import annotations

from typing import Any

from database.pool import DictConnection, Pool
from repositories import standings_maintenance as maintenance_repo
from repositories import standings_reference as reference


def _differences(stored: list[dict], expected: list[dict], where: dict[str, Any]) -> list[dict[str, Any]]:
    by_user = {row["user_id"]: row for row in stored}
    wanted = {row["user_id"]: row for row in expected}
    return [
        {**where, "user_id": user_id, "stored": by_user.get(user_id), "expected": wanted.get(user_id)}
        for user_id in sorted(by_user.keys() | wanted.keys())
        if by_user.get(user_id) != wanted.get(user_id)
    ]


def _round_differences(conn: DictConnection, row: dict, computed: dict[int, dict]) -> list[dict[str, Any]]:
    """The stored standings after each round and each round's winners against the reference
    (kept in `computed` by league tournament, for the whole league's movement)."""
    stored = reference.stored_league_tournament_rounds(conn, league_tournament_id=row["id"])
    expected = computed[row["id"]] = reference.league_tournament_rounds(conn, league_tournament_id=row["id"])
    where = {"league_id": row["league_id"], "league_tournament_id": row["id"]}
    differences = []
    for key in sorted(stored["standings"].keys() | expected["standings"].keys()):
        differences += _differences(
            [{"user_id": u, **r} for u, r in stored["standings"].get(key, {}).items()],
            [{"user_id": u, **r} for u, r in expected["standings"].get(key, {}).items()],
            {**where, "round": key},
        )
    for key in sorted(stored["winners"].keys() | expected["winners"].keys()):
        if stored["winners"].get(key) != expected["winners"].get(key):
            differences.append(
                {
                    **where,
                    "round": key,
                    "winners": True,
                    "stored": stored["winners"].get(key),
                    "expected": expected["winners"].get(key),
                }
            )
    return differences


def _league_tournament_differences(
    conn: DictConnection, row: dict, computed: dict[int, dict] | None = None
) -> list[dict[str, Any]]:
    """One league tournament's stored rows (the season's, then each round's) against the reference."""
    return _differences(
        reference.stored_league_tournament(conn, league_tournament_id=row["id"]),
        reference.league_tournament(conn, league_tournament_id=row["id"]),
        {"league_id": row["league_id"], "league_tournament_id": row["id"]},
    ) + _round_differences(conn, row, {} if computed is None else computed)


def verify(*, pool: Pool, league_id: int | None = None) -> list[dict[str, Any]]:
    """Every stored row that differs from the reference: of each up-to-date league tournament,
    of the whole-league standings of each league whose tournaments are all up to date, and
    each league's stored page."""
    differences: list[dict[str, Any]] = []
    with pool.connection() as conn, conn.transaction():
        conn.execute("set transaction isolation level repeatable read")  # one snapshot for stored and expected
        rows = maintenance_repo.league_tournaments(conn, league_id=league_id)
        computed: dict[int, dict] = {}  # each league tournament's rounds from scratch, computed once
        for row in rows:
            if row["status"] == "up-to-date":
                differences += _league_tournament_differences(conn, row, computed)
        for league in sorted({row["league_id"] for row in rows}):
            if all(row["status"] == "up-to-date" for row in rows if row["league_id"] == league):
                differences += _differences(
                    reference.stored_league(conn, league_id=league),
                    reference.league(conn, league_id=league, computed=computed),
                    {"league_id": league, "league_tournament_id": None},
                )
        differences += [
            {
                "league_id": page["league_id"],
                "league_page": True,
                "stored": page["stored"],
                "expected": page["expected"],
            }
            for page in maintenance_repo.differing_league_pages(conn, league_id=league_id)
        ]
    return differences


def _mark_differing(conn: DictConnection, *, tournament_id: int) -> int:
    """Up-to-date league tournaments of the tournament whose stored rows differ from the
    reference (changed by hand): marked, so the next tick recalculates all their rounds."""
    return sum(
        maintenance_repo.mark_league_tournament_outdata(conn, league_tournament_id=row["id"])
        for row in maintenance_repo.league_tournaments(conn, tournament_id=tournament_id)
        if row["status"] == "up-to-date" and _league_tournament_differences(conn, row)
    )


def rebuild(*, pool: Pool, tournament_id: int | None = None) -> dict[str, int]:
    """Tallies from scratch, a range of users a transaction (so a tournament's tally lock is held
    briefly); the league tournaments of every tournament whose tallies changed are marked
    `outdata`. Then the pages of the leagues concerned are rendered again, putting right a page
    that a change by hand left behind."""
    summary = {"tournaments": 0, "tallies_changed": 0, "league_tournaments_marked_outdata": 0}
    with pool.connection() as conn:
        tournaments = maintenance_repo.tournament_ids(conn, tournament_id=tournament_id)
        batches = maintenance_repo.user_batches(conn)
        for tournament in tournaments:
            maintenance_repo.refresh_rounds(conn, tournament_id=tournament)
            changed, marked = maintenance_repo.rebuild_tournament(conn, tournament_id=tournament, batches=batches)
            summary["tournaments"] += 1
            summary["tallies_changed"] += changed
            summary["league_tournaments_marked_outdata"] += marked + _mark_differing(conn, tournament_id=tournament)
        summary["league_pages_refreshed"] = maintenance_repo.refresh_league_pages(conn, tournament_id=tournament_id)
    return summary
