"""Budget: a tick starts nothing that would end past its deadline, on the injected clock."""

from services.budget import Budget
from tests.support import FakeClock


def test_work_fits_only_while_it_would_end_by_the_deadline():
    clock = FakeClock()
    budget = Budget(120, clock=clock)
    assert budget.fits(120) and not budget.fits(120.001)
    clock.advance(100)
    assert budget.remaining() == 20 and budget.fits(20) and not budget.fits(21)


def test_the_remaining_time_never_goes_below_zero():
    clock = FakeClock()
    budget = Budget(10, clock=clock)
    clock.advance(60)
    assert budget.remaining() == 0.0 and not budget.fits(0.001)
