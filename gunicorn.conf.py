"""Gunicorn settings: threaded workers, and timeouts derived from the tick budgets (SPEC §2).

The settings are validated here, in the master, so a bad variable stops the service once
with a message naming it instead of failing every worker as it boots.
"""

import os

from flask.cli import load_dotenv
from flask.helpers import get_load_dotenv

from config import settings_or_exit

# `make run` reads .env here as every `flask` command does (variables already set win;
# FLASK_SKIP_DOTENV=1 turns it off), before the settings are read. Railway has no .env.
if get_load_dotenv():
    load_dotenv()

_settings = settings_or_exit(os.environ)
_longest_tick = max(_settings.tick_matches_budget_seconds, _settings.tick_scores_budget_seconds)

_port = os.environ.get("PORT")
# On Railway (PORT set) listen on every address, IPv6 included, so the cron services can
# reach the web service over private networking; locally only on loopback.
bind = os.environ.get("GUNICORN_BIND") or (f"[::]:{_port}" if _port else "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A tick runs inside a request for up to its budget (240 s for matches by default), plus
# the last provider request and the write that may still be under way at the deadline.
timeout = int(_longest_tick + 90)
# A redeploy (SIGTERM) lets a running tick finish: Railway's draining time must be at least
# this long (railway.toml `drainingSeconds`, docs/deploy.md).
graceful_timeout = int(_longest_tick + 30)
accesslog = "-"
errorlog = "-"
