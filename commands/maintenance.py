"""Database maintenance commands."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from bootstrap import services_of
from database.adoption import LockUnavailable
from database.migrations import ADOPT, CONFLICTS, FRESH, PENDING, MigrationCheck, MigrationConflicts, MigrationMismatch

HEADLINES = {
    FRESH: "fresh: an empty database; migrate would create the pipeline's schema:",
    ADOPT: "adopt: the app's tables without the pipeline; migrate would, online:",
    PENDING: "pending: an older pipeline schema; migrate would:",
    CONFLICTS: "conflicts: migrate would refuse this database and change nothing until these are fixed:",
}


def _report(check: MigrationCheck) -> str:
    lines = [HEADLINES.get(check.case, f"{check.case}: nothing to do")]
    lines += [f"  - {line}" for line in check.conflicts or check.actions]
    return "\n".join(lines)


@click.command("migrate")
@click.option("--check", is_flag=True, help="Change nothing: say what migrate would do here, and every conflict.")
@with_appcontext
def migrate_command(check: bool) -> None:
    """Apply pending migrations from sql/, or adopt the app's existing database (idempotent, safe
    to run concurrently); refuse a database that conflicts with the contract or whose applied
    migration differs from its file, changing nothing."""
    services = services_of(current_app)
    if check:
        result = services.check_migrations()
        click.echo(_report(result))
        sys.exit(0 if result.can_proceed else 1)
    try:
        applied = services.migrate()
    except MigrationMismatch as exc:
        click.echo(json.dumps({"error": str(exc), "mismatched": exc.versions}), err=True)
        sys.exit(1)
    except MigrationConflicts as exc:
        click.echo(json.dumps({"error": str(exc), "conflicts": exc.conflicts}), err=True)
        sys.exit(1)
    except LockUnavailable as exc:
        click.echo(json.dumps({"error": str(exc), "table": exc.table}), err=True)
        sys.exit(1)
    click.echo(f"applied: {', '.join(applied)}" if applied else "nothing to apply")


@click.command("remove-pipeline")
@click.option("--yes", is_flag=True, help="Confirm: the pipeline's tables, functions and triggers are dropped.")
@with_appcontext
def remove_pipeline_command(yes: bool) -> None:
    """Take the pipeline out of the app's database: its triggers, functions, tables, indexes and
    columns are dropped in one transaction; the app's tables and rows stay as they are."""
    if not yes:
        click.echo(json.dumps({"error": "this drops the pipeline's tables and history: repeat with --yes"}), err=True)
        sys.exit(1)
    try:
        services_of(current_app).remove_pipeline()
    except LockUnavailable as exc:
        click.echo(json.dumps({"error": str(exc), "table": exc.table}), err=True)
        sys.exit(1)
    click.echo("removed the pipeline; the app's tables and rows are as they were")
