"""Deadlines of a negotiation case: calendar days, month ends, holidays and make-up days."""

from datetime import date

from gonghui.bargaining.deadlines import (
    CaseDates,
    Representative,
    add_months,
    case_deadlines,
    contract_expiry,
    missed,
    period_end,
    validate_congress_vote,
    validate_representatives,
    validate_term,
    vote_passes,
)


def by_key(deadlines):
    return {d.key: d for d in deadlines}


def test_period_is_calendar_days_starting_next_day():
    # received Monday 2025-03-03, 20 days later is Sunday 2025-03-23 -> next working day Monday 24th
    assert period_end(date(2025, 3, 3), 20) == (date(2025, 3, 24), True)
    # received 2025-03-05 (Wed) + 20 = 2025-03-25 (Tue), a working day
    assert period_end(date(2025, 3, 5), 20) == (date(2025, 3, 25), True)


def test_period_across_month_end():
    # 2025-01-20 + 10 days = 2025-01-30, inside the Spring Festival holiday (28 Jan - 4 Feb 2025)
    end, known = period_end(date(2025, 1, 20), 10)
    assert known
    assert end == date(2025, 2, 5)
    # 2024-02-20 + 10 = 2024-03-01 (leap year), a Friday
    assert period_end(date(2024, 2, 20), 10)[0] == date(2024, 3, 1)


def test_last_day_on_national_day_holiday_is_extended():
    # 2025-09-20 + 15 = 2025-10-05, inside National Day holiday (1-8 Oct 2025): ends on Thu 9 Oct
    assert period_end(date(2025, 9, 20), 15)[0] == date(2025, 10, 9)


def test_make_up_working_day_is_not_extended():
    # Saturday 2025-10-11 is a make-up working day (调休上班): a period ending then is not extended
    assert period_end(date(2025, 9, 21), 20)[0] == date(2025, 10, 11)
    # Sunday 2025-09-28 also a make-up working day
    assert period_end(date(2025, 9, 8), 20)[0] == date(2025, 9, 28)


def test_year_without_holiday_data_falls_back_to_weekends():
    end, known = period_end(date(2031, 1, 1), 10)  # 2031-01-11 is a Saturday
    assert end == date(2031, 1, 13)
    assert not known


def test_add_months_clamps_month_end():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 5, 31), -3) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert contract_expiry(date(2025, 3, 1), 3) == date(2028, 2, 29)
    assert contract_expiry(date(2024, 2, 29), 1) == date(2025, 2, 27)


def test_case_deadlines_full_flow():
    case = CaseDates(
        offer_received=date(2025, 3, 3),
        replied=date(2025, 3, 20),
        signed=date(2025, 4, 25),
        filed=date(2025, 5, 9),
        term_years=3,
    )
    d = by_key(case_deadlines(case, today=date(2025, 7, 1)))
    assert d["reply"].due == date(2025, 3, 24) and d["reply"].status == "met"
    # 2025-04-25 + 10 = 2025-05-05, last day of the Labour Day holiday (1-5 May) -> 6 May
    assert d["filing"].due == date(2025, 5, 6)
    assert d["filing"].status == "late"
    # 2025-05-09 + 15 = 2025-05-24 (Saturday) -> Monday 26 May; effective the next day
    assert d["review"].due == date(2025, 5, 26)
    assert d["effective"].due == date(2025, 5, 27)
    assert d["renewal"].due == date(2028, 5, 26)
    assert d["renewal"].window_start == date(2028, 2, 26)
    assert d["renewal"].status == "pending"
    assert [x.key for x in missed(d.values())] == ["filing"]
    assert "超过期限" in d["filing"].message


def test_missed_reply_and_renewal_window():
    case = CaseDates(offer_received=date(2025, 6, 3))
    d = by_key(case_deadlines(case, today=date(2025, 6, 30)))
    assert d["reply"].status == "missed"
    assert "尚未完成" in d["reply"].message
    case = CaseDates(effective_from=date(2023, 1, 1), term_years=2)
    d = by_key(case_deadlines(case, today=date(2024, 11, 15)))
    assert d["renewal"].due == date(2024, 12, 31)
    assert d["renewal"].window_start == date(2024, 9, 30)
    assert d["renewal"].status == "due_soon"
    d = by_key(
        case_deadlines(
            CaseDates(effective_from=date(2023, 1, 1), term_years=2, renewal_requested=date(2024, 6, 1)),
            today=date(2024, 6, 2),
        )
    )
    assert d["renewal"].status == "late"


def test_objection_stops_effect():
    case = CaseDates(
        signed=date(2025, 3, 3), filed=date(2025, 3, 5), objection=date(2025, 3, 10), term_years=1
    )
    d = by_key(case_deadlines(case, today=date(2025, 4, 1)))
    assert "异议" in d["review"].message
    assert "effective" not in d


def test_term_validation():
    assert validate_term(date(2025, 1, 1), date(2027, 12, 31)) == []
    assert validate_term(date(2025, 1, 1), date(2027, 12, 31)) == []
    assert validate_term(date(2025, 1, 1), date(2025, 12, 30))
    assert validate_term(date(2025, 1, 1), date(2025, 12, 31)) == []
    assert validate_term(date(2025, 1, 1), date(2028, 1, 1))
    assert validate_term(date(2025, 1, 1), date(2024, 1, 1)) == ["期满日期必须晚于生效日期"]


def reps(prefix, n, chief=0, external=()):
    return [
        Representative(f"{prefix}{i}", f"{prefix}{i}", chief=i == chief, external=i in external)
        for i in range(n)
    ]


def test_representatives_valid():
    assert validate_representatives(reps("w", 3, external=(2,)), reps("e", 3)) == []
    assert validate_representatives(reps("w", 6, external=(4, 5)), reps("e", 6)) == []


def test_representatives_rules():
    errs = validate_representatives(reps("w", 2), reps("e", 2))
    assert any("不得少于3人" in e for e in errs)
    errs = validate_representatives(reps("w", 4), reps("e", 3))
    assert any("对等" in e for e in errs)
    errs = validate_representatives(reps("w", 3, chief=-1), reps("e", 3))
    assert any("首席代表（现为0名）" in e for e in errs)
    errs = validate_representatives(reps("w", 3, external=(1, 2)), reps("e", 3))
    assert any("三分之一" in e for e in errs)
    errs = validate_representatives(reps("w", 3, external=(0,)), reps("e", 3))
    assert any("首席代表不得由非本单位人员担任" in e for e in errs)
    both = reps("w", 3)
    employer = reps("e", 2) + [Representative("w1", "w1")]
    errs = validate_representatives(both, employer)
    assert any("不得相互兼任" in e for e in errs)


def test_congress_vote_counts():
    # 60 representatives: 40 present is exactly two thirds; 31 in favour is more than half of 60
    assert vote_passes(60, 40, 31)
    assert not vote_passes(60, 39, 31)  # below two thirds present
    errs = validate_congress_vote(60, 40, 30)  # exactly half of all is not "more than half"
    assert any("未超过" in e for e in errs)
    # majority of those present but not of all
    assert not vote_passes(60, 45, 29)
    assert validate_congress_vote(61, 41, 31) == []  # 41*3=123 >= 122; 31*2=62 > 61
    assert not vote_passes(61, 40, 31)
    assert validate_congress_vote(10, 11, 5)
    assert validate_congress_vote(10, 8, 9)
    assert validate_congress_vote(0, 0, 0)
