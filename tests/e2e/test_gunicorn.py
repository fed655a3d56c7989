"""The real server: gunicorn with the project's config serves the app."""

import os
import subprocess
import sys
import time

import pytest
import requests

from tests.support import ROOT, free_port


@pytest.fixture
def gunicorn_url(database_url, db):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INTERNAL_API_TOKEN": "gunicorn-token",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/healthz", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)  # polling for a port to open, not synchronising test logic
    yield url
    process.terminate()
    process.wait(timeout=30)


def test_gunicorn_serves_health_readiness_and_guards_internal(gunicorn_url):
    assert requests.get(f"{gunicorn_url}/healthz", timeout=5).status_code == 200
    assert requests.get(f"{gunicorn_url}/readyz", timeout=5).json() == {"status": "ready"}
    denied = requests.get(f"{gunicorn_url}/internal/runs", timeout=5)
    assert denied.status_code == 401 and denied.headers["WWW-Authenticate"].startswith("Bearer")
