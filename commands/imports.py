"""`flask --app app import-tournament`: a season's fixtures from the provider."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from bootstrap import services_of
from provider.base import ProviderError


@click.command("import-tournament")
@click.option(
    "--unique-tournament", "unique_tournament_id", type=int, required=True, help="SofaScore unique tournament id"
)
@click.option("--season", "season_id", type=int, required=True, help="SofaScore season id")
@click.option("--name", default=None, help="tournament name (default: the provider's season name)")
@with_appcontext
def import_tournament_command(unique_tournament_id: int, season_id: int, name: str | None) -> None:
    """Create or refresh a tournament and its matches; running it twice changes nothing."""
    try:
        summary = services_of(current_app).import_tournament(
            unique_tournament_id=unique_tournament_id, season_id=season_id, name=name
        )
    except ProviderError as exc:
        click.echo(json.dumps({"error": str(exc)}), err=True)
        sys.exit(1)
    click.echo(json.dumps(summary))
