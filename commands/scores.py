"""`flask --app app scores verify|rebuild`: guards over the incremental standings."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from bootstrap import services_of

scores_group = AppGroup("scores", help="Check or repair the stored standings.")


@scores_group.command("verify")
@click.option("--league", "league_id", type=click.IntRange(1), default=None, help="only this league")
def verify_command(league_id: int | None) -> None:
    """Recompute from scratch and list every stored row that differs; exit 1 when one does."""
    differences = services_of(current_app).verify(league_id=league_id)
    for difference in differences:
        click.echo(json.dumps(difference, default=str))
    click.echo(
        f"{len(differences)} stored row{'s' if len(differences) != 1 else ''} differ from the reference",
        err=bool(differences),
    )
    sys.exit(1 if differences else 0)


@scores_group.command("rebuild")
@click.option("--tournament", "tournament_id", type=click.IntRange(1), default=None, help="only this tournament")
def rebuild_command(tournament_id: int | None) -> None:
    """Rebuild the prediction tallies from scratch (after a manual repair) and mark what changed outdata."""
    click.echo(json.dumps(services_of(current_app).rebuild(tournament_id=tournament_id)))
