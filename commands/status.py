"""`flask --app app status`: is the pipeline healthy right now? Exit 1 when it is not, so a
script or a cron health check can act on it."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from bootstrap import services_of


def render(status: dict[str, Any]) -> str:
    """The status for a terminal: the verdict and its problems first, then each part in a line or two."""
    m, r, s, t = status["matches"], status["rounds"], status["scores"], status["ticks"]
    lines = ["healthy" if status["healthy"] else "UNHEALTHY"]
    lines += [f"  - {problem}" for problem in status["problems"]]
    overdue = m["most_overdue"]
    lines.append(
        f"matches: {m['due_now']['matches']} due in {m['due_now']['rounds']} rounds; "
        f"{m['stuck']['count']} not ended {m['stuck']['threshold_hours']} h after kick-off; "
        f"{m['postponed']['count']} postponed"
    )
    if overdue:
        lines.append(
            f"  most overdue: {overdue['teams']} (#{overdue['event_id']}), kick-off {overdue['kick_off']}, "
            f"{overdue['minutes_past_result_delay']} min past the result delay"
        )
    failed = r["failed_last_24h"]
    jobs = ", ".join(f"{state} {count}" for state, count in sorted(r["jobs"].items())) or "none"
    lines.append(
        f"rounds: {len(failed)} failed in 24 h ({sum(not f['fixed_since'] for f in failed)} not fetched since); "
        f"jobs: {jobs}"
    )
    lines += [
        f"  failed {f['round']} at {f['failed_at']} after {f['attempts']} attempts: {f['last_error']}"
        f"{' (fetched since)' if f['fixed_since'] else ''}"
        for f in failed
    ]
    oldest = s["oldest_waiting"]
    lines.append(
        f"scores: {s['outdata']} outdata, {s['syncing']} syncing ({s['syncing_past_lease']} past the lease); "
        f"{s['stuck']['count']} waiting over {s['stuck']['threshold_minutes']} min"
        + (f"; oldest: #{oldest['id']} waiting {oldest['waiting_minutes']} min" if oldest else "")
    )
    for kind, tick in t.items():
        last = tick["last_run"]
        ran = (
            f"last run #{last['id']} {last['trigger']} {last['started_at']} {last['outcome']} {last['duration_ms']} ms"
            if last
            else "never ran"
        )
        lines.append(f"{kind} tick: {ran}{'; OVERDUE' if tick['overdue'] else ''}")
    return "\n".join(lines)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="the endpoint's JSON instead of text")
@with_appcontext
def status_command(as_json: bool) -> None:
    """Is the pipeline healthy right now? Exit 0 when healthy, 1 when not (or unknown)."""
    try:
        status = services_of(current_app).pipeline_status()
    except Exception as exc:
        click.echo(json.dumps({"error": f"{type(exc).__name__}: {exc}".strip()}), err=True)
        sys.exit(1)
    click.echo(json.dumps(status) if as_json else render(status))
    sys.exit(0 if status["healthy"] else 1)
