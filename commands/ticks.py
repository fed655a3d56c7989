"""`flask --app app tick matches|scores`: one tick, the endpoint's JSON on stdout.

Exit 0 when the tick ran (failed items included); 1 with a JSON error on stderr when it could not.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from bootstrap import services_of


def _run_and_print(tick: Callable[..., dict[str, Any]], **params: Any) -> None:
    try:
        summary = tick(trigger="cli", **params)
    except Exception as exc:
        click.echo(json.dumps({"error": f"{type(exc).__name__}: {exc}".strip()}), err=True)
        sys.exit(1)
    click.echo(json.dumps(summary))


tick_group = AppGroup("tick", help="Run one tick now.")


@tick_group.command("matches")
@click.option("--max-rounds", type=click.IntRange(1, 500), default=None, help="rounds this tick may take")
@click.option("--dry-run", is_flag=True, help="report what would be done; write nothing, call no provider")
def tick_matches(max_rounds: int | None, dry_run: bool) -> None:
    """Fetch due rounds and record results."""
    _run_and_print(services_of(current_app).run_matches_tick, max_rounds=max_rounds, dry_run=dry_run)


@tick_group.command("scores")
@click.option("--max-leagues", type=click.IntRange(1, 5000), default=None, help="league tournaments this tick may take")
@click.option("--dry-run", is_flag=True, help="report what would be done; write nothing")
def tick_scores(max_leagues: int | None, dry_run: bool) -> None:
    """Recalculate outdata league tournaments."""
    _run_and_print(services_of(current_app).run_scores_tick, max_leagues=max_leagues, dry_run=dry_run)
