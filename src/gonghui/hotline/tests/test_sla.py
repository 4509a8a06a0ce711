import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gonghui.hotline.sla import (
    CALENDAR_WORKDAY,
    CST,
    Calendar,
    CalendarRangeError,
    Limit,
    SlaPolicy,
    compute_clock,
    deadline,
    elapsed,
    ticket_clocks,
    workdays_between,
)

D = dt.datetime


def test_calendar_follows_official_holidays_and_makeup_days():
    cal = CALENDAR_WORKDAY
    assert cal.is_counted_day(dt.date(2025, 9, 28))  # Sunday, make-up working day for 国庆
    assert not cal.is_counted_day(dt.date(2025, 10, 8))  # 国庆/中秋 holiday, a Wednesday
    assert cal.is_counted_day(dt.date(2025, 10, 11))  # Saturday make-up day
    assert cal.is_counted_day(dt.date(2026, 2, 14))  # Saturday make-up day before 春节
    assert not cal.is_counted_day(dt.date(2026, 2, 23))  # Monday inside 春节
    assert cal.is_counted_day(dt.date(2026, 2, 28))  # Saturday make-up day after 春节


def test_workdays_limit_across_national_day_2025():
    # received Tue 30 Sep 10:00; day 1 = Thu 9 Oct, day 2 = Fri 10 Oct, day 3 = Sat 11 Oct (make-up)
    start = D(2025, 9, 30, 10)
    assert deadline(start, Limit(1, "workdays")) == D(2025, 10, 10)
    assert deadline(start, Limit(2, "workdays")) == D(2025, 10, 11)
    assert deadline(start, Limit(3, "workdays")) == D(2025, 10, 12)
    # Sunday 12 Oct is a rest day again: day 4 = Mon 13 Oct
    assert deadline(start, Limit(4, "workdays")) == D(2025, 10, 14)


def test_workdays_limit_received_on_holiday_counts_from_next_working_day():
    assert deadline(D(2025, 10, 3, 9), Limit(1, "workdays")) == D(2025, 10, 10)
    # received on the make-up Sunday 28 Sep: the day itself is not counted
    assert deadline(D(2025, 9, 28, 9), Limit(1, "workdays")) == D(2025, 9, 30)


def test_spring_festival_2026_workdays_and_workhours():
    start = D(2026, 2, 13, 16)  # Friday before 春节
    # day 1 = Sat 14 Feb (make-up), day 2 = Tue 24 Feb, day 3 = Wed 25 Feb
    assert deadline(start, Limit(1, "workdays")) == D(2026, 2, 15)
    assert deadline(start, Limit(2, "workdays")) == D(2026, 2, 25)
    assert deadline(start, Limit(3, "workdays")) == D(2026, 2, 26)
    # 8 h left on Friday, 24 h on the make-up Saturday, then the holiday is skipped
    assert deadline(start, Limit(10, "workhours")) == D(2026, 2, 14, 2)
    assert deadline(start, Limit(40, "workhours")) == D(2026, 2, 24, 8)
    # on the 24x7 calendar the holiday counts
    assert deadline(start, Limit(7, "days")) == D(2026, 2, 20, 16)
    assert deadline(start, Limit(2, "hours")) == D(2026, 2, 13, 18)


def test_pause_moves_deadline_by_paused_counted_time():
    start = D(2026, 2, 13, 16)
    pauses = [(D(2026, 2, 24, 12), D(2026, 2, 25, 12))]  # one working day waiting for documents
    assert deadline(start, Limit(3, "workdays"), pauses) == D(2026, 2, 27)
    # a pause during the holiday costs nothing on the working-day calendar
    assert deadline(start, Limit(3, "workdays"), [(D(2026, 2, 16), D(2026, 2, 20))]) == D(2026, 2, 26)
    # ... but costs its full length on 24x7
    assert deadline(start, Limit(7, "days"), [(D(2026, 2, 16), D(2026, 2, 17, 6))]) == D(2026, 2, 21, 22)
    # overlapping / unsorted pauses are merged
    ps = [(D(2026, 2, 14, 2), D(2026, 2, 14, 4)), (D(2026, 2, 14, 1), D(2026, 2, 14, 3))]
    assert deadline(start, Limit(10, "workhours"), ps) == D(2026, 2, 14, 5)


def test_open_pause_stops_the_clock():
    start = D(2025, 10, 9, 9)
    assert deadline(start, Limit(7, "days"), [(D(2025, 10, 10), None)]) is None
    # an open pause after the deadline does not matter
    assert deadline(start, Limit(2, "hours"), [(D(2025, 10, 10), None)]) == D(2025, 10, 9, 11)
    st_ = compute_clock(
        "resolution", start, Limit(7, "days"), pauses=[(D(2025, 10, 10), None)], now=D(2025, 11, 1)
    )
    assert st_.status == "paused" and not st_.overdue and st_.elapsed == dt.timedelta(hours=15)


def test_elapsed_excludes_pauses_and_rest_days():
    start, end = D(2025, 9, 30, 10), D(2025, 10, 10, 10)
    assert elapsed(start, end) == dt.timedelta(days=10)
    # working days only: 30 Sep 10:00-24:00, 9 Oct, 10 Oct 00:00-10:00
    assert elapsed(start, end, calendar=CALENDAR_WORKDAY) == dt.timedelta(hours=14 + 24 + 10)
    pauses = [(D(2025, 10, 9, 8), D(2025, 10, 9, 20))]
    assert elapsed(start, end, pauses, CALENDAR_WORKDAY) == dt.timedelta(hours=14 + 12 + 10)
    assert elapsed(end, start) == dt.timedelta(0)


def test_clock_status_met_breached_overdue_due_soon():
    start = D(2025, 10, 9, 9)
    lim = Limit(2, "hours")
    assert compute_clock("response", start, lim, achieved_at=D(2025, 10, 9, 10)).status == "met"
    late = compute_clock("response", start, lim, achieved_at=D(2025, 10, 9, 12))
    assert late.status == "breached" and late.overdue and late.elapsed == dt.timedelta(hours=3)
    assert compute_clock("response", start, lim, now=D(2025, 10, 9, 9, 30)).status == "running"
    assert compute_clock("response", start, lim, now=D(2025, 10, 9, 10, 50)).status == "due_soon"
    od = compute_clock("response", start, lim, now=D(2025, 10, 9, 12))
    assert od.status == "overdue" and od.overdue and od.remaining == -dt.timedelta(hours=1)
    with pytest.raises(ValueError):
        compute_clock("response", start, lim)


def test_aware_datetimes_are_converted_to_china_time():
    # 2025-10-08 23:00 UTC = 2025-10-09 07:00 CST, a working day after the holiday
    start = dt.datetime(2025, 10, 8, 23, tzinfo=dt.UTC)
    due = deadline(start, Limit(1, "workdays"))
    assert due == dt.datetime(2025, 10, 11, tzinfo=CST)
    assert due.tzinfo is not None


def test_out_of_range_year_raises_clear_error_and_extra_days_fill_in():
    with pytest.raises(CalendarRangeError, match="不在法定节假日日历"):
        deadline(D(2026, 12, 30, 9), Limit(5, "workdays"))
    extra = {dt.date(2027, 1, 1)} | {dt.date(2027, 1, d) for d in (2, 3)}
    workdays = {dt.date(2027, 1, d) for d in (4, 5, 6, 7)}
    cal = Calendar("workday", extra_holidays=extra, extra_workdays=workdays)
    # 31 Dec 2026 (day 1), then 4, 5 Jan 2027
    assert deadline(D(2026, 12, 30, 9), Limit(3, "workdays"), calendar=cal) == D(2027, 1, 6)


def test_policy_defaults_and_specificity():
    pol = SlaPolicy()
    assert pol.limit_for("response", "服务帮扶", "劳动报酬/拖欠工资", "一般") == Limit(2, "hours")
    assert pol.limit_for("feedback", priority="紧急") == Limit(2, "hours")
    assert pol.limit_for("feedback", priority="一般") == Limit(7, "days")
    assert pol.limit_for("feedback", priority="复杂") == Limit(15, "days")
    assert pol.limit_for("resolution", "信访投诉", priority="一般") == Limit(60, "days")
    rules = list(pol.rules) + [
        {"clock": "resolution", "topic": "劳动报酬", "amount": 10, "unit": "workdays"},
        {"clock": "resolution", "topic": "劳动报酬/拖欠工资", "amount": 5, "unit": "workdays"},
    ]
    pol2 = SlaPolicy(rules)
    assert pol2.limit_for("resolution", "服务帮扶", "劳动报酬/拖欠工资/农民工", "一般") == Limit(
        5, "workdays"
    )
    assert pol2.limit_for("resolution", "服务帮扶", "劳动报酬/加班费", "一般") == Limit(10, "workdays")
    assert pol2.limit_for("resolution", "服务帮扶", "劳动合同", "一般") == Limit(15, "workdays")
    with pytest.raises(ValueError):
        SlaPolicy([{"clock": "x", "amount": 1}])
    with pytest.raises(ValueError):
        Limit(1.5, "workdays")
    assert Limit(15, "workdays").label == "15个工作日"


def test_ticket_clocks_with_extension_and_pause():
    ticket = {
        "request_type": "服务帮扶",
        "topic": "劳动报酬/拖欠工资",
        "priority": "一般",
        "created_at": D(2026, 2, 12, 9),
        "dispatched_at": D(2026, 2, 12, 10),
        "signed_at": D(2026, 2, 12, 11),
        "first_feedback_at": D(2026, 2, 20, 9),  # 7 days ended on 19 Feb 09:00
        "resolved_at": None,
        "pauses": [{"start": D(2026, 2, 24), "end": D(2026, 2, 25)}],
        "extended_limits": {"resolution": {"amount": 20, "unit": "workdays"}},
    }
    clocks = ticket_clocks(ticket, now=D(2026, 3, 2, 12))
    assert clocks["response"].status == "met"
    assert clocks["feedback"].status == "breached"
    res = clocks["resolution"]
    assert res.limit == Limit(20, "workdays") and res.status == "running"
    assert res.to_dict()["status_label"] == "计时中"


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=D(2025, 1, 1), max_value=D(2026, 6, 30)),
    hours=st.integers(min_value=1, max_value=400),
    pause_at=st.integers(min_value=0, max_value=500),
    pause_len=st.integers(min_value=1, max_value=100),
)
def test_elapsed_to_deadline_equals_budget(start, hours, pause_at, pause_len):
    # property: counted time from start to the deadline, pauses excluded, is the limit itself
    pauses = [(start + dt.timedelta(hours=pause_at), start + dt.timedelta(hours=pause_at + pause_len))]
    for lim in (Limit(hours, "hours"), Limit(hours, "workhours")):
        due = deadline(start, lim, pauses)
        cal = CALENDAR_WORKDAY if lim.unit == "workhours" else None
        assert elapsed(start, due, pauses, cal) == dt.timedelta(hours=hours)


def test_workdays_between():
    assert workdays_between(dt.date(2025, 9, 30), dt.date(2025, 10, 12)) == 3
