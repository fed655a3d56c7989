"""`make demo` keeps working: it runs end to end, shows the transitions, and exits 0."""

import os
import re
import subprocess
import sys

from tests.support import ROOT


def test_the_demo_runs_end_to_end(queue_url):
    env = {**os.environ, "QUEUE_URL": queue_url or "", "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [sys.executable, "-m", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
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
    assert_matchday_view(out)


def assert_matchday_view(out: str) -> None:
    """Step 12 reads the rounds endpoints: the rounds with their winners, the standings after the
    current round with movement, and why the leader has their points — never showing a match that
    has not kicked off."""
    assert "12. matchday view" in out, out
    view = out.split("12. matchday view", 1)[1]

    def line(pattern: str) -> None:
        assert re.search(rf"^ +{pattern} *$", view, re.MULTILINE), f"no line /{pattern}/ in:\n{view}"

    # The rounds in order, with how many of their matches ended, and each round's winners.
    line(r"Demo Premier 25/26: rounds \(current: r2\)")
    line(r"r1 +4/4 +Ben \(13\)")
    line(r"r2 +2/4 +Ana \(7\)")
    line(r"Demo Cup 25/26: rounds \(current: r27-quarterfinals\)")
    line(r"r27-quarterfinals +2/2 +Ana \(8\)")
    # After round 2: rank, movement since round 1 (Ana and Cid were 2nd equal), round points, points.
    line(r"Demo Premier 25/26: standings after r2 \(GET \.\.\./standings\?tournament_id=\d+&round=r2\)")
    line(r"1 +↑1 +Ana +7 +17")
    line(r"2 +↓1 +Ben +3 +16")
    line(r"3 +↓1 +Cid +4 +14")
    line(r"4 += +Dee +4 +12")
    # Why Ana has 17: each prediction with its tier and points, adding up to the standings' points.
    line(r"why does Ana have 17 points\? \(GET \.\.\./participants/\d+/predictions\?tournament_id=\d+\)")
    line(r"r1 +Northbridge v Eastport +ended +2-1 +2-1 +exact +4")
    line(r"r2 +Eastport v Westvale +ended +3-1 +2-0 +goal_difference +3")
    line(r"r2 +Riverton v Ashby +canceled +- +0-0 +- +0")
    line(r"r2 +Southam v Northbridge +postponed +- +1-1 +- +0")
    line(r"total +17")
    # Moved to next week, the match is left out of the round's predictions; its points stay.
    line(r"Southam v Northbridge gets a new date, .* not kicked off, so nobody sees its predictions")
    line(r"Ana, r2 \(&round=r2\): Eastport v Westvale, Riverton v Ashby, Millbrook v Kingsford; 7 points")
