"""The app's database as an older app would have built it, before the pipeline: serial ids,
`timestamp` kick-offs, its own columns, table and trigger, stale `participant_score` rows, and
a season of real results (EURO 2024, ../shared/data) with its users' predictions."""

from __future__ import annotations

import json

import psycopg
from psycopg.rows import tuple_row

from tests.support import ROOT

EURO_2024 = ROOT.parent / "shared" / "data" / "euro2024.json"
# SofaScore's knockout round numbers are arbitrary: these are EURO 2024's shape, not its order.
ROUND_NUMBERS = {
    "Matchday 1": 1,
    "Matchday 2": 2,
    "Matchday 3": 3,
    "Round of 16": 5,
    "Quarter-finals": 27,
    "Semi-finals": 28,
    "Final": 29,
}
USERS = 12

APP_SCHEMA = """
create table tournament (
    id serial primary key,
    name varchar(200) not null,
    sofascore_unique_tournament_id integer not null,
    sofascore_season_id integer not null,
    scoring_result text not null default 'regular_time',
    logo_url text,
    unique (sofascore_unique_tournament_id, sofascore_season_id)
);
create table match (
    id serial primary key,
    tournament_id integer not null references tournament (id),
    sofascore_event_id bigint not null unique,
    round_number integer not null,
    round_slug text,
    round_prefix text,
    home_team text not null,
    away_team text not null,
    start_time timestamp not null,
    status text not null default 'open',
    home_score integer, away_score integer,
    home_score_regular integer, away_score_regular integer,
    home_penalties integer, away_penalties integer,
    venue text
);
create table league (
    id serial primary key,
    name text not null,
    points_exact integer not null default 4,
    points_goal_difference integer not null default 3,
    points_outcome integer not null default 2,
    owner_email text
);
create table league_tournament (
    id serial primary key,
    league_id integer not null references league (id) on delete cascade,
    tournament_id integer not null references tournament (id),
    unique (league_id, tournament_id)
);
create table app_user (id serial primary key, name text not null, email text);
create table league_participant (
    league_id integer not null references league (id) on delete cascade,
    user_id integer not null references app_user (id) on delete cascade,
    joined_at timestamp default now(),
    primary key (league_id, user_id)
);
create table prediction (
    user_id integer not null references app_user (id) on delete cascade,
    match_id integer not null references match (id) on delete cascade,
    home_score integer not null check (home_score >= 0),
    away_score integer not null check (away_score >= 0),
    updated_at timestamp default now(),
    primary key (user_id, match_id)
);
create index prediction_updated_idx on prediction (updated_at);
create table participant_score (
    league_tournament_id integer not null references league_tournament (id) on delete cascade,
    user_id integer not null references app_user (id) on delete cascade,
    points integer not null, exact_count integer not null, goal_difference_count integer not null,
    outcome_count integer not null, rank integer not null,
    primary key (league_tournament_id, user_id)
);
create table app_audit (id serial primary key, happened_at timestamp not null default now(), what text not null);
create function app_audit_prediction() returns trigger language plpgsql as $$
begin
    insert into app_audit (what) values ('prediction ' || new.user_id || '/' || new.match_id);
    return new;
end;
$$;
create trigger app_audits_predictions after insert on prediction for each row execute function app_audit_prediction();
"""


def euro_matches() -> list[dict]:
    """EURO 2024's 51 matches as rows of `match`, with the final, 90-minute and shoot-out scores."""
    rounds = json.loads(EURO_2024.read_text(encoding="utf-8"))["rounds"]
    rows = []
    for round_ in rounds:
        for match in round_["matches"]:
            score = match["score"]
            final = score.get("et") or score["ft"]
            penalties = score.get("p") or [None, None]
            rows.append(
                {
                    "event_id": 12_000_000 + match["num"],
                    "round_number": ROUND_NUMBERS[round_["name"]],
                    "home": match["team1"]["name"],
                    "away": match["team2"]["name"],
                    "start": f"{match['date']} {match['time']}",
                    "final": final,
                    "regular": score["ft"],
                    "penalties": penalties,
                }
            )
    return rows


def build_legacy_database(conn: psycopg.Connection) -> None:
    """The app's schema and a season of its data (autocommit connection)."""
    conn.execute(APP_SCHEMA)
    conn.execute(
        "insert into tournament (name, sofascore_unique_tournament_id, sofascore_season_id, scoring_result)"
        " values ('EURO 2024', 1, 56953, 'after_extra_time'), ('EURO 2024 (90 minutes)', 2, 56953, 'regular_time')"
    )
    for tournament_id in (1, 2):
        for m in euro_matches():
            conn.execute(
                """insert into match (tournament_id, sofascore_event_id, round_number, home_team, away_team, start_time,
                                      status, home_score, away_score, home_score_regular, away_score_regular,
                                      home_penalties, away_penalties, venue)
                   values (%s, %s, %s, %s, %s, %s, 'ended', %s, %s, %s, %s, %s, %s, 'Stadium')""",
                (
                    tournament_id,
                    m["event_id"] + tournament_id * 100,
                    m["round_number"],
                    m["home"],
                    m["away"],
                    m["start"],
                    *m["final"],
                    *m["regular"],
                    *m["penalties"],
                ),
            )
    conn.execute(
        "insert into app_user (name, email) select 'User ' || i, 'u' || i || '@example.com'"
        f" from generate_series(1, {USERS}) i"
    )
    # Each user's predictions follow a pattern of their own: some exact, some not.
    conn.execute("""insert into prediction (user_id, match_id, home_score, away_score)
                    select u.id, m.id, (u.id + m.id) % 3, (u.id * m.id) % 3 from app_user u, match m
                     where (u.id + m.id) % 5 <> 0""")
    conn.execute(
        "insert into league (name, points_exact, points_goal_difference, points_outcome)"
        " values ('Office', 4, 3, 2), ('Family', 5, 2, 1)"
    )
    conn.execute("insert into league_tournament (league_id, tournament_id) values (1, 1), (1, 2), (2, 1)")
    conn.execute("insert into league_participant (league_id, user_id) select 1, id from app_user")
    conn.execute("insert into league_participant (league_id, user_id) select 2, id from app_user where id <= 5")
    # What an older scorer left behind: wrong, and missing users.
    conn.execute("insert into participant_score select 1, id, 99, 9, 9, 9, 1 from app_user where id <= 3")


def app_fingerprint(conn: psycopg.Connection, tables: dict[str, list[str]]) -> dict[str, str]:
    """A hash of every row of these tables over these (the app's own) columns."""
    result = {}
    for table, columns in tables.items():
        row_text = "row(" + ", ".join(f'"{c}"' for c in columns) + ")::text"
        query = f"select md5(coalesce(string_agg({row_text}, '|' order by {row_text}), '')) as h from {table}"
        result[table] = conn.cursor(row_factory=tuple_row).execute(query).fetchone()[0]
    return result


def app_columns(conn: psycopg.Connection) -> dict[str, list[str]]:
    """Every table's columns, by table (the app's, before adoption)."""
    rows = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            "select table_name, column_name from information_schema.columns"
            " where table_schema = 'public' order by table_name, ordinal_position"
        )
        .fetchall()
    )
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def app_objects(conn: psycopg.Connection) -> set[tuple[str, str]]:
    """The app's constraints, indexes and triggers with their definitions."""
    rows = (
        conn.cursor(row_factory=tuple_row)
        .execute("""
        select 'constraint ' || conname, pg_get_constraintdef(oid) from pg_constraint
         where connamespace = 'public'::regnamespace and contype <> 'n'
        union all
        select 'index ' || indexname, indexdef from pg_indexes where schemaname = 'public'
        union all
        select 'trigger ' || tgname, pg_get_triggerdef(oid) from pg_trigger where not tgisinternal
    """)
        .fetchall()
    )
    return {(name, definition) for name, definition in rows}
