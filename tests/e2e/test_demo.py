"""`make demo` keeps working: it runs end to end, shows the transitions, and exits 0."""

import os
import subprocess
import sys

from tests.support import ROOT


def test_the_demo_runs_end_to_end(queue_url):
    env = {**os.environ, "QUEUE_URL": queue_url or ""}
    result = subprocess.run(
        [sys.executable, "-m", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "league status: outdata" in out
    assert "league status: up-to-date" in out
    assert '"matches_ended": 8' in out and "1-1 pens 5-4" in out
    assert "Whole league (up-to-date)" in out
    assert "10. is the pipeline healthy?" in out and "    healthy\n" in out
    assert "scores verify: 0 stored rows differ from the reference" in out
    assert "everything it started is stopped" in out
