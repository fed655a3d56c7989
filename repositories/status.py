"""Named queries of the pipeline status (SPEC §9). Each reads a few rows through an index
(sql/001-004), so the status stays cheap however long the history grows."""

from __future__ import annotations

from datetime import date, datetime

import psycopg

from repositories.matches import DUE_ROUNDS

DUE_NOW = f"select count(*) as rounds, coalesce(sum(due_matches), 0)::int as matches from ({DUE_ROUNDS}) as due"

_MATCH_COLUMNS = "id, sofascore_event_id, tournament_id, home_team, away_team, start_time, last_checked_at"

# Open matches kicked off before the cut-off, oldest first (match_due_open_idx).
OPEN_SINCE = f"""
select count(*) over () as total, {_MATCH_COLUMNS}
  from match
 where status = 'open' and start_time <= %(cutoff)s
 order by start_time, id
 limit %(first)s
"""

POSTPONED = f"""
select count(*) over () as total, {_MATCH_COLUMNS}
  from match
 where status = 'postponed'
 order by last_checked_at nulls first, id
 limit %(first)s
"""

# The latest failure of each round in the window, and whether a job of it completed since.
FAILED_ROUNDS = """
select f.singleton_key, f.data, f.retry_count, f.last_error, f.completed_at as failed_at,
       exists (select 1 from queue_job c
                where c.name = f.name and c.singleton_key = f.singleton_key
                  and c.state = 'completed' and c.completed_at > f.completed_at) as fixed_since
  from (select distinct on (singleton_key) *
          from queue_job
         where name = %(name)s and state = 'failed' and completed_at >= %(since)s
         order by singleton_key, completed_at desc) as f
 order by f.completed_at desc
 limit %(first)s
"""

JOBS_BY_STATE = """
select state, count(*)::int as jobs from queue_job
 where name = %(name)s and state in ('created', 'retry', 'active')
 group by state
union all
select state, count(*)::int from queue_job
 where name = %(name)s and state in ('completed', 'failed', 'cancelled') and completed_at >= %(since)s
 group by state
"""

OLDEST_WAITING_JOB = """
select singleton_key, state, created_at, start_after, retry_count from queue_job
 where name = %(name)s and state in ('created', 'retry')
 order by start_after, id
 limit 1
"""

# Only rows that wait are indexed (league_tournament_pending_idx).
WAITING_LEAGUE_TOURNAMENTS = """
select participants_scores_status as status, count(*)::int as league_tournaments,
       count(*) filter (where participants_scores_status = 'syncing'
                          and (sync_claimed_at is null or sync_claimed_at <= %(lease_cutoff)s))::int as past_lease
  from league_tournament
 where participants_scores_status <> 'up-to-date'
 group by participants_scores_status
"""

WAITING_SINCE = """
select count(*) over () as total, lt.id, lt.league_id, lt.tournament_id, lt.participants_scores_status as status,
       lt.marked_outdata_at
  from league_tournament lt
 where lt.participants_scores_status <> 'up-to-date' and lt.marked_outdata_at <= %(cutoff)s
 order by lt.marked_outdata_at, lt.id
 limit %(first)s
"""

# The last run of each kind, and its last scheduled one (cron or CLI: a manual run would
# hide a cron that stopped calling).
LAST_RUNS = """
select k.kind, last_run.*, last_scheduled.started_at as last_scheduled_at
  from (values ('matches'), ('scores')) as k (kind)
  left join lateral (
      select id, trigger, started_at, finished_at, outcome, (summary ->> 'duration_ms')::int as duration_ms
        from tick_run where tick_run.kind = k.kind
       order by started_at desc limit 1) as last_run on true
  left join lateral (
      select started_at from tick_run where tick_run.kind = k.kind and trigger <> 'manual'
       order by started_at desc limit 1) as last_scheduled on true
"""

RECORD_ALERTS = """
insert into stuck_alert (item, day) select unnest(%(items)s::text[]), %(day)s
on conflict do nothing
returning item
"""
PRUNE_ALERTS = "delete from stuck_alert where day < %(before)s"


def due_now(conn: psycopg.Connection, *, params: dict) -> dict:
    return conn.execute(DUE_NOW, params).fetchone()


def open_since(conn: psycopg.Connection, *, cutoff: datetime, first: int) -> list[dict]:
    return conn.execute(OPEN_SINCE, {"cutoff": cutoff, "first": first}).fetchall()


def postponed(conn: psycopg.Connection, *, first: int) -> list[dict]:
    return conn.execute(POSTPONED, {"first": first}).fetchall()


def failed_rounds(conn: psycopg.Connection, *, name: str, since: datetime, first: int) -> list[dict]:
    return conn.execute(FAILED_ROUNDS, {"name": name, "since": since, "first": first}).fetchall()


def jobs_by_state(conn: psycopg.Connection, *, name: str, since: datetime) -> dict[str, int]:
    return {row["state"]: row["jobs"] for row in conn.execute(JOBS_BY_STATE, {"name": name, "since": since})}


def oldest_waiting_job(conn: psycopg.Connection, *, name: str) -> dict | None:
    return conn.execute(OLDEST_WAITING_JOB, {"name": name}).fetchone()


def waiting_league_tournaments(conn: psycopg.Connection, *, lease_cutoff: datetime) -> list[dict]:
    return conn.execute(WAITING_LEAGUE_TOURNAMENTS, {"lease_cutoff": lease_cutoff}).fetchall()


def waiting_since(conn: psycopg.Connection, *, cutoff: datetime, first: int) -> list[dict]:
    return conn.execute(WAITING_SINCE, {"cutoff": cutoff, "first": first}).fetchall()


def last_runs(conn: psycopg.Connection) -> list[dict]:
    return conn.execute(LAST_RUNS).fetchall()


def record_alerts(conn: psycopg.Connection, *, items: list[str], day: date) -> set[str]:
    """The items not yet alerted today (now recorded as alerted)."""
    if not items:
        return set()
    return {row["item"] for row in conn.execute(RECORD_ALERTS, {"items": items, "day": day})}


def prune_alerts(conn: psycopg.Connection, *, before: date) -> int:
    return conn.execute(PRUNE_ALERTS, {"before": before}).rowcount
