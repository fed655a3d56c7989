"""`make demo`: import fixtures, seed a league, run both ticks over HTTP, print what changed,
then the matchday view (rounds, movement, a participant's points) the front end reads.

Everything runs locally and is torn down at the end: an embedded PostgreSQL in a temporary
directory, the SofaScore stand-in, and gunicorn serving the app.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

import psycopg
import requests
from psycopg.rows import dict_row

from commands.status import render as render_status
from demo.standin import StandInServer

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = ("Ana", "Ben", "Cid", "Dee")
# Each person's prediction per SofaScore event id.
PREDICTIONS = {
    9001: ((2, 1), (1, 0), (3, 1), (0, 0)),
    9002: ((0, 0), (1, 1), (2, 2), (1, 1)),
    9003: ((1, 2), (0, 3), (0, 1), (1, 3)),
    9004: ((1, 0), (3, 0), (2, 0), (2, 1)),
    9005: ((2, 0), (1, 1), (3, 1), (2, 1)),
    9006: ((1, 1), (2, 0), (0, 2), (1, 1)),
    9007: ((0, 0), (1, 0), (2, 2), (1, 1)),
    9008: ((1, 2), (0, 1), (2, 1), (0, 2)),
    9101: ((2, 1), (1, 1), (3, 2), (2, 0)),
    9102: ((1, 1), (2, 1), (0, 0), (1, 1)),
}


def say(text: str = "") -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


class Api:
    def __init__(self, base: str, token: str):
        self.base = base
        # The demo plays Railway cron: its ticks are the schedule the status checks.
        self.auth = {"Authorization": f"Bearer {token}", "X-Tick-Trigger": "cron"}

    def get(self, path: str, **kw) -> dict:
        return requests.get(f"{self.base}{path}", headers=self.auth, timeout=60, **kw).json()

    def tick(self, kind: str) -> dict:
        response = requests.post(f"{self.base}/internal/tick/{kind}", headers=self.auth, timeout=330)
        response.raise_for_status()
        return response.json()

    def league_status(self, league_id: int) -> str:
        league = self.get(f"/api/leagues/{league_id}")
        parts = ", ".join(f"{t['name']}: {t['participants_scores_status']}" for t in league["tournaments"])
        return f"{league['participants_scores_status']}  ({parts})"


def seed_league(conn: psycopg.Connection) -> int:
    conn.execute("update tournament set scoring_result = 'after_extra_time' where sofascore_unique_tournament_id = 901")
    league_id = conn.execute("insert into league (name) values ('Office pool') returning id").fetchone()["id"]
    conn.execute(
        "insert into league_tournament (league_id, tournament_id) select %s, id from tournament order by id",
        (league_id,),
    )
    users = [
        conn.execute("insert into app_user (name) values (%s) returning id", (n,)).fetchone()["id"] for n in PEOPLE
    ]
    for user_id in users:
        conn.execute("insert into league_participant (league_id, user_id) values (%s, %s)", (league_id, user_id))
    for event_id, guesses in PREDICTIONS.items():
        for user_id, (home, away) in zip(users, guesses, strict=True):
            conn.execute(
                """insert into prediction (user_id, match_id, home_score, away_score)
                            select %s, id, %s, %s from match where sofascore_event_id = %s""",
                (user_id, home, away, event_id),
            )
    return league_id


def print_matches(conn: psycopg.Connection) -> None:
    rows = conn.execute("""select t.name as tournament, m.home_team, m.away_team, m.status, m.home_score, m.away_score,
                                  m.home_score_regular, m.away_score_regular, m.home_penalties, m.away_penalties
                             from match m join tournament t on t.id = m.tournament_id order by m.sofascore_event_id""")
    for r in rows:
        score = ""
        if r["status"] == "ended":
            score = f"{r['home_score']}-{r['away_score']}"
            if (r["home_score_regular"], r["away_score_regular"]) != (r["home_score"], r["away_score"]):
                score += f" (90': {r['home_score_regular']}-{r['away_score_regular']})"
            if r["home_penalties"] is not None:
                score += f" pens {r['home_penalties']}-{r['away_penalties']}"
        say(f"    {r['tournament']:<20} {r['home_team']:>12} v {r['away_team']:<12} {r['status']:<10} {score}")


def print_standings(api: Api, league_id: int, tournament: dict | None) -> None:
    query = f"?tournament_id={tournament['tournament_id']}" if tournament else ""
    body = api.get(f"/api/leagues/{league_id}/standings{query}")
    say(f"  {tournament['name'] if tournament else 'Whole league'} ({body['participants_scores_status']})")
    say("    rank  name  points  exact  goal-diff  outcome")
    for s in body["standings"]:
        say(
            f"    {s['rank']:>4}  {s['name']:<4}  {s['points']:>6}  {s['exact_count']:>5}  "
            f"{s['goal_difference_count']:>9}  {s['outcome_count']:>7}"
        )


def movement(row: dict) -> str:
    """A matchday table's arrow: places gained or lost since the round before (`previous_rank`)."""
    before, now = row["previous_rank"], row["rank"]
    if before is None:
        return "new"
    return "=" if before == now else f"↑{before - now}" if before > now else f"↓{now - before}"


def print_rounds(api: Api, league_id: int, tournament: dict) -> str | None:
    body = api.get(f"/api/leagues/{league_id}/rounds", params={"tournament_id": tournament["tournament_id"]})
    say(f"  {tournament['name']}: rounds (current: {body['current_round']})")
    say("    key                ended  winners")
    for r in body["rounds"]:
        winners = ", ".join(f"{w['name']} ({w['points']})" for w in r["winners"]) or "-"
        ended = f"{r['matches_ended']}/{r['matches']}"
        say(f"    {r['key']:<17}  {ended:>5}  {winners}")
    return body["current_round"]


def print_round_standings(api: Api, league_id: int, tournament: dict, round_key: str) -> dict:
    params = {"tournament_id": tournament["tournament_id"], "round": round_key}
    body = api.get(f"/api/leagues/{league_id}/standings", params=params)
    query = f"tournament_id={params['tournament_id']}&round={round_key}"
    say(f"  {tournament['name']}: standings after {round_key} (GET .../standings?{query})")
    say("    rank  move  name  round  points")
    for s in body["standings"]:
        say(f"    {s['rank']:>4}  {movement(s):<4}  {s['name']:<4}  {s['round_points']:>5}  {s['points']:>6}")
    return body


def predictions_of(api: Api, league_id: int, user_id: int, **params) -> dict:
    return api.get(f"/api/leagues/{league_id}/participants/{user_id}/predictions", params=params)


def print_predictions(body: dict) -> None:
    say("    round  match                   status     result  guess  tier             points")
    for p in body["predictions"]:
        match = f"{p['home_team']} v {p['away_team']}"
        result = f"{p['result']['home']}-{p['result']['away']}" if p["result"] else "-"
        guess = f"{p['prediction']['home']}-{p['prediction']['away']}"
        say(
            f"    {p['round']:<5}  {match:<22}  {p['status']:<9}  {result:<6}  {guess:<5}  "
            f"{p['tier'] or '-':<15}  {p['points']:>6}"
        )
    say(f"    {'total':>72}  {body['points']:>6}")


def print_matchday(api: Api, conn: psycopg.Connection, league_id: int, tournaments: list[dict]) -> None:
    """The matchday view the front end builds from the rounds endpoints, read the same way."""
    current = [print_rounds(api, league_id, t) for t in tournaments]
    tournament, round_key = tournaments[0], current[0]  # the league (two rounds), not the cup (one)
    leader = print_round_standings(api, league_id, tournament, round_key)["standings"][0]
    say(
        f"  why does {leader['name']} have {leader['points']} points? "
        f"(GET .../participants/{leader['user_id']}/predictions?tournament_id={tournament['tournament_id']})"
    )
    print_predictions(predictions_of(api, league_id, leader["user_id"], tournament_id=tournament["tournament_id"]))
    # The postponed match gets a new date next week (as the matches tick writes it from SofaScore):
    # from then on its predictions are left out until it kicks off.
    moved = conn.execute(
        """update match set status = 'open', start_time = date_trunc('hour', now()) + interval '7 days'
            where sofascore_event_id = 9006 returning home_team, away_team, start_time"""
    ).fetchone()
    kickoff = moved["start_time"].astimezone(UTC)
    say(
        f"  {moved['home_team']} v {moved['away_team']} gets a new date, {kickoff:%Y-%m-%d %H:%M} UTC: "
        "not kicked off, so nobody sees its predictions"
    )
    body = predictions_of(api, league_id, leader["user_id"], tournament_id=tournament["tournament_id"], round=round_key)
    shown = ", ".join(f"{p['home_team']} v {p['away_team']}" for p in body["predictions"])
    say(f"    {leader['name']}, {round_key} (&round={round_key}): {shown}; {body['points']} points")


def main() -> None:
    import pgserver

    started = time.monotonic()
    token = secrets.token_urlsafe(16)
    port = free_port()
    say("== Match-results pipeline demo ==")
    with tempfile.TemporaryDirectory(prefix="pipeline-demo-") as tmp, StandInServer(phase="fixtures") as standin:
        server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="delete")
        gunicorn = None
        try:
            # FLASK_SKIP_DOTENV: a developer's .env is for `make run`; the demo runs on what it sets here.
            env = {
                **os.environ,
                "DATABASE_URL": server.get_uri(),
                "SOFASCORE_BASE_URL": standin.base_url,
                "INTERNAL_API_TOKEN": token,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "1",
                "FLASK_SKIP_DOTENV": "1",
            }
            say(f"1. embedded PostgreSQL started; {flask(env, 'migrate')}")
            say(f"2. SofaScore stand-in at {standin.base_url} (serving fixtures)")
            for utid in (900, 901):
                summary = json.loads(
                    flask(env, "import-tournament", "--unique-tournament", str(utid), "--season", "2526")
                )
                say(
                    f"3. import-tournament {utid}/2526: {summary['matches_created']} matches created "
                    f"in {summary['rounds']} round(s)"
                )
            with psycopg.connect(server.get_uri(), autocommit=True, row_factory=dict_row) as conn:
                league_id = seed_league(conn)
                say(
                    f"4. seeded league 'Office pool' (id {league_id}): {len(PEOPLE)} participants, "
                    f"{len(PREDICTIONS) * len(PEOPLE)} predictions; the cup is scored after extra time"
                )

                gunicorn = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                            break
                    except requests.ConnectionError:
                        time.sleep(0.2)
                api = Api(base, token)
                say(f"5. gunicorn serving {base}; /readyz is ready")
                say(f"  league status: {api.league_status(league_id)}")
                first = api.tick("scores")
                say(
                    f"  POST /internal/tick/scores -> {first['league_tournaments_updated']} "
                    "league tournaments calculated"
                )
                say(f"  league status: {api.league_status(league_id)}")

                say()
                say("-- final whistle: the stand-in now serves results --")
                standin.phase = "results"
                summary = api.tick("matches")
                say(f"6. POST /internal/tick/matches -> {json.dumps(summary)}")
                print_matches(conn)
                say(f"  league status: {api.league_status(league_id)}")

                say()
                summary = api.tick("scores")
                say(f"7. POST /internal/tick/scores -> {json.dumps(summary)}")
                say("  (a page load during the tick sees 'syncing' for the tournament being calculated)")
                league = api.get(f"/api/leagues/{league_id}")
                say(f"  league status: {api.league_status(league_id)}")

                say()
                say("8. standings")
                print_standings(api, league_id, None)
                for tournament in league["tournaments"]:
                    print_standings(api, league_id, tournament)
                runs = api.get("/internal/runs", params={"limit": 5})["runs"]
                say()
                say("9. run history (GET /internal/runs)")
                for run in runs:
                    say(f"    #{run['id']} {run['kind']:<7} {run['trigger']:<6} {run['outcome']}")
                say()
                say("10. is the pipeline healthy? (GET /internal/status, or flask --app app status)")
                say("    " + render_status(api.get("/internal/status")).replace("\n", "\n    "))
                say()
                say(f"11. flask --app app scores verify: {flask(env, 'scores', 'verify')}")
                say()
                say("12. matchday view (GET /api/leagues/<id>/rounds, standings?round=, participants/<id>/predictions)")
                print_matchday(api, conn, league_id, league["tournaments"])
        finally:
            if gunicorn is not None:
                gunicorn.terminate()
                gunicorn.wait(timeout=30)
            server.cleanup()
    say()
    say(f"done in {time.monotonic() - started:.1f} s; everything it started is stopped.")


if __name__ == "__main__":
    main()
