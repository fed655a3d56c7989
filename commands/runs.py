"""`flask --app app runs`: the run history in a terminal, newest first."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from bootstrap import services_of


@click.command("runs")
@with_appcontext
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--kind", type=click.Choice(["matches", "scores"]), default=None)
@click.option("--outcome", type=click.Choice(["running", "ok", "partial", "failed"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per run, errors included")
def runs_command(limit: int, kind: str | None, outcome: str | None, as_json: bool) -> None:
    """Show recent tick runs; failed items are listed under their run."""
    runs = services_of(current_app).recent_runs(limit=limit, kind=kind, outcome=outcome)
    for run in runs:
        if as_json:
            click.echo(json.dumps(run, default=str))
            continue
        summary = run["summary"] or {}
        counters = ", ".join(f"{k}={v}" for k, v in summary.items() if isinstance(v, int) and k not in ("run_id",))
        click.echo(
            f"#{run['id']} {run['kind']:<7} {run['trigger']:<6} {run['started_at']:%Y-%m-%d %H:%M:%S} "
            f"{run['outcome']:<8} {counters}"
        )
        for error in run["errors"]:
            item = ", ".join(f"{k}={v}" for k, v in error.items() if k != "error")
            click.echo(f"    failed {item}: {error['error']}")
