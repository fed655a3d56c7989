import pytest

from config import ConfigError, Settings


def test_defaults_follow_the_spec():
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.internal_api_tokens == ()
    assert settings.sofascore_base_url == "https://api.sofascore.com/api/v1"
    assert settings.retry_delays == (30.0, 60.0, 120.0)
    assert (settings.tick_matches_budget_seconds, settings.tick_scores_budget_seconds) == (240.0, 120.0)
    assert (settings.tick_matches_max_rounds, settings.tick_scores_max_leagues) == (50, 500)
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
        ("TICK_SCORES_MAX_LEAGUES", "5001"),
        ("PROVIDER_MAX_RPS", "0"),
        ("SCORES_SYNC_LEASE_MINUTES", "x"),
        ("RESULT_SETTLE_MINUTES", "-3"),
        ("PROVIDER_HTTP_SESSION", "telnet"),
    ],
)
def test_invalid_values_stop_start_up_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_retry_delays_count_is_the_number_of_retries():
    assert Settings.from_env({"RETRY_DELAYS": "1, 2"}).retry_delays == (1.0, 2.0)
    assert Settings.from_env({"RESULT_SETTLE_MINUTES": "0"}).result_settle_minutes == 0
