"""Provider pieces in isolation: status mapping, payload validation and bounds, Retry-After,
the rate limiter."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from marshmallow import ValidationError

from provider.base import ProviderError
from provider.ratelimit import RateLimiter
from provider.schemas import map_status, parse_event, parse_round
from provider.sofascore import MAX_RETRY_AFTER_SECONDS, retry_after_seconds
from tests.sofascore import event, final_score
from tests.support import START, FakeClock, RecordingSleep

KICKOFF = datetime(2026, 3, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "code, status",
    [
        (100, "ended"),
        (110, "ended"),
        (120, "ended"),
        (60, "postponed"),
        (70, "canceled"),
        (90, "canceled"),
        (91, "canceled"),
        (92, "canceled"),
        (93, "canceled"),
        (0, "open"),
        (6, "open"),
        (31, "open"),
        (80, "open"),
    ],
)
def test_status_codes_map_as_the_spec_says(code, status):
    assert map_status(code) == status


def test_an_ended_event_without_normaltime_uses_display_for_regular_time():
    parsed = parse_event(event(5, 100, start=KICKOFF, home=final_score(2), away=final_score(0)), now=START)
    assert (parsed.home_score, parsed.away_score, parsed.home_score_regular, parsed.away_score_regular) == (2, 0, 2, 0)
    assert parsed.start_time == KICKOFF and parsed.home_penalties is None


def test_scores_of_unfinished_events_are_not_taken():
    parsed = parse_event(
        event(5, 6, start=KICKOFF, home={"current": 1, "display": 1}, away={"current": 0, "display": 0}), now=START
    )
    assert parsed.status == "open" and parsed.home_score is None


def scored(display=1, **extra):
    return {"display": display, **extra}


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"id": "5"}, "id"),
        ({"id": 0}, "id"),
        ({"id": 2**63}, "id"),
        ({"id": True}, "id"),
        ({"startTimestamp": None}, "startTimestamp"),
        ({"startTimestamp": 10**13}, "startTimestamp"),
        ({"startTimestamp": -(10**12)}, "startTimestamp"),
        ({"startTimestamp": 1.5e9}, "startTimestamp"),
        ({"startTimestamp": int((START + timedelta(days=6 * 365)).timestamp())}, "startTimestamp"),
        ({"startTimestamp": int(datetime(1999, 12, 31, tzinfo=UTC).timestamp())}, "startTimestamp"),
        ({"status": {"code": "100"}}, "status"),
        ({"status": None}, "status"),
        ({"homeScore": scored(2**31), "awayScore": scored()}, "homeScore"),
        ({"homeScore": scored(1000), "awayScore": scored()}, "homeScore"),
        ({"homeScore": scored(-1), "awayScore": scored()}, "homeScore"),
        ({"homeScore": scored(1.0), "awayScore": scored()}, "homeScore"),
        ({"homeScore": scored(True), "awayScore": scored()}, "homeScore"),
        ({"homeScore": scored(1, normaltime=2**40), "awayScore": scored()}, "homeScore"),
        ({"homeScore": scored(1, penalties="4"), "awayScore": scored()}, "homeScore"),
        ({"homeScore": {}, "awayScore": scored()}, "homeScore"),
        ({"homeScore": "3-1"}, "homeScore"),
    ],
)
def test_values_out_of_their_meaning_make_an_event_malformed(bad, field):
    payload = {**event(5, 100, start=KICKOFF, home=scored(1), away=scored(0)), **bad}
    with pytest.raises(ValidationError) as caught:
        parse_event(payload, now=START)
    assert field in str(caught.value.messages)


@pytest.mark.parametrize(
    "change",
    [
        {"homeTeam": {}},
        {"awayTeam": {"name": 42}},
        {"homeTeam": None},
        {"roundInfo": {"round": "final", "name": 7}},
        {"season": "25/26"},
        {"homeScore": {"display": 1, "current": "x", "period1": -4, "extra1": 10**12}},
    ],
)
def test_fields_the_tick_does_not_use_fail_nothing(change):
    payload = {**event(5, 100, start=KICKOFF, home=scored(1), away=scored(0)), **change}
    assert parse_event(payload, now=START).home_score == (1 if "homeScore" not in change else 1)


def test_a_round_counts_the_last_copy_of_a_repeated_event_once():
    payload = {
        "events": [
            event(1, 0, start=KICKOFF),
            event(2, 100, start=KICKOFF, home=final_score(2), away=final_score(0)),
            event(1, 100, start=KICKOFF, home=final_score(3), away=final_score(1)),
        ]
    }
    parsed = parse_round(payload, source="GET /r", now=START)
    assert [(e.event_id, e.home_score) for e in parsed.events] == [(2, 2), (1, 3)]
    assert parsed.malformed == {}


def test_an_unreadable_event_is_kept_against_its_id_and_matters_only_when_required():
    bad = {**event(7, 100, start=KICKOFF, home=final_score(2**31), away=final_score(0))}
    parsed = parse_round({"events": [event(1, 0, start=KICKOFF), bad]}, source="GET /r", now=START)
    assert [e.event_id for e in parsed.events] == [1] and set(parsed.malformed) == {7}
    assert parsed.require([1, 99]) == parsed.events, "unknown ids are ignored"
    with pytest.raises(ProviderError, match=r"GET /r: malformed payload: event 7: homeScore.display") as caught:
        parsed.require([7])
    assert caught.value.retryable


@pytest.mark.parametrize("events", [[{"status": {"code": 0}}], [{"id": "x"}], ["not an object"], "nope"])
def test_a_round_without_readable_ids_is_malformed_as_a_whole(events):
    with pytest.raises(ValidationError):
        parse_round({"events": events}, source="GET /r", now=START)


@pytest.mark.parametrize(
    "header, seconds",
    [
        ("45", 45.0),
        ("0", 0.0),
        ("-3", 0.0),
        ("1e12", MAX_RETRY_AFTER_SECONDS),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        (format_datetime(START + timedelta(seconds=90), usegmt=True), 90.0),
        (format_datetime(START - timedelta(hours=1), usegmt=True), 0.0),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date_and_bounded(header, seconds):
    assert retry_after_seconds(header, now=START) == seconds


def test_the_rate_limiter_spaces_requests():
    clock = FakeClock()
    sleep = RecordingSleep(clock)
    limiter = RateLimiter(3, clock=clock, sleep=sleep)
    for _ in range(4):
        limiter.acquire()
    assert sleep.waits == pytest.approx([1 / 3] * 3)
    clock.advance(5)
    limiter.acquire()
    assert len(sleep.waits) == 3, "no wait after a quiet spell"
