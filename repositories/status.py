"""Named queries of the pipeline status (SPEC §9). Each reads a few rows through an index
(sql/001-004), so the status stays cheap however long the history grows."""

from __future__ import annotations

from datetime import date, datetime

from database.pool import DictConnection, one_row
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


def due_now(conn: DictConnection, *, params: dict) -> dict:
    return one_row(conn.execute(DUE_NOW, params))


def open_since(conn: DictConnection, *, cutoff: datetime, first: int) -> list[dict]:
    return conn.execute(OPEN_SINCE, {"cutoff": cutoff, "first": first}).fetchall()


def postponed(conn: DictConnection, *, first: int) -> list[dict]:
    return conn.execute(POSTPONED, {"first": first}).fetchall()


def waiting_league_tournaments(conn: DictConnection, *, lease_cutoff: datetime) -> list[dict]:
    return conn.execute(WAITING_LEAGUE_TOURNAMENTS, {"lease_cutoff": lease_cutoff}).fetchall()


def waiting_since(conn: DictConnection, *, cutoff: datetime, first: int) -> list[dict]:
    return conn.execute(WAITING_SINCE, {"cutoff": cutoff, "first": first}).fetchall()


def last_runs(conn: DictConnection) -> list[dict]:
    return conn.execute(LAST_RUNS).fetchall()


def record_alerts(conn: DictConnection, *, items: list[str], day: date) -> set[str]:
    """The items not yet alerted today (now recorded as alerted)."""
    if not items:
        return set()
    return {row["item"] for row in conn.execute(RECORD_ALERTS, {"items": items, "day": day})}


def prune_alerts(conn: DictConnection, *, before: date) -> int:
    return conn.execute(PRUNE_ALERTS, {"before": before}).rowcount
