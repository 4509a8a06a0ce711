import datetime as dt

import pytest

from gonghui.hotline.rates import (
    RateConfig,
    compute_rates,
    month_bounds,
    monthly_ranking,
    periods,
    rates_by_group,
    rates_by_period,
)

D = dt.datetime
JAN, MAR = dt.date(2021, 1, 1), dt.date(2021, 3, 1)


def beijing_12351_jan_feb_2021():
    """4,190 tickets dispatched in Jan-Feb 2021; 4,028 fell due in the period, 3,952 closed on time.

    The other 162 were dispatched late in February and fall due in March."""
    recs = []
    for i in range(4190):
        day = dt.date(2021, 1, 1) + dt.timedelta(days=i % 59)
        dispatched = D(day.year, day.month, day.day, 9)
        if i < 4028:
            dispatched = D(2021, 1, 1, 9) + dt.timedelta(hours=(i * 11) % (50 * 24))
            due = dispatched + dt.timedelta(days=7)
        else:
            dispatched = D(2021, 2, 25, 9) + dt.timedelta(minutes=i)
            due = dispatched + dt.timedelta(days=7)  # in March
        on_time = i < 3952 or i >= 4028
        resolved = due - dt.timedelta(hours=5) if on_time else due + dt.timedelta(days=2)
        recs.append(
            {
                "id": i,
                "union": f"U{i % 7}",
                "town": f"T{i % 3}",
                "dispatched_at": dispatched,
                "response_due": dispatched + dt.timedelta(hours=2),
                "signed_at": dispatched + dt.timedelta(hours=1),
                "resolution_due": due,
                "resolved_at": resolved,
            }
        )
    return recs


def test_beijing_12351_ontime_close_rate_98_11_percent():
    recs = beijing_12351_jan_feb_2021()
    r = compute_rates(recs, JAN, MAR)["resolution"]
    assert (r.numerator, r.denominator) == (3952, 4028)
    assert r.percent == "98.11%"
    assert "到期" in r.definition
    # the rejected reading: over all dispatched tickets it would be 94.32%
    alt = compute_rates(recs, JAN, MAR, RateConfig(resolution="ontime_close_dispatched"))["resolution"]
    assert alt.denominator == 4190 and alt.percent != "98.11%"


def test_satisfaction_weighted_basic_satisfied_counts_0_9():
    recs = []
    results = ["满意"] * 80 + ["基本满意"] * 15 + ["不满意"] * 5 + ["未接通"] * 7 + [None] * 3
    for i, res in enumerate(results):
        recs.append({"id": i, "callback_result": res, "callback_at": D(2021, 2, 1, 10)})
    s = compute_rates(recs, JAN, MAR)["satisfaction"]
    assert s.denominator == 100  # 未接通 and no call-back are not valid call-backs
    assert s.numerator == pytest.approx(80 + 13.5)
    assert s.percent == "93.50%"
    assert "0.9" in s.definition
    assert (
        compute_rates(recs, JAN, MAR, RateConfig(satisfaction="strict"))["satisfaction"].percent == "80.00%"
    )
    loose = compute_rates(recs, JAN, MAR, RateConfig(satisfaction="satisfied_or_basic"))["satisfaction"]
    assert loose.percent == "95.00%"
    custom = RateConfig(satisfaction_weights={"满意": 1, "基本满意": 0.8, "不满意": 0})
    assert compute_rates(recs, JAN, MAR, custom)["satisfaction"].percent == "92.00%"


def test_response_rate_and_drilldown_ids():
    recs = [
        {
            "id": 1,
            "dispatched_at": D(2021, 1, 5, 9),
            "response_due": D(2021, 1, 5, 11),
            "signed_at": D(2021, 1, 5, 10),
        },
        {
            "id": 2,
            "dispatched_at": D(2021, 1, 5, 9),
            "response_due": D(2021, 1, 5, 11),
            "signed_at": D(2021, 1, 5, 12),
        },
        {"id": 3, "dispatched_at": D(2021, 1, 5, 9), "response_due": D(2021, 1, 5, 11), "signed_at": None},
        {"id": 4, "dispatched_at": None},  # closed at intake: not dispatched, not counted
        {"id": 5, "dispatched_at": D(2021, 3, 5, 9), "response_due": D(2021, 3, 5, 11)},  # other period
    ]
    r = compute_rates(recs, JAN, MAR)["response"]
    assert (r.numerator, r.denominator) == (1, 3)
    assert r.numerator_ids == [1] and r.denominator_ids == [1, 2, 3]
    assert r.to_dict()["percent"] == "33.33%"
    empty = compute_rates([], JAN, MAR)["response"]
    assert empty.value is None and empty.percent == "—"


def test_callback_resolution_variant():
    recs = [
        {"id": 1, "callback_result": "满意", "callback_resolved": True, "callback_at": D(2021, 1, 9)},
        {"id": 2, "callback_result": "不满意", "callback_resolved": False, "callback_at": D(2021, 1, 9)},
        {"id": 3, "callback_result": "未接通", "callback_resolved": None, "callback_at": D(2021, 1, 9)},
    ]
    r = compute_rates(recs, JAN, MAR, RateConfig(resolution="callback_resolved"))["resolution"]
    assert (r.numerator, r.denominator) == (1, 2)
    with pytest.raises(ValueError):
        RateConfig(resolution="nope").formulas()


def test_grouping_periods_and_ranking():
    recs = beijing_12351_jan_feb_2021()
    by_union = rates_by_group(recs, JAN, MAR, "union")
    assert sum(v["resolution"].denominator for v in by_union.values()) == 4028
    by_town_union = rates_by_group(recs, JAN, MAR, ("town", "union"))
    assert len(by_town_union) == 21
    trend = rates_by_period(recs, JAN, MAR, "month")
    assert list(trend) == ["2021-01", "2021-02"]
    assert sum(t[()]["resolution"].denominator for t in trend.values()) == 4028
    assert [p[0] for p in periods(dt.date(2021, 2, 1), dt.date(2021, 12, 1), "quarter")] == [
        "2021Q1",
        "2021Q2",
        "2021Q3",
        "2021Q4",
    ]
    ranking = monthly_ranking(recs, 2021, 1, "union")
    assert [r["rank"] for r in ranking] == sorted(r["rank"] for r in ranking)
    assert ranking[0]["score"] >= ranking[-1]["score"]
    assert set(ranking[0]) >= {"group", "rank", "score", "response_percent", "resolution_percent"}
    assert month_bounds(2021, 12) == (dt.date(2021, 12, 1), dt.date(2022, 1, 1))


def test_ranking_ties_share_rank_and_weights_renormalise():
    recs = []
    for u, ok in (("甲镇工会", True), ("乙镇工会", True), ("丙镇工会", False)):
        recs.append(
            {
                "id": u,
                "union": u,
                "dispatched_at": D(2021, 1, 3),
                "response_due": D(2021, 1, 3, 2),
                "signed_at": D(2021, 1, 3, 1) if ok else D(2021, 1, 3, 5),
            }
        )
    rows = monthly_ranking(recs, 2021, 1)
    assert [(r["group"], r["rank"], r["score"]) for r in rows] == [
        ("乙镇工会", 1, 100.0),
        ("甲镇工会", 1, 100.0),
        ("丙镇工会", 3, 0.0),
    ]


def test_definitions_are_chinese():
    defs = RateConfig().definitions()
    assert set(defs) == {"response", "resolution", "satisfaction"}
    assert all("率" in d for d in defs.values())


def test_aware_datetimes_fall_in_china_calendar_days():
    # 2021-02-28 17:00 UTC is 1 March 01:00 in China: outside Jan-Feb
    rec = {"id": 1, "callback_result": "满意", "callback_at": dt.datetime(2021, 2, 28, 17, tzinfo=dt.UTC)}
    assert compute_rates([rec], JAN, MAR)["satisfaction"].denominator == 0
    assert compute_rates([rec], MAR, dt.date(2021, 4, 1))["satisfaction"].denominator == 1
