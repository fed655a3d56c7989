"""Gunicorn settings: threaded workers, timeout above the tick budgets (SPEC §2)."""

import os

_port = os.environ.get("PORT")
# On Railway (PORT set) listen on every address, IPv6 included, so the cron services can
# reach the web service over private networking; locally only on loopback.
bind = os.environ.get("GUNICORN_BIND") or (f"[::]:{_port}" if _port else "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A matches tick may run for TICK_MATCHES_BUDGET_SECONDS (240 s by default) inside a request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "330"))
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
