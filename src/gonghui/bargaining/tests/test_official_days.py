"""Statutory deadlines of a negotiation in a year the holiday package does not know follow the
holiday arrangement the county recorded, and stop asking for a manual check."""

import datetime as dt

from gonghui.bargaining import deadlines
from gonghui.core import holidays

YEAR = holidays.last_package_year() + 1


def _received_so_the_reply_ends_on(day):
    return day - dt.timedelta(days=deadlines.REPLY_DAYS)


def test_a_recorded_holiday_extends_the_reply_deadline_past_it():
    monday = dt.date(YEAR, 2, 8) - dt.timedelta(days=dt.date(YEAR, 2, 8).weekday())
    case = deadlines.CaseDates(offer_received=_received_so_the_reply_ends_on(monday))
    [reply] = deadlines.case_deadlines(case, monday - dt.timedelta(days=30))
    assert reply.due == monday and not reply.calendar_known and "人工核对" in reply.message

    recorded = dict(holidays.Arrangement("春节", monday, monday + dt.timedelta(days=4)).days())
    [reply] = deadlines.case_deadlines(case, monday - dt.timedelta(days=30), official_days=recorded)
    # Monday–Friday are holidays, the weekend follows: the first working day is the next Monday.
    assert reply.due == monday + dt.timedelta(days=7)
    assert reply.calendar_known and "人工核对" not in reply.message


def test_a_recorded_make_up_saturday_ends_a_period_that_falls_on_it():
    saturday = dt.date(YEAR, 2, 20) + dt.timedelta(days=(5 - dt.date(YEAR, 2, 20).weekday()) % 7)
    case = deadlines.CaseDates(offer_received=_received_so_the_reply_ends_on(saturday))
    assert deadlines.case_deadlines(case, saturday)[0].due == saturday + dt.timedelta(days=2)
    [reply] = deadlines.case_deadlines(case, saturday, official_days={saturday: True})
    assert reply.due == saturday
