"""Database maintenance commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from database.migrations import apply_migrations


@click.command("migrate")
@with_appcontext
def migrate_command() -> None:
    """Apply pending migrations from sql/ (idempotent, safe to run concurrently)."""
    with current_app.extensions["db_pool"].connection() as conn:
        applied = apply_migrations(conn)
    click.echo(f"applied: {', '.join(applied)}" if applied else "nothing to apply")
