"""Deadlines in a year the holiday package does not know follow the notice the county recorded."""

import datetime as dt

import pytest

from gonghui.core import holidays, officialdays
from gonghui.core.testing import build_world, make_user
from gonghui.hotline import services
from gonghui.hotline.sla import CST, Calendar, Limit, deadline

YEAR = holidays.last_package_year() + 1


def _monday_in_february():
    day = dt.date(YEAR, 2, 8)
    return day - dt.timedelta(days=day.weekday())


@pytest.fixture(autouse=True)
def _fresh_calendar():
    officialdays.forget_cache()
    yield
    officialdays.forget_cache()  # the recorded days roll back with the test; so must the cache


@pytest.mark.django_db
def test_a_recorded_holiday_moves_a_working_day_deadline_and_a_make_up_day_counts():
    monday = _monday_in_february()
    start = dt.datetime.combine(monday - dt.timedelta(days=3), dt.time(9), tzinfo=CST)  # the Friday before
    before = Calendar("workday", **services.provisional_calendar())
    # Without a notice Monday–Friday count: 2 working days after Friday are Monday and Tuesday,
    # due when Tuesday ends.
    assert deadline(start, Limit(2, "workdays"), calendar=before).date() == monday + dt.timedelta(days=2)

    world = build_world()
    admin = make_user(world.county, role="county_admin")
    sunday = monday - dt.timedelta(days=1)
    officialdays.record_arrangement(
        admin, holidays.Arrangement("春节", monday, monday + dt.timedelta(days=4), (sunday,))
    )
    after = Calendar("workday", **services.provisional_calendar())
    assert not after.is_counted_day(monday) and after.is_counted_day(sunday)
    # With it: the make-up Sunday is day 1, the holiday week and the weekend are skipped, and the
    # Monday after is day 2, due when it ends.
    assert deadline(start, Limit(2, "workdays"), calendar=after).date() == monday + dt.timedelta(days=8)
