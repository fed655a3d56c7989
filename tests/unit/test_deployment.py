"""Railway configuration as code, and the cron commands the deployment guide prescribes."""

import re
import tomllib

from config import Settings
from tests.support import ROOT


def gunicorn_setting(name: str) -> str:
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    return namespace[name]


def test_railway_toml_names_the_health_check_start_command_and_migrations():
    config = tomllib.loads((ROOT / "railway.toml").read_text())
    deploy = config["deploy"]
    assert deploy["healthcheckPath"] == "/readyz"
    assert deploy["startCommand"].startswith("gunicorn --config gunicorn.conf.py")
    assert "app:create_app()" in deploy["startCommand"]
    assert deploy["preDeployCommand"] == ["flask --app app migrate"]


def test_gunicorn_is_threaded_and_a_redeploy_lets_the_longest_tick_finish():
    defaults = Settings()
    longest = max(defaults.tick_matches_budget_seconds, defaults.tick_scores_budget_seconds)
    assert gunicorn_setting("worker_class") == "gthread"
    assert gunicorn_setting("timeout") > longest + 60
    assert gunicorn_setting("graceful_timeout") > longest
    draining = tomllib.loads((ROOT / "railway.toml").read_text())["deploy"]["drainingSeconds"]
    assert isinstance(draining, int) and draining >= gunicorn_setting("graceful_timeout")
    assert "drainingSeconds" in (ROOT / "docs" / "deploy.md").read_text()


def test_the_documented_cron_commands_are_fail_loud_and_outlast_the_budget():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    defaults = Settings()
    for kind, schedule, budget in (
        ("matches", "*/10 * * * *", defaults.tick_matches_budget_seconds),
        ("scores", "*/5 * * * *", defaults.tick_scores_budget_seconds),
    ):
        [command] = [line for line in guide.splitlines() if f"/internal/tick/{kind}" in line and "curl" in line]
        assert "-fsS" in command and "X-Tick-Trigger: cron" in command and "Bearer $INTERNAL_API_TOKEN" in command
        assert int(re.search(r"--max-time (\d+)", command).group(1)) > budget
        assert f"`{schedule}`" in guide
