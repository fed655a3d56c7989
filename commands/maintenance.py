"""Database maintenance commands."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from bootstrap import services_of
from database.migrations import MigrationMismatch


@click.command("migrate")
@with_appcontext
def migrate_command() -> None:
    """Apply pending migrations from sql/ (idempotent, safe to run concurrently); refuse a
    database whose applied migration differs from its file."""
    try:
        applied = services_of(current_app).migrate()
    except MigrationMismatch as exc:
        click.echo(json.dumps({"error": str(exc), "mismatched": exc.versions}), err=True)
        sys.exit(1)
    click.echo(f"applied: {', '.join(applied)}" if applied else "nothing to apply")
