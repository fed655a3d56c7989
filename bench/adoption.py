"""Adopting the app's existing database at the target size (SPEC §4.1), and what the
pipeline's triggers then add to the app's commonest writes.

Seed, on an empty database with the app's own schema (`tests.legacy.APP_SCHEMA`: serial ids,
its audit trigger on predictions), bulk-loaded with triggers off: 10,000 users who each
predicted every match of one tournament of 380 ended matches and 20 open ones (4.0 M
predictions, 3.8 M of them on ended matches), 1,000 newcomers who predicted nothing and
belong to no league yet, 19 more tournaments (no matches yet), 1,000 leagues of 10 users
following the first tournament, and "Twenty" (the 10,000 users, following all 20).

1. Adoption: `flask --app app migrate` as a subprocess while two app writers keep writing
   (prediction upserts on open and ended matches, joins and leaves, one statement a
   transaction, each timed); then scores ticks (the real service) until nothing is outdata,
   and `flask --app app scores verify`.
2. Write overhead, on that adopted database: each of the app's commonest writes, one
   autocommit statement at a time, with the pipeline's triggers enabled and with them
   disabled (the app's own audit trigger stays enabled in both), the two conditions
   alternating, case by case, over several rounds so that the machine's noise falls on both.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from bench.common import bench_database
from bootstrap import bootstrap
from config import Settings
from database.contract import pipeline_objects
from database.migrations import SQL_DIR
from tests.legacy import APP_SCHEMA

ROOT = Path(__file__).resolve().parent.parent
USERS, NEWCOMERS, ENDED, OPEN, EXTRA_TOURNAMENTS, SMALL_LEAGUES, SMALL_SIZE = 10_000, 1_000, 380, 20, 19, 1_000, 10
WRITERS, WRITER_PAUSE_S = 2, 0.005  # each app writer: one write, then this pause (about 150 writes/s each)
ROUNDS = 8  # write overhead: rounds of (with, without) in alternating order, per case
REPEATS = {"insert_open": 1_000, "update_open": 1_000, "join": 100, "join_outdata": 100, "update_ended": 100}
WARM_UP = 10  # discarded, after each switch of the triggers
SERVER_ROUNDS = 3  # the server-side diagnostic: rounds of (with, without), each rolled back
RATE_TARGET, JOIN_P99_TARGET_MS = 0.8, 20.0

SEED = [
    "set session_replication_role = replica",  # bulk load: the app's audit trigger stays out of it
    f"""insert into tournament (name, sofascore_unique_tournament_id, sofascore_season_id)
        select 'Tournament ' || t, t, 2526 from generate_series(1, {1 + EXTRA_TOURNAMENTS}) t""",
    f"""insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time, status,
                           home_score, away_score, home_score_regular, away_score_regular)
        select 1, 1000 + i, 1 + (i - 1) / 10, 'H', 'A', timestamp '2025-08-15' + (i / 10) * interval '1 week',
               'ended', (i + 1) % 4, (i / 4) % 3, (i + 1) % 4, (i / 4) % 3
          from generate_series(1, {ENDED}) i""",
    f"""insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time)
        select 1, 900000 + i, 39 + (i - 1) / 10, 'H', 'A', timestamp '2027-05-01' from generate_series(1, {OPEN}) i""",
    f"""insert into app_user (name, email) select 'user ' || lpad(i::text, 5, '0'), 'u' || i || '@example.com'
          from generate_series(1, {USERS + NEWCOMERS}) i""",
    f"""insert into prediction (user_id, match_id, home_score, away_score)
        select u.id, m.id, (u.id + m.id) % 4, (u.id * m.id) % 3 from app_user u, match m where u.id <= {USERS}""",
    f"insert into league (name) select 'Small ' || i from generate_series(1, {SMALL_LEAGUES}) i",
    "insert into league (name) values ('Twenty')",
    f"""insert into league_participant (league_id, user_id)
        select l.id, u.id from league l join app_user u on (u.id - 1) / {SMALL_SIZE} = l.id - 1
         where l.name like 'Small %%'
        union all
        select l.id, u.id from league l, app_user u where l.name = 'Twenty' and u.id <= {USERS}""",
    """insert into league_tournament (league_id, tournament_id)
       select l.id, 1 from league l where l.name like 'Small %%'
       union all select l.id, t.id from league l, tournament t where l.name = 'Twenty'""",
    "set session_replication_role = origin",
    "analyze",
]

# The pipeline's triggers: those whose function is one of its routines (the app's own stay on).
PIPELINE_TRIGGERS = """
select c.relname as table_name, t.tgname as trigger_name
  from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
 where not t.tgisinternal and c.relnamespace = 'public'::regnamespace and p.proname = any(%(routines)s)
 order by 1, 2
"""


def _server_side(first_open: int) -> dict[str, str]:
    """Where the time goes: (a) and (b) as statements of one DO block, to be rolled back, so the
    triggers' own work is seen without the commit's WAL flush and the client's round trip."""
    return {
        "insert_open": f"""
do $$ declare m integer; begin
    for u in {USERS + 1}..{USERS + NEWCOMERS} loop
        for m in select id from match where status = 'open' loop
            insert into prediction (user_id, match_id, home_score, away_score) values (u, m, u % 4, m % 3);
        end loop;
    end loop;
end $$""",
        "update_open": f"""
do $$ begin
    for i in 1..{NEWCOMERS * OPEN} loop
        update prediction set home_score = i % 5, away_score = 1, updated_at = now()
         where user_id = 1 + (i * 7919) % {USERS} and match_id = {first_open} + i % {OPEN};
    end loop;
end $$""",
    }


UP_TO_DATE = """
update league_tournament set participants_scores_status = 'up-to-date', participants_scores_updated_at = now(),
       sync_claimed_at = null, sync_run_id = null
 where id = any(%(ids)s)
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class AppWriter(threading.Thread):
    """The app's commonest writes, one statement a transaction, each timed, until told to stop
    (as tests/e2e/test_adoption_online.py's writer does, at a pace)."""

    def __init__(self, url: str, seed: int, stop: threading.Event, matches: dict[str, list[int]], small: dict):
        super().__init__(daemon=True)
        self.url, self.random, self.stop, self.matches, self.small = url, random.Random(seed), stop, matches, small
        self.writes: list[tuple[float, float, str]] = []  # (started, seconds, kind)
        self.errors: list[str] = []

    def write(self, conn: psycopg.Connection) -> str:
        user = self.random.randint(1, USERS)
        roll = self.random.random()
        if roll < 0.8:
            kind = "upserts on open matches" if roll < 0.4 else "upserts on ended matches"
            match = self.random.choice(self.matches["open" if roll < 0.4 else "ended"])
            conn.execute(
                "insert into prediction (user_id, match_id, home_score, away_score) values (%s, %s, %s, %s)"
                " on conflict (user_id, match_id) do update set home_score = excluded.home_score,"
                " away_score = excluded.away_score, updated_at = now()",
                (user, match, self.random.randint(0, 3), self.random.randint(0, 3)),
            )
            return kind
        league = self.small[user]
        if roll < 0.9:
            conn.execute(
                "insert into league_participant (league_id, user_id) values (%s, %s) on conflict do nothing",
                (league, user),
            )
            return "joins"
        conn.execute("delete from league_participant where league_id = %s and user_id = %s", (league, user))
        return "leaves"

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                started = time.time()
                clock = time.perf_counter()
                try:
                    kind = self.write(conn)
                except psycopg.Error as exc:
                    kind = "errors"
                    self.errors.append(repr(exc))
                self.writes.append((started, time.perf_counter() - clock, kind))
                time.sleep(WRITER_PAUSE_S)


def _flask(url: str, *args: str, timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_SKIP_DOTENV": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, time.perf_counter() - started


def _adopt(url: str, conn: psycopg.Connection, matches: dict[str, list[int]], small: dict) -> dict:
    """`migrate` beside the app's writers; the steps' end times from schema_adoption."""
    stop = threading.Event()
    writers = [AppWriter(url, seed, stop, matches, small) for seed in range(1, WRITERS + 1)]
    for writer in writers:
        writer.start()
    time.sleep(2)  # writing before migrate starts
    started = time.time()
    migrate, wall_s = _flask(url, "migrate", timeout=1800)
    time.sleep(2)  # and after it
    stop.set()
    for writer in writers:
        writer.join(30)
    if migrate.returncode != 0:
        raise RuntimeError(f"migrate failed: {migrate.stderr}")
    ends = {
        row["step"]: row["at"] - started
        for row in conn.execute(
            "select step, extract(epoch from done_at)::float as at from schema_adoption"
            " union all select 'schema', extract(epoch from min(applied_at))::float from schema_migration"
        )
    }
    writes = [w for writer in writers for w in writer.writes]
    during = [w for w in writes if started <= w[0] <= started + wall_s]
    longest = max(writes, key=lambda w: w[1])
    offset = longest[0] - started
    phases = [
        ("migrate's start-up", ends["schema"]),
        ("the schema and indexes steps", ends["indexes"]),
        ("the constraints step", ends["constraints"]),
        ("the tallies step", ends["tallies"]),
        ("the pages step", ends["pages"]),
    ]
    phase = "before migrate" if offset < 0 else next((name for name, end in phases if offset <= end), "after migrate")
    return {
        "wall_s": wall_s,
        "steps": ends,
        "writes": len(writes),
        "writes_during": len(during),
        "kinds": {kind: sum(1 for w in writes if w[2] == kind) for kind in sorted({w[2] for w in writes})},
        "longest_ms_by_kind": {
            kind: max(w[1] for w in writes if w[2] == kind) * 1000 for kind in sorted({w[2] for w in writes})
        },
        "errors": [e for writer in writers for e in writer.errors],
        "longest_s": longest[1],
        "longest_kind": longest[2],
        "longest_when": f"{offset:.1f} s after migrate started, in {phase}",
        "p99_ms": _percentile([w[1] for w in during], 0.99) * 1000,
        "median_ms": statistics.median(w[1] for w in during) * 1000,
    }


def _catch_up(url: str) -> dict:
    """Scores ticks, the real service as the cron calls it, until nothing is waiting."""
    services = bootstrap(Settings(database_url=url), clock=lambda: datetime.now(UTC), sleep=time.sleep)
    started, ticks, claimed = time.perf_counter(), 0, 0
    try:
        while True:
            summary = services.run_scores_tick(trigger="cli")
            ticks += 1
            claimed += summary["league_tournaments_claimed"]
            if not summary["league_tournaments_claimed"]:
                break
    finally:
        services.close()
    return {"ticks": ticks, "claimed": claimed, "seconds": time.perf_counter() - started}


class Triggers:
    """The pipeline's triggers, switched on and off together."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        routines = pipeline_objects(SQL_DIR).routines
        self.names = [
            (r["table_name"], r["trigger_name"]) for r in conn.execute(PIPELINE_TRIGGERS, {"routines": routines})
        ]

    def switch(self, enabled: bool) -> None:
        action = sql.SQL("enable" if enabled else "disable")
        for table, trigger in self.names:
            self.conn.execute(
                sql.SQL("alter table {} {} trigger {}").format(sql.Identifier(table), action, sql.Identifier(trigger))
            )


def _timed(conn: psycopg.Connection, statement: str, params: tuple) -> float:
    started = time.perf_counter()
    conn.execute(statement, params)
    return time.perf_counter() - started


def _overhead(conn: psycopg.Connection, matches: dict[str, list[int]], small: dict) -> dict:
    rng = random.Random(7)
    twenty = conn.execute("select id from league where name = 'Twenty'").fetchone()["id"]
    twenty_rows = [r["id"] for r in conn.execute("select id from league_tournament where league_id = %s", (twenty,))]
    first_tournament_rows = {  # by league: every small league's row, and Twenty's of the first tournament
        r["league_id"]: r["id"]
        for r in conn.execute("select league_id, id from league_tournament where tournament_id = 1")
    }
    fresh = [(u, m) for u in range(USERS + 1, USERS + NEWCOMERS + 1) for m in matches["open"]]
    rng.shuffle(fresh)
    newcomers = list(range(USERS + 1, USERS + NEWCOMERS + 1))

    def insert_open() -> float:
        user, match = fresh.pop()
        return _timed(
            conn,
            "insert into prediction (user_id, match_id, home_score, away_score) values (%s, %s, %s, %s)",
            (user, match, rng.randint(0, 3), rng.randint(0, 3)),
        )

    def update(kind: str) -> float:
        user, match = rng.randint(1, USERS), rng.choice(matches[kind])
        if kind == "ended":  # from up to date: the user's two league tournaments of this tournament
            conn.execute(UP_TO_DATE, {"ids": [first_tournament_rows[small[user]], first_tournament_rows[twenty]]})
        return _timed(
            conn,
            "update prediction set home_score = %s, away_score = %s, updated_at = now()"
            " where user_id = %s and match_id = %s",
            (rng.randint(0, 4), rng.randint(0, 4), user, match),
        )

    def join(up_to_date: bool) -> float:
        user = rng.choice(newcomers)
        if up_to_date:  # what a join finds once the scores tick has caught up since the last change
            conn.execute(UP_TO_DATE, {"ids": twenty_rows})
        seconds = _timed(conn, "insert into league_participant (league_id, user_id) values (%s, %s)", (twenty, user))
        conn.execute("delete from league_participant where league_id = %s and user_id = %s", (twenty, user))
        return seconds

    cases = {
        "insert_open": insert_open,
        "update_open": lambda: update("open"),
        "join": lambda: join(True),
        "join_outdata": lambda: join(False),
        "update_ended": lambda: update("ended"),
    }
    triggers = Triggers(conn)
    blocks = _server_side(min(matches["open"]))
    server: dict[str, dict[bool, list[float]]] = {case: {True: [], False: []} for case in blocks}
    for round_ in range(SERVER_ROUNDS):
        for case, block in blocks.items():
            for condition in (True, False) if round_ % 2 == 0 else (False, True):
                triggers.switch(condition)
                with conn.transaction(force_rollback=True):
                    started = time.perf_counter()
                    conn.execute(block)
                    server[case][condition].append((time.perf_counter() - started) / (NEWCOMERS * OPEN))
    triggers.switch(True)
    times: dict[str, dict[bool, list[float]]] = {case: {True: [], False: []} for case in cases}
    enabled = True
    for round_ in range(ROUNDS):
        for case, action in cases.items():
            for condition in (True, False) if round_ % 2 == 0 else (False, True):
                if condition != enabled:
                    triggers.switch(condition)
                    enabled = condition
                for _ in range(WARM_UP):
                    action()
                times[case][condition] += [action() for _ in range(REPEATS[case])]
    if not enabled:
        triggers.switch(True)
    return {
        "triggers": triggers.names,
        "server_us": {
            case: {("with" if c else "without"): statistics.median(v) * 1e6 for c, v in by_condition.items()}
            for case, by_condition in server.items()
        },
        "cases": {
            case: {
                ("with" if condition else "without"): {
                    "n": len(values),
                    "rate": len(values) / sum(values),
                    "median_ms": statistics.median(values) * 1000,
                    "p99_ms": _percentile(values, 0.99) * 1000,
                }
                for condition, values in by_condition.items()
            }
            for case, by_condition in times.items()
        },
    }


def run() -> dict:
    with bench_database(migrated=False) as url, psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        started = time.perf_counter()
        conn.execute(APP_SCHEMA)
        for statement in SEED:
            conn.execute(statement)
        seeded_s = time.perf_counter() - started
        counts = conn.execute(
            "select count(*) as predictions, count(*) filter (where m.status = 'ended') as ended"
            " from prediction p join match m on m.id = p.match_id"
        ).fetchone()
        matches = {
            kind: [r["id"] for r in conn.execute("select id from match where status = %s order by id", (status,))]
            for kind, status in (("ended", "ended"), ("open", "open"))
        }
        small = {
            r["user_id"]: r["league_id"]
            for r in conn.execute(
                "select lp.user_id, lp.league_id from league_participant lp join league l on l.id = lp.league_id"
                " where l.name like 'Small %%'"
            )
        }
        adoption = _adopt(url, conn, matches, small)
        catch_up = _catch_up(url)
        waiting = conn.execute(
            "select count(*) as n from league_tournament where participants_scores_status <> 'up-to-date'"
        ).fetchone()["n"]
        verify, verify_s = _flask(url, "scores", "verify", timeout=1800)
        started = time.perf_counter()
        conn.execute("vacuum analyze")  # the writes measured on a settled database, not beside autovacuum
        vacuum_s = time.perf_counter() - started
        overhead = _overhead(conn, matches, small)
    return {
        "seeded_s": round(seeded_s, 1),
        "predictions": counts["predictions"],
        "ended_predictions": counts["ended"],
        "adoption": adoption,
        "catch_up": catch_up,
        "waiting_after": waiting,
        "verify": {
            "exit": verify.returncode,
            "seconds": verify_s,
            "last_line": (verify.stdout + verify.stderr).strip().splitlines()[-1:],
        },
        "vacuum_s": vacuum_s,
        "overhead": overhead,
    }


def report(result: dict) -> str:
    a = result["adoption"]
    steps = a["steps"]
    lines = [
        f"adoption: the app's database, {USERS:,} users x {ENDED} ended matches "
        f"({result['ended_predictions']:,} predictions on ended matches, {result['predictions']:,} in all; "
        f"seeded in {result['seeded_s']} s)",
        f"  migrate, {WRITERS} app writers throughout: {a['wall_s']:.1f} s wall "
        f"(from its start: the schema step began at {steps['schema']:.1f} s; done at: "
        f"indexes {steps['indexes']:.1f} s, constraints {steps['constraints']:.1f} s, "
        f"tallies {steps['tallies']:.1f} s, pages {steps['pages']:.1f} s)",
        f"  app writers: {a['writes']:,} writes ({a['writes_during']:,} during migrate; "
        + ", ".join(f"{count:,} {kind}" for kind, count in a["kinds"].items())
        + f"), {len(a['errors'])} errors"
        f" {'met' if not a['errors'] else 'MISSED: ' + '; '.join(a['errors'][:3])}; "
        f"longest wait {a['longest_s'] * 1000:.0f} ms (one of the {a['longest_kind']}, {a['longest_when']}); "
        f"during migrate p99 {a['p99_ms']:.1f} ms, median {a['median_ms']:.2f} ms",
        "    longest wait of each kind: "
        + ", ".join(f"{kind} {ms:.0f} ms" for kind, ms in a["longest_ms_by_kind"].items()),
        f"  scores ticks until nothing is outdata: {result['catch_up']['ticks']} ticks, "
        f"{result['catch_up']['claimed']:,} league tournaments, {result['catch_up']['seconds']:.1f} s; "
        f"{result['waiting_after']} left waiting",
        f"  scores verify: exit {result['verify']['exit']} "
        f"({'clean' if result['verify']['exit'] == 0 else 'DIFFERENCES'}; "
        f"{' '.join(result['verify']['last_line'])}) in {result['verify']['seconds']:.1f} s",
    ]
    o = result["overhead"]
    tables = sorted({table for table, _ in o["triggers"]})
    lines.append(
        f"write overhead: one autocommit statement at a time, the pipeline's {len(o['triggers'])} triggers on "
        f"{', '.join(tables)} enabled vs disabled (the app's audit trigger on in both), {ROUNDS} alternating rounds"
    )
    lines.append(f"  {'case':<58} {'with the pipeline':>24} {'without':>24} {'ratio':>6}  target")
    lines.append(f"  {'':<58} {'rate, median / p99':>24} {'rate, median / p99':>24}")
    labels = {
        "insert_open": "(a) insert a prediction, open match",
        "update_open": "(b) update a prediction, open match",
        "join": '(c) join "Twenty" (20 tournaments, all up to date)',
        "join_outdata": "    the same join, its league tournaments outdata already",
        "update_ended": "(d) edit a prediction, ended match (its 2 rows up to date)",
    }
    for case, label in labels.items():
        w, wo = o["cases"][case]["with"], o["cases"][case]["without"]
        ratio = w["rate"] / wo["rate"]
        cells = [f"{x['rate']:,.0f}/s, {x['median_ms']:.2f} / {x['p99_ms']:.2f} ms" for x in (w, wo)]
        if case in ("insert_open", "update_open"):
            target = f"rate >= {RATE_TARGET}x {'met' if ratio >= RATE_TARGET else 'MISSED'}"
        elif case == "join":
            target = f"p99 <= {JOIN_P99_TARGET_MS:g} ms {'met' if w['p99_ms'] <= JOIN_P99_TARGET_MS else 'MISSED'}"
        else:
            target = "-"
        lines.append(f"  {label:<58} {cells[0]:>24} {cells[1]:>24} {ratio:>5.2f}x  {target}")
    n = {case: o["cases"][case]["with"]["n"] for case in labels}
    lines.append(
        "  rate: writes a second on one connection, one after another; ratio: the rate with the pipeline over the rate"
        " without; n = " + ", ".join(f"{v:,}" for v in n.values()) + " per condition"
    )
    statements = {"insert_open": "(a)", "update_open": "(b)"}
    lines.append(
        f"  server side, {NEWCOMERS * OPEN:,} statements in one DO block, rolled back (no commit, no round trip; "
        f"median of {SERVER_ROUNDS}):"
    )
    for case, us in o["server_us"].items():
        lines.append(
            f"    {statements[case]} {us['with']:.0f} us a statement with the pipeline, {us['without']:.0f} us without:"
            f" the triggers add {us['with'] - us['without']:.0f} us"
        )
    return "\n".join(lines)
