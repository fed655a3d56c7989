"""Overlapping matches ticks, on each queue backend: each round fetched once, and a tick
whose claim was taken over writes nothing."""

import dataclasses
import threading

from bootstrap import services_of
from services.matches_tick import EXPIRY_MARGIN_SECONDS
from tests.sofascore import event, final_score, json_response, round_path
from tests.support import KICKOFF, lt_statuses, seed_league, seed_match, seed_tournament, takeover_route


def test_five_ticks_at_once_fetch_each_of_20_rounds_exactly_once(make_app, settings, db, standin, queue_url):
    tournament = seed_tournament(db)
    _, (lt,) = seed_league(db, "Everyone", [tournament])
    for number in range(1, 21):
        ids = (number * 10, number * 10 + 1)
        for event_id in ids:
            seed_match(db, tournament, event_id, round_number=number)
        standin.round(
            round_path(17, 100, number),
            [event(i, 100, start=KICKOFF, home=final_score(1), away=final_score(0)) for i in ids],
        )
    app = make_app(
        dataclasses.replace(settings, sofascore_base_url=standin.base_url, db_pool_max_size=12, queue_url=queue_url)
    )
    services = services_of(app)
    barrier = threading.Barrier(5)
    summaries, failures = [], []

    def one_tick():
        try:
            barrier.wait(timeout=10)
            summaries.append(services.run_matches_tick(max_rounds=5))
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=one_tick) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(standin.counts) == 20 and set(standin.counts.values()) == {1}, standin.counts
    assert sum(s["rounds_processed"] for s in summaries) == 20
    assert sum(s["matches_ended"] for s in summaries) == 40
    assert all(
        s["rounds_processed"] + s["rounds_failed"] + s["rounds_deferred"] + s["rounds_skipped"] == s["rounds_due"]
        for s in summaries
    )
    assert db.execute("select count(*) as n from match where status = 'ended'").fetchone()["n"] == 40
    assert lt_statuses(db) == {lt["id"]: "outdata"}
    assert sum(s["league_tournaments_marked_outdata"] for s in summaries) == 1


def test_a_tick_whose_claim_was_taken_over_and_written_is_fenced_out(
    make_app, settings, db, standin, clock, queue_url, sentry_events
):
    """A's claim expires, B claims and writes the round, then A tries to write: the fence refuses A."""
    tournament = seed_tournament(db)
    seed_match(db, tournament, 1)
    app = make_app(dataclasses.replace(settings, sofascore_base_url=standin.base_url, queue_url=queue_url))
    services = services_of(app)
    path = round_path(17, 100, 1)
    route, b_summaries = takeover_route(
        clock,
        services,
        expiry_seconds=settings.tick_matches_budget_seconds + EXPIRY_MARGIN_SECONDS,
        first=json_response({"events": [event(1, 100, start=KICKOFF, home=final_score(9), away=final_score(9))]}),
        then=json_response({"events": [event(1, 100, start=KICKOFF, home=final_score(2), away=final_score(0))]}),
    )
    standin._routes[path] = route
    a = services.run_matches_tick()
    [b] = b_summaries
    assert (b["rounds_processed"], b["matches_ended"]) == (1, 1)
    assert (a["rounds_skipped"], a["rounds_processed"], a["matches_ended"], a["matches_checked"]) == (1, 0, 0, 0)
    row = db.execute("select home_score, away_score from match").fetchone()
    assert (row["home_score"], row["away_score"]) == (2, 0), "B's result stands; nothing of A's is written"
    runs = db.execute("select id, errors from tick_run order by id").fetchall()
    assert [r["errors"] for r in runs] == [[], []] and sentry_events.errors() == []
    assert standin.counts == {path: 2}
