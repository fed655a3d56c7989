"""Standings at the scale target (SPEC §7.7): every prediction scored once.

Seed: 10,000 users who each predicted every match of three tournaments of 380 ended matches
(11.4 M predictions), plus a round of 10 open matches they also predicted. Leagues:
"Everyone" (10,000 participants, one tournament), 1,000 leagues of 10, and "Twenty"
(10,000 participants following 20 tournaments) for the pages.

Floor, same run: the bare GROUP BY that scores one tournament's 3.8 M predictions, reading
each once. Pages: wrk against gunicorn as configured, `/readyz` (one round trip) measured in
the same run as their floor.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import psycopg
import requests
from psycopg.rows import dict_row

from bench.common import bench_database
from config import Settings
from database.pool import open_pool
from provider.base import ProviderEvent
from repositories import matches as matches_repo
from repositories import scores as scores_repo
from services.scores_tick import run_scores_tick

ROOT = Path(__file__).resolve().parent.parent
USERS, MATCHES, TOURNAMENTS, SMALL_LEAGUES, FOLLOWED = 10_000, 380, 3, 1_000, 20
OPEN_ROUND = 10  # (c): a round of 10 matches, each predicted by every user
PAIRS, PAIR_SECONDS = 7, 2  # page rates: alternating 2 s windows of /readyz and the page
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

SEED = [
    "set session_replication_role = replica",  # bulk load without row-by-row triggers; tallies and pages built after
    f"""insert into tournament (name, sofascore_unique_tournament_id, sofascore_season_id)
        select 'Tournament ' || t, t, 2526 from generate_series(1, {FOLLOWED}) t""",
    f"""insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time, status,
                           home_score, away_score, home_score_regular, away_score_regular)
        select t, t * 1000 + i, 1 + (i - 1) / 10, 'H', 'A', '2026-01-01', 'ended',
               (i + t) % 4, (i / 4) % 3, (i + t) % 4, (i / 4) % 3
          from generate_series(1, {TOURNAMENTS}) t, generate_series(1, {MATCHES}) i""",
    f"""insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time)
        select 1, 900000 + i, 39, 'H', 'A', '2026-02-28' from generate_series(1, {OPEN_ROUND}) i""",
    f"insert into app_user (name) select 'user ' || lpad(i::text, 5, '0') from generate_series(1, {USERS}) i",
    """insert into prediction (user_id, match_id, home_score, away_score)
       select u.id, m.id, (u.id + m.id) % 4, (u.id * m.id) % 3 from app_user u, match m""",
    "insert into league (name) values ('Everyone'), ('Twenty')",
    f"insert into league (name) select 'Small ' || i from generate_series(1, {SMALL_LEAGUES}) i",
    """insert into league_participant (league_id, user_id)
       select l.id, u.id from league l, app_user u where l.name in ('Everyone', 'Twenty')""",
    """insert into league_participant (league_id, user_id)
       select l.id, u.id from league l join app_user u on (u.id - 1) / 10 = l.id - 3 where l.name like 'Small %%'""",
    """insert into league_tournament (league_id, tournament_id, participants_scores_status)
       select l.id, 1, 'outdata' from league l where l.name <> 'Twenty'
       union all select l.id, t.id, 'outdata' from league l, tournament t where l.name = 'Twenty'""",
    "set session_replication_role = origin",
    "select rebuild_tournament_tallies(id) from tournament",
    "select refresh_league_pages(array(select id from league))",
    "analyze",
]

FLOOR = """
select p.user_id,
       count(*) filter (where tier = 3) as exact_count,
       count(*) filter (where tier = 2) as goal_difference_count,
       count(*) filter (where tier = 1) as outcome_count
  from (select p.user_id,
               prediction_tier(p.home_score, p.away_score, m.home_score_regular, m.away_score_regular) as tier
          from match m join prediction p on p.match_id = m.id
         where m.tournament_id = 1 and m.status = 'ended') as p
 group by p.user_id
"""

TARGETS = {"a": 0.2, "b": 1.0, "c": 0.5, "d": 0.1}


def _median_s(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _round_events(home: int) -> list[ProviderEvent]:
    return [
        ProviderEvent(
            event_id=900000 + i,
            start_time=NOW,
            status="ended",
            home_score=home,
            away_score=1,
            home_score_regular=home,
            away_score_regular=1,
        )
        for i in range(1, OPEN_ROUND + 1)
    ]


def _write_round(conn: psycopg.Connection, events: list[ProviderEvent]) -> None:
    """The matches tick's round write: results (tallies and marks by trigger), checks, the count."""
    with conn.transaction():
        matches_repo.apply_events(conn, events=events, now=NOW, settle_minutes=180)
        matches_repo.mark_checked(conn, match_ids=[], now=NOW)
        matches_repo.marked_outdata_in_transaction(conn)


def run() -> dict:
    with bench_database() as url, psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        started = time.perf_counter()
        for statement in SEED:
            conn.execute(statement)
        seeded_s = time.perf_counter() - started
        predictions = conn.execute("select count(*) as n from prediction").fetchone()["n"]
        pool = open_pool(url, max_size=4, timeout=30)
        scores_tick = partial(
            run_scores_tick, pool=pool, clock=lambda: NOW, settings=Settings(tick_scores_budget_seconds=3600)
        )
        try:
            while scores_tick()["league_tournaments_claimed"]:
                pass
            floor = _median_s(lambda: conn.execute(FLOOR).fetchall(), 3)
            everyone = conn.execute(
                "select lt.id from league_tournament lt join league l on l.id = lt.league_id where l.name = 'Everyone'"
            ).fetchone()["id"]
            plan_a = "\n".join(
                r["QUERY PLAN"]
                for r in conn.execute("explain (costs off) " + scores_repo.RECALCULATE, {"ids": [everyone]})
            )
            points = itertools.cycle([5, 4])

            def everyone_changes() -> dict:
                conn.execute("update league set points_exact = %s where name = 'Everyone'", (next(points),))
                return scores_tick(max_leagues=1)

            a = _median_s(everyone_changes, 3)

            def small_leagues_change() -> dict:
                conn.execute("update league set points_exact = %s where name like 'Small %%'", (next(points),))
                return scores_tick()

            b = _median_s(small_leagues_change, 3)
            small_summary = small_leagues_change()
            c_times, d_times = [], []
            for home in (2, 3, 2):
                conn.execute(
                    "update match set status = 'open', home_score = null, away_score = null, "
                    "home_score_regular = null, away_score_regular = null where sofascore_event_id > 900000"
                )
                c_times.append(_median_s(lambda home=home: _write_round(conn, _round_events(home)), 1))
                corrected = [
                    ProviderEvent(
                        event_id=900001,
                        start_time=NOW,
                        status="ended",
                        home_score=home + 1,
                        away_score=1,
                        home_score_regular=home + 1,
                        away_score_regular=1,
                    )
                ]
                d_times.append(_median_s(lambda corrected=corrected: _write_round(conn, corrected), 1))
            following = conn.execute(
                "select array_agg(distinct league_id) as ids from league_tournament where tournament_id = 1"
            ).fetchone()["ids"]

            def render_pages() -> float:
                """The commit-time render of every page a mark from up to date changes."""
                conn.execute("update league_page set body = '' where league_id = any(%s)", (following,))
                return _median_s(lambda: conn.execute("select refresh_league_pages(%s)", (following,)), 1)

            render_s = statistics.median(render_pages() for _ in range(3))
            while scores_tick()["league_tournaments_claimed"]:
                pass
            twenty = conn.execute("select id from league where name = 'Twenty'").fetchone()["id"]
            page_plan = "\n".join(
                r["QUERY PLAN"]
                for r in conn.execute(
                    "explain (analyze, costs off, timing off) "
                    "select ls.rank, ls.user_id, u.name, ls.points from league_standing ls "
                    "join app_user u on u.id = ls.user_id "
                    "where ls.league_id = %(league_id)s and ls.position > %(offset)s "
                    "order by ls.position limit 50",
                    {"league_id": twenty, "offset": 9000},
                )
            )
            conn.execute("vacuum analyze")  # pages measured on a settled database, not beside autovacuum
            pages = _page_rates(url, twenty)
        finally:
            pool.close()
    cases = {"a": a, "b": b, "c": statistics.median(c_times), "d": statistics.median(d_times)}
    render = {"leagues": len(following), "seconds": render_s}
    return {
        "predictions": predictions,
        "seeded_s": round(seeded_s, 1),
        "floor_s": floor,
        "cases": cases,
        "render": render,
        "small_tick": small_summary,
        "plan_a": plan_a,
        "page_plan": page_plan,
        "pages": pages,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wrk(base: str, path_lua: str, headers: dict[str, str] | None = None, seconds: int = PAIR_SECONDS) -> dict:
    """One endpoint under 8 connections for this many seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(path_lua)
    command = ["wrk", "-t2", "-c8", "--latency", "-s", script.name, f"-d{seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [base], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    statuses = "non-2xx" if "Non-2xx or 3xx responses" in out else "2xx/3xx"
    return {"rate": rate, "p99_ms": round(float(p99.group(1)) * scale, 2), "responses": statuses}


def _share(base: str, page: tuple[str, dict | None], readyz: str) -> dict:
    """A page's rate as a share of /readyz's, each the best of PAIRS windows taken in
    alternation (/readyz, then the page). Neighbours on this shared machine take it in bursts
    of a few seconds that halve any rate inside them; the best window of each is the rate
    when undisturbed, as timeit takes the best of its repeats."""
    _wrk(base, page[0], page[1], seconds=1)  # warm-up, discarded
    pairs = [(_wrk(base, readyz), _wrk(base, *page)) for _ in range(PAIRS)]
    best_readyz = max(r["rate"] for r, _ in pairs)
    best = max(p["rate"] for _, p in pairs)
    return {
        "rate": best,
        "readyz_rate": best_readyz,
        "share": best / best_readyz,
        "p99_ms": statistics.median(p["p99_ms"] for _, p in pairs),
        "readyz_p99_ms": statistics.median(r["p99_ms"] for r, _ in pairs),
        "responses": "non-2xx" if any(p["responses"] == "non-2xx" for _, p in pairs) else "2xx/3xx",
    }


def _page_rates(url: str, league_id: int) -> dict:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "GUNICORN_BIND": f"127.0.0.1:{port}", "INTERNAL_API_TOKEN": "bench"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        tournament = requests.get(f"{base}/api/leagues/{league_id}").json()["tournaments"][0]["tournament_id"]
        etag = requests.get(f"{base}/api/leagues/{league_id}").headers["ETag"]

        def fixed(path: str) -> str:
            return f'request = function() return wrk.format("GET", "{path}") end'

        def any_offset(path: str) -> str:
            return (
                f'request = function() return wrk.format("GET", "{path}&offset=" .. math.random(0, {USERS - 50})) end'
            )

        pages = {
            "league_page": (any_offset(f"/api/leagues/{league_id}/standings?limit=50"), None),
            "tournament_page": (
                any_offset(f"/api/leagues/{league_id}/standings?tournament_id={tournament}&limit=50"),
                None,
            ),
            "league": (fixed(f"/api/leagues/{league_id}"), None),
            "league_304": (fixed(f"/api/leagues/{league_id}"), {"If-None-Match": etag}),
        }
        _wrk(base, fixed("/readyz"), seconds=1)  # warm-up, discarded
        return {key: _share(base, page, fixed("/readyz")) for key, page in pages.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(result: dict) -> str:
    floor = result["floor_s"]
    labels = {
        "a": "(a) recalculation, 1 league tournament x 10,000 participants",
        "b": "(b) 1,000 league tournaments x 10 participants, one tick",
        "c": "(c) matches tick writing a round of 10 ended matches x 10,000 predictions",
        "d": "(d) a corrected result of one such match",
    }
    lines = [
        f"standings: {result['predictions']:,} predictions (seeded in {result['seeded_s']} s)",
        f"  floor: bare GROUP BY over one tournament's 3.8 M predictions: {floor * 1000:.0f} ms (median of 3)",
        f"  {'case':<78} {'time':>9} {'ratio':>7} {'target':>7}",
    ]
    for key, label in labels.items():
        seconds = result["cases"][key]
        ratio = seconds / floor
        lines.append(
            f"  {label:<78} {seconds * 1000:>6.0f} ms {ratio:>6.3f}x {'<= ' + str(TARGETS[key]) + 'x':>7}"
            f" {'met' if ratio <= TARGETS[key] else 'MISSED'}"
        )
    render = result["render"]
    lines.append(
        f"  and, when a result marks up-to-date league tournaments outdata, rendering at commit the pages of the "
        f"{render['leagues']:,} leagues\n  following its tournament: {render['seconds'] * 1000:.0f} ms = "
        f"{render['seconds'] / floor:.3f}x the floor (median of 3; in (c) and (d) the rows are outdata already)"
    )
    pages = result["pages"]
    if "skipped" in pages:
        lines.append(f"  pages: {pages['skipped']}")
    else:
        lines.append(
            f"  pages (wrk, 8 connections, gunicorn as configured; best of {PAIRS} alternating {PAIR_SECONDS} s "
            f"windows of /readyz and of the page; p99 the median of the windows'):"
        )
        for key, label, target in (
            ("league_page", "whole-league page, any offset", 0.5),
            ("tournament_page", "per-tournament page, any offset", 0.6),
            ("league", "GET /api/leagues/<id>", 0.9),
            ("league_304", "GET /api/leagues/<id> with If-None-Match (304)", 0.9),
        ):
            figures = pages[key]
            lines.append(
                f"    {label:<48} {figures['rate']:>7,.0f} req/s = {figures['share']:>4.0%} of /readyz "
                f"({figures['readyz_rate']:,.0f} req/s, p99 {figures['readyz_p99_ms']} ms; target >= {target:.0%}) "
                f"{'met' if figures['share'] >= target else 'MISSED'}, p99 {figures['p99_ms']} ms, "
                f"{figures['responses']}"
            )
    lines.append("  plan of (a), the recalculation:\n    " + result["plan_a"].replace("\n", "\n    "))
    lines.append("  plan of the whole-league page at offset 9,000:\n    " + result["page_plan"].replace("\n", "\n    "))
    return "\n".join(lines)
