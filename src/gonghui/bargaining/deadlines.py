"""Statutory deadlines and checks of a collective negotiation case, per 《集体合同规定》
(原劳动和社会保障部令第22号). Pure: no Django import; dates in, plain results and Chinese
messages out.

How the limits are counted (decided here, and shown to users through ``COUNTING_NOTE``):

* Every limit of the regulation is written as "N日" without "工作日", so all of them are
  **calendar days**: the 20-day written reply to an offer (第三十二条), filing within 10 days of the
  chiefs' signatures (第四十二条), the labour department's 15-day review (第四十七条).
* As 《民法典》第二百零一条 says, the day of the triggering event is not counted: the period starts
  the next day (received on 1 March + 20 days = 21 March).
* As 《民法典》第二百零三条 says, when the last day is a statutory rest day (法定休假日: a public
  holiday or a weekend that is not a make-up working day, 调休上班日), the period ends on the first
  working day after it. Holidays and make-up days come from the ``chinese_calendar`` package
  (PyPI ``chinesecalendar``) and from the arrangements the federation recorded itself
  (``gonghui.core.holidays``; needed for a year the package does not know yet); for a year neither
  knows, only Saturdays and Sundays are rest days and the result says so.
* Periods in years or months (the 1-3 year term, the 3-month renewal window) end on the
  corresponding day of the last month, or on that month's last day when there is none
  (《民法典》第二百零二条).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from gonghui.core import holidays as _official  # pure, like this module

REPLY_DAYS = 20  # 第三十二条
FILING_DAYS = 10  # 第四十二条
REVIEW_DAYS = 15  # 第四十七条
MIN_TERM_YEARS, MAX_TERM_YEARS = 1, 3  # 第三十八条
RENEWAL_WINDOW_MONTHS = 3  # 第三十八条
MIN_REPRESENTATIVES = 3  # 第十九条

COUNTING_NOTE = (
    "期限按自然日计算：事件发生当日不计入，自次日起算；期间最后一日为法定节假日或休息日的，"
    "顺延至其后第一个工作日（调休上班日视为工作日）。按年、月计算的期间，以到期月的对应日为最后一日，"
    "无对应日的以该月末日为最后一日。"
)


# ------------------------------------------------------------------------------------------
# Calendar


def is_rest_day(d: date, official_days: Mapping[date, bool] | None = None) -> tuple[bool, bool]:
    """(is a statutory rest day, calendar data known for that year). ``official_days`` are the
    holiday arrangements the federation recorded (date → is a working day); they win."""
    workday, known = _official.day_status(d, official_days)
    return not workday, known


def period_end(start: date, days: int, official_days: Mapping[date, bool] | None = None) -> tuple[date, bool]:
    """Last day of a period of ``days`` calendar days triggered on ``start``; extended past
    rest days. Returns (last day, whether holiday data covered every day looked at)."""
    end = start + timedelta(days=days)
    known_all = True
    while True:
        rest, known = is_rest_day(end, official_days)
        known_all &= known
        if not rest:
            return end, known_all
        end += timedelta(days=1)


def add_months(d: date, months: int) -> date:
    """The corresponding day ``months`` later (or earlier), clamped to the month's last day."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def contract_expiry(effective_from: date, term_years: int) -> date:
    """Last day of a term of ``term_years`` years starting on ``effective_from`` (that day counts,
    so the term ends the day before the corresponding day: 2025-03-01 + 3 years -> 2028-02-29)."""
    return add_months(effective_from, 12 * term_years) - timedelta(days=1)


# ------------------------------------------------------------------------------------------
# Deadlines of a case


@dataclass
class CaseDates:
    """The dates a case records (None = not yet happened)."""

    offer_received: date | None = None  # 收到书面协商要约之日
    replied: date | None = None  # 书面回应之日
    signed: date | None = None  # 双方首席代表签字之日
    filed: date | None = None  # 报送劳动保障行政部门之日
    department_received: date | None = None  # 行政部门收到文本之日 (defaults to ``filed``)
    objection: date | None = None  # 行政部门提出异议之日
    effective_from: date | None = None  # explicit effective date (overrides the computed one)
    term_years: int | None = None  # 合同期限（年）
    expires_on: date | None = None  # explicit expiry date (overrides the computed one)
    renewal_requested: date | None = None  # 提出续订要求之日


@dataclass
class Deadline:
    key: str
    label: str
    basis: str
    due: date | None  # the last day (or the date the step happens, for "effective")
    window_start: date | None = None
    done_on: date | None = None
    status: str = "pending"  # pending | met | late | missed | due_soon | info
    message: str = ""
    calendar_known: bool = True

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _status(due: date, done: date | None, today: date, soon_days: int) -> str:
    if done is not None:
        return "met" if done <= due else "late"
    if today > due:
        return "missed"
    if (due - today).days <= soon_days:
        return "due_soon"
    return "pending"


_STATUS_TEXT = {
    "met": "已按期完成",
    "late": "已完成，但超过期限",
    "missed": "已超过期限，尚未完成",
    "due_soon": "即将到期",
    "pending": "未到期",
}


def case_deadlines(
    case: CaseDates, today: date, *, soon_days: int = 3, official_days: Mapping[date, bool] | None = None
) -> list[Deadline]:
    """Every statutory deadline that the recorded dates trigger, with its status on ``today``
    (``official_days``: recorded holiday arrangements, see ``is_rest_day``)."""
    out: list[Deadline] = []

    def fmt(d: date) -> str:
        return f"{d.year}年{d.month}月{d.day}日"

    def add(key, label, basis, due, done, known, window_start=None):
        st = _status(due, done, today, soon_days)
        msg = f"{label}：期限至{fmt(due)}，{_STATUS_TEXT[st]}"
        if not known:
            msg += "（该年度节假日数据缺失，仅按周末顺延，请人工核对）"
        out.append(Deadline(key, label, basis, due, window_start, done, st, msg, known))

    if case.offer_received:
        due, known = period_end(case.offer_received, REPLY_DAYS, official_days)
        add(
            "reply",
            "书面回应协商要约",
            "《集体合同规定》第三十二条：收到要约之日起20日内",
            due,
            case.replied,
            known,
        )
    if case.signed:
        due, known = period_end(case.signed, FILING_DAYS, official_days)
        add(
            "filing",
            "报送劳动保障行政部门审查",
            "《集体合同规定》第四十二条：首席代表签字之日起10日内",
            due,
            case.filed,
            known,
        )
    received = case.department_received or case.filed
    effective = case.effective_from
    if received:
        due, known = period_end(received, REVIEW_DAYS, official_days)
        if case.objection is not None:
            st, msg = "info", f"行政部门已于{fmt(case.objection)}提出异议，集体合同未生效，需重新协商修改"
        elif today > due:
            st, msg = "met", f"审查期限至{fmt(due)}，未提出异议，集体合同已生效"
        else:
            st, msg = "pending", f"审查期限至{fmt(due)}，期满未提出异议即生效"
        out.append(
            Deadline(
                "review",
                "行政部门审查",
                "《集体合同规定》第四十七条：收到文本之日起15日内",
                due,
                None,
                case.objection,
                st,
                msg,
                known,
            )
        )
        if effective is None and case.objection is None:
            effective = due + timedelta(days=1)
    expires = case.expires_on
    if expires is None and effective is not None and case.term_years:
        expires = contract_expiry(effective, case.term_years)
    if effective is not None:
        out.append(
            Deadline(
                "effective",
                "集体合同生效",
                "《集体合同规定》第四十七条",
                effective,
                None,
                None,
                "info",
                f"生效日期：{fmt(effective)}",
            )
        )
    if expires is not None:
        window = add_months(expires, -RENEWAL_WINDOW_MONTHS)
        if case.renewal_requested is not None:
            st = "met" if window <= case.renewal_requested <= expires else "late"
            msg = f"已于{fmt(case.renewal_requested)}提出续订要求" + (
                "" if st == "met" else "（不在期满前3个月内）"
            )
        elif today < window:
            st, msg = "pending", f"可于{fmt(window)}至{fmt(expires)}期间提出续订或重新签订要求"
        elif today <= expires:
            st, msg = "due_soon", f"已进入续订窗口，请在{fmt(expires)}前提出续订或重新签订要求"
        else:
            st, msg = "missed", f"集体合同已于{fmt(expires)}期满，尚未提出续订要求"
        out.append(
            Deadline(
                "renewal",
                "提出续订要求",
                "《集体合同规定》第三十八条：期满前3个月内",
                expires,
                window,
                case.renewal_requested,
                st,
                msg,
            )
        )
    return out


# ------------------------------------------------------------------------------------------
# Validation (each returns a list of Chinese messages; empty = valid)


def validate_term(effective_from: date, expires_on: date) -> list[str]:
    """The term must be 1 to 3 years (第三十八条)."""
    if expires_on <= effective_from:
        return ["期满日期必须晚于生效日期"]
    errors = []
    if expires_on < contract_expiry(effective_from, MIN_TERM_YEARS):
        errors.append("集体合同期限一般为1至3年，当前期限不足1年")
    if expires_on > contract_expiry(effective_from, MAX_TERM_YEARS):
        errors.append("集体合同期限一般为1至3年，当前期限超过3年")
    return errors


def validate_term_years(term_years: int) -> list[str]:
    if not MIN_TERM_YEARS <= term_years <= MAX_TERM_YEARS:
        return ["集体合同期限一般为1至3年"]
    return []


@dataclass(frozen=True)
class Representative:
    person_id: str  # stable identifier (member id or masked ID number), used for the both-sides check
    name: str
    chief: bool = False  # 首席代表
    external: bool = False  # 本单位以外的专业人员（外聘专家）


def validate_representatives(
    workers: Sequence[Representative], employer: Sequence[Representative]
) -> list[str]:
    """第十九条、第二十三条、第二十四条: at least 3 a side, equal numbers, exactly one chief per
    side, outside experts at most one third of a side and never chief, nobody on both sides."""
    errors: list[str] = []
    sides = (("职工方", workers), ("用人单位方", employer))
    for side, reps in sides:
        if len(reps) < MIN_REPRESENTATIVES:
            errors.append(f"{side}协商代表不得少于{MIN_REPRESENTATIVES}人（现为{len(reps)}人）")
        chiefs = [r for r in reps if r.chief]
        if len(chiefs) != 1:
            errors.append(f"{side}应确定1名首席代表（现为{len(chiefs)}名）")
        for r in chiefs:
            if r.external:
                errors.append(f"{side}首席代表{r.name}为本单位以外人员，首席代表不得由非本单位人员担任")
        n_ext = sum(1 for r in reps if r.external)
        if n_ext * 3 > len(reps):
            errors.append(f"{side}外聘专业人员{n_ext}人，超过本方代表人数的三分之一")
        seen: set[str] = set()
        for r in reps:
            if r.person_id in seen:
                errors.append(f"{side}代表{r.name}重复登记")
            seen.add(r.person_id)
    if len(workers) != len(employer):
        errors.append(f"双方协商代表人数应当对等（职工方{len(workers)}人，用人单位方{len(employer)}人）")
    both = {r.person_id for r in workers} & {r.person_id for r in employer}
    for r in workers:
        if r.person_id in both:
            errors.append(f"{r.name}同时为双方协商代表，用人单位协商代表与职工协商代表不得相互兼任")
    return errors


def validate_congress_vote(total: int, present: int, in_favour: int, *, body: str = "职工代表") -> list[str]:
    """第三十六条: at least two thirds of all (representatives or workers) present, and more than
    half of ALL of them (not of those present) in favour. Integer arithmetic, no rounding."""
    errors: list[str] = []
    if total <= 0:
        return [f"{body}总数必须大于0"]
    if not 0 <= present <= total:
        errors.append(f"出席人数（{present}）必须在0至{body}总数（{total}）之间")
    if not 0 <= in_favour <= present:
        errors.append(f"同意人数（{in_favour}）不能超过出席人数（{present}）")
    if errors:
        return errors
    if present * 3 < total * 2:
        errors.append(f"出席{present}人，未达到{body}总数{total}人的三分之二，会议不能表决")
    if in_favour * 2 <= total:
        errors.append(f"同意{in_favour}人，未超过{body}总数{total}人的半数，集体合同草案未获通过")
    return errors


def vote_passes(total: int, present: int, in_favour: int) -> bool:
    return not validate_congress_vote(total, present, in_favour)


def missed(deadlines: Iterable[Deadline]) -> list[Deadline]:
    """The deadlines to flag: missed, or done late."""
    return [d for d in deadlines if d.status in ("missed", "late")]
