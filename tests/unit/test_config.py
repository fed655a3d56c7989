import json
import os
import subprocess
import sys

import pytest

from config import ConfigError, Settings
from tests.support import ROOT


def test_defaults_follow_the_spec():
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.internal_api_tokens == ()
    assert settings.sofascore_base_url == "https://api.sofascore.com/api/v1"
    assert settings.retry_delays == (30.0, 60.0, 120.0)
    assert (settings.tick_matches_budget_seconds, settings.tick_scores_budget_seconds) == (240.0, 120.0)
    assert (settings.tick_matches_max_rounds, settings.tick_scores_max_leagues) == (50, 100_000)
    assert (settings.match_result_delay_minutes, settings.match_recheck_minutes) == (120, 10)
    assert (settings.postponed_recheck_minutes, settings.result_settle_minutes) == (360, 180)
    assert (settings.scores_sync_lease_minutes, settings.provider_max_rps) == (10, 3.0)


def test_tokens_are_comma_separated_for_rotation():
    settings = Settings.from_env({"INTERNAL_API_TOKEN": " new , old ,"})
    assert settings.internal_api_tokens == ("new", "old")


@pytest.mark.parametrize(
    "name, value",
    [
        ("RETRY_DELAYS", "abc"),
        ("RETRY_DELAYS", "30,-1"),
        ("TICK_MATCHES_BUDGET_SECONDS", "-5"),
        ("TICK_SCORES_BUDGET_SECONDS", "soon"),
        ("MATCH_RESULT_DELAY_MINUTES", "1.5"),
        ("MATCH_RECHECK_MINUTES", "-1"),
        ("TICK_MATCHES_MAX_ROUNDS", "0"),
        ("TICK_MATCHES_MAX_ROUNDS", "501"),
        ("TICK_SCORES_MAX_LEAGUES", "100001"),
        ("PROVIDER_MAX_RPS", "0"),
        ("SCORES_SYNC_LEASE_MINUTES", "x"),
        ("RESULT_SETTLE_MINUTES", "-3"),
        ("PROVIDER_HTTP_SESSION", "telnet"),
        ("TICK_SCORES_BUDGET_SECONDS", "inf"),
        ("TICK_MATCHES_BUDGET_SECONDS", "nan"),
        ("PROVIDER_MAX_RPS", "1e300"),
        ("PROVIDER_TIMEOUT_SECONDS", "-inf"),
        ("DB_POOL_TIMEOUT_SECONDS", "Infinity"),
        ("RETRY_DELAYS", "30,inf"),
        ("RETRY_DELAYS", "30,nan"),
        ("RETRY_DELAYS", ",".join(["1"] * 11)),
        ("MATCH_RECHECK_MINUTES", "99999999999999999999"),
        ("RUNS_RETENTION_DAYS", "1e300"),
        ("INTERNAL_API_TOKEN", ","),
        ("INTERNAL_API_TOKEN", " , ,"),
        ("INTERNAL_API_TOKEN", "tökén"),
        ("INTERNAL_API_TOKEN", "good,b\tad"),
    ],
)
def test_invalid_values_stop_start_up_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_retry_delays_count_is_the_number_of_retries():
    assert Settings.from_env({"RETRY_DELAYS": "1, 2"}).retry_delays == (1.0, 2.0)
    assert Settings.from_env({"RESULT_SETTLE_MINUTES": "0"}).result_settle_minutes == 0


def test_the_matches_budget_must_fit_one_provider_request():
    with pytest.raises(ConfigError, match="TICK_MATCHES_BUDGET_SECONDS must exceed PROVIDER_TIMEOUT_SECONDS"):
        Settings.from_env({"TICK_MATCHES_BUDGET_SECONDS": "10", "PROVIDER_TIMEOUT_SECONDS": "10"})


def test_an_empty_token_list_turns_the_internal_api_off():
    assert Settings.from_env({"INTERNAL_API_TOKEN": "  "}).internal_api_tokens == ()


@pytest.mark.parametrize("command", [["tick", "matches"], ["tick", "scores"], ["migrate"], ["runs"]])
def test_a_cli_command_with_a_bad_variable_prints_one_json_line_naming_it(command):
    env = {**os.environ, "TICK_SCORES_BUDGET_SECONDS": "inf", "DATABASE_URL": "postgresql://nowhere.invalid/x"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert json.loads(line)["variable"] == "TICK_SCORES_BUDGET_SECONDS" and "inf" in json.loads(line)["error"]


def test_gunicorn_with_a_bad_variable_stops_at_once_naming_it():
    env = {**os.environ, "INTERNAL_API_TOKEN": ",", "GUNICORN_BIND": "127.0.0.1:0"}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert json.loads(result.stderr.splitlines()[0])["variable"] == "INTERNAL_API_TOKEN"
