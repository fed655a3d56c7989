"""Named queries over `tick_run`, the run history operators read."""

from __future__ import annotations

from datetime import datetime

from psycopg.types.json import Jsonb

from database.pool import DictConnection, one_row

START_RUN = """
insert into tick_run (kind, trigger, started_at) values (%(kind)s, %(trigger)s, %(now)s) returning id
"""
FINISH_RUN = """
update tick_run set finished_at = %(now)s, outcome = %(outcome)s, summary = %(summary)s, errors = %(errors)s
 where id = %(id)s
"""
LIST_RUNS = """
select id, kind, trigger, started_at, finished_at, outcome, summary, errors
  from tick_run
 where (%(kind)s::text is null or kind = %(kind)s)
   and (%(outcome)s::text is null or outcome = %(outcome)s)
 order by started_at desc, id desc
 limit %(limit)s
"""
PRUNE_RUNS = "delete from tick_run where started_at < %(before)s and outcome <> 'running'"

# A run still `running` long after any tick could last was killed: say so in its record.
CLOSE_ABANDONED_RUNS = """
update tick_run
   set outcome = 'failed', finished_at = %(now)s,
       errors = errors || jsonb_build_array(jsonb_build_object(
           'error', 'the run stopped without finishing (process killed or restarted)'))
 where outcome = 'running' and kind = %(kind)s and started_at < %(started_before)s
"""


def start_run(conn: DictConnection, *, kind: str, trigger: str, now: datetime) -> int:
    return one_row(conn.execute(START_RUN, {"kind": kind, "trigger": trigger, "now": now}))["id"]


def finish_run(
    conn: DictConnection, *, run_id: int, outcome: str, summary: dict | None, errors: list[dict], now: datetime
) -> None:
    conn.execute(
        FINISH_RUN,
        {
            "id": run_id,
            "outcome": outcome,
            "summary": Jsonb(summary) if summary is not None else None,
            "errors": Jsonb(errors),
            "now": now,
        },
    )


def list_runs(conn: DictConnection, *, limit: int, kind: str | None = None, outcome: str | None = None) -> list[dict]:
    return conn.execute(LIST_RUNS, {"limit": limit, "kind": kind, "outcome": outcome}).fetchall()


def prune_runs(conn: DictConnection, *, before: datetime) -> int:
    return conn.execute(PRUNE_RUNS, {"before": before}).rowcount


def close_abandoned_runs(conn: DictConnection, *, kind: str, started_before: datetime, now: datetime) -> int:
    return conn.execute(CLOSE_ABANDONED_RUNS, {"kind": kind, "started_before": started_before, "now": now}).rowcount
