"""Provider pieces in isolation: status mapping, payload validation, the rate limiter."""

from datetime import datetime, timezone

import pytest
from marshmallow import ValidationError

from provider.ratelimit import RateLimiter
from provider.schemas import EventSchema, map_status
from tests.sofascore import event, final_score
from tests.support import FakeClock, RecordingSleep


@pytest.mark.parametrize("code, status", [(100, "ended"), (110, "ended"), (120, "ended"), (60, "postponed"),
                                          (70, "canceled"), (90, "canceled"), (91, "canceled"), (92, "canceled"),
                                          (93, "canceled"), (0, "open"), (6, "open"), (31, "open"), (80, "open")])
def test_status_codes_map_as_the_spec_says(code, status):
    assert map_status(code) == status


def test_an_ended_event_without_normaltime_uses_display_for_regular_time():
    start = datetime(2026, 3, 1, 15, tzinfo=timezone.utc)
    parsed = EventSchema().load(event(5, 100, start=start, home=final_score(2), away=final_score(0)))
    assert (parsed.home_score, parsed.away_score, parsed.home_score_regular, parsed.away_score_regular) == (2, 0, 2, 0)
    assert parsed.start_time == start and parsed.home_penalties is None


def test_scores_of_unfinished_events_are_not_taken():
    parsed = EventSchema().load(event(5, 6, start=datetime.now(timezone.utc), home={"current": 1, "display": 1}, away={"current": 0, "display": 0}))
    assert parsed.status == "open" and parsed.home_score is None


@pytest.mark.parametrize("bad", [{"id": "5"}, {"startTimestamp": None}, {"status": {"code": "100"}}, {"homeTeam": {}}])
def test_malformed_events_are_rejected(bad):
    payload = {**event(5, 0, start=datetime.now(timezone.utc)), **bad}
    with pytest.raises(ValidationError):
        EventSchema().load(payload)


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
