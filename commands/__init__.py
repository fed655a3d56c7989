"""`flask --app app <command>`: thin wrappers over the same services the endpoints call."""

from __future__ import annotations

from flask import Flask

from commands import imports, maintenance, runs, scores, status, ticks


def init_app(app: Flask) -> None:
    app.cli.add_command(maintenance.migrate_command)
    app.cli.add_command(maintenance.remove_pipeline_command)
    app.cli.add_command(ticks.tick_group)
    app.cli.add_command(runs.runs_command)
    app.cli.add_command(imports.import_tournament_command)
    app.cli.add_command(status.status_command)
    app.cli.add_command(scores.scores_group)
