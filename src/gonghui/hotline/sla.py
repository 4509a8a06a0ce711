"""Time limits and clocks of hotline tickets (pure: no Django import).

Vocabulary
----------
* **Calendars.** ``"24x7"`` counts every second. ``"workday"`` counts only the seconds that
  fall on working days of China's official calendar (State Council holiday notices, including
  the make-up working days on weekends), taken from the maintained package ``chinese_calendar``
  (PyPI ``chinesecalendar``). Outside the years that package knows, a :class:`CalendarRangeError`
  is raised, unless the caller supplies the missing days through ``extra_holidays`` /
  ``extra_workdays`` (e.g. as soon as the State Council publishes next year's notice).

* **Limits** (:class:`Limit`) are plain data ``(amount, unit)`` with four units:

  ``hours``     wall-clock hours on the 24x7 calendar: deadline = start + N hours.
  ``days``      wall-clock days on the 24x7 calendar: deadline = start + N x 24 hours.
  ``workhours`` N hours counted only inside working days (a working day counts 00:00-24:00).
  ``workdays``  **N working days = until 24:00 of the N-th working day after the start day.**
                The start day itself is not counted (as in Civil Code art. 201: "开始的当日不计入,
                自下一日开始计算"; art. 203: the period ends at 24:00). A ticket received on a
                Saturday or during a holiday therefore has the first following working day as
                day 1. Example: 2 working days from Tue 2025-09-30 10:00 = end of Sat 2025-10-11
                (2025-10-09 is day 1, the make-up working day 2025-10-11 is day 2).

* **Pauses** are ``(start, end)`` intervals (``end`` ``None`` = still paused) during which the
  clock stops (waiting for the worker's documents...). A deadline is the first instant at which
  the budget of counted time, excluding paused time, is used up; the budget of a ``workdays``
  limit is the counted time from the start to the unpaused deadline, so a pause of one working
  day moves that deadline by one working day.

* **Three clocks** per ticket: ``response`` (sign-for / first response, 签收), ``feedback``
  (progress feedback to the worker, 反馈) and ``resolution`` (办结).

Datetimes may be naive (taken as China Standard Time, UTC+8) or aware (converted to UTC+8
for the calendar; results are returned aware in UTC+8). China has no daylight saving time,
so arithmetic in UTC+8 is exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

CST = dt.timezone(dt.timedelta(hours=8), "CST")

REQUEST_TYPES: tuple[str, ...] = ("问题咨询", "服务帮扶", "信访投诉", "法律援助", "意见建议")
PRIORITIES: tuple[str, ...] = ("紧急", "一般", "复杂")
CLOCKS: tuple[str, ...] = ("response", "feedback", "resolution")
CLOCK_LABELS: dict[str, str] = {"response": "签收响应", "feedback": "进展反馈", "resolution": "办结"}
UNITS: tuple[str, ...] = ("hours", "days", "workhours", "workdays")
UNIT_LABELS: dict[str, str] = {"hours": "小时", "days": "日", "workhours": "工作小时", "workdays": "个工作日"}

_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)


class CalendarRangeError(ValueError):
    """The official holiday calendar of a date is not known."""


# --------------------------------------------------------------------------- calendars


@lru_cache(maxsize=8192)
def _official_is_workday(day: dt.date) -> bool:
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:  # the package knows only a range of years
        raise CalendarRangeError(
            f"{day.isoformat()} 不在法定节假日日历（chinese_calendar）支持的年份范围内，"
            f"请升级该软件包或在 extra_holidays / extra_workdays 中补充当年安排（{exc}）"
        ) from exc


@dataclass(frozen=True)
class Calendar:
    """Which seconds count. ``kind`` is ``"24x7"`` or ``"workday"``."""

    kind: str = "24x7"
    extra_holidays: frozenset[dt.date] = field(default_factory=frozenset)
    extra_workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.kind not in ("24x7", "workday"):
            raise ValueError(f"unknown calendar kind {self.kind!r}")
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))

    def is_counted_day(self, day: dt.date) -> bool:
        if self.kind == "24x7":
            return True
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        return _official_is_workday(day)

    def counted_intervals(self, start: dt.datetime, end: dt.datetime | None) -> Iterator[tuple]:
        """Yield the counted ``(a, b)`` intervals inside ``[start, end)`` (naive CST), in order.

        With ``end`` None the iteration is unbounded (callers stop it)."""
        if self.kind == "24x7":
            if end is None:
                a = start
                while True:  # chunks keep the consumer loop uniform
                    yield a, a + dt.timedelta(days=3650)
                    a += dt.timedelta(days=3650)
            elif end > start:
                yield start, end
            return
        day = start.date()
        while end is None or dt.datetime.combine(day, dt.time()) < end:
            if self.is_counted_day(day):
                a = max(start, dt.datetime.combine(day, dt.time()))
                b = dt.datetime.combine(day + _DAY, dt.time())
                if end is not None:
                    b = min(b, end)
                if b > a:
                    yield a, b
            day += _DAY

    def nth_counted_day_after(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th counted day strictly after ``day`` (n >= 1)."""
        count = 0
        while True:
            day += _DAY
            if self.is_counted_day(day):
                count += 1
                if count >= n:
                    return day


CALENDAR_24X7 = Calendar("24x7")
CALENDAR_WORKDAY = Calendar("workday")


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limit:
    """A time limit: ``amount`` in ``unit`` (see module doc)."""

    amount: float
    unit: str = "hours"

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}; expected one of {UNITS}")
        if self.amount <= 0:
            raise ValueError("a limit must be positive")
        if self.unit == "workdays" and int(self.amount) != self.amount:
            raise ValueError("a limit in working days must be a whole number")

    @property
    def calendar_kind(self) -> str:
        return "workday" if self.unit in ("workhours", "workdays") else "24x7"

    @property
    def label(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount}{UNIT_LABELS[self.unit]}"

    def to_dict(self) -> dict:
        return {"amount": self.amount, "unit": self.unit, "label": self.label}


# Defaults. Response and feedback follow Beijing's 12345 service standard as cited in issue 4:
# requests accepted (signed for) within 2 hours; feedback within 2 hours for emergencies,
# 7 days for general and 15 days for complex requests. Resolution limits are this project's
# editable defaults: emergencies 24 hours, general 15 working days, complex 30 working days;
# 信访投诉 60 days as in the 信访工作条例 ("自受理之日起60日内办结").
# Each rule: request_type / topic / priority (None = any); topic matches by path prefix
# ("劳动报酬" matches "劳动报酬/拖欠工资"); clock; amount; unit.
DEFAULT_RULES: tuple[dict, ...] = (
    {"clock": "response", "amount": 2, "unit": "hours"},
    {"clock": "feedback", "priority": "紧急", "amount": 2, "unit": "hours"},
    {"clock": "feedback", "priority": "一般", "amount": 7, "unit": "days"},
    {"clock": "feedback", "priority": "复杂", "amount": 15, "unit": "days"},
    {"clock": "feedback", "amount": 7, "unit": "days"},
    {"clock": "resolution", "priority": "紧急", "amount": 24, "unit": "hours"},
    {"clock": "resolution", "priority": "一般", "amount": 15, "unit": "workdays"},
    {"clock": "resolution", "priority": "复杂", "amount": 30, "unit": "workdays"},
    {"clock": "resolution", "amount": 15, "unit": "workdays"},
    {"clock": "resolution", "request_type": "信访投诉", "amount": 60, "unit": "days"},
)


def _topic_matches(rule_topic: str | None, topic: str | None) -> bool:
    if rule_topic is None:
        return True
    if topic is None:
        return False
    return topic == rule_topic or topic.startswith(rule_topic.rstrip("/") + "/")


class SlaPolicy:
    """Time limits per request type, topic and priority, from plain rule dicts.

    The most specific matching rule wins: more of (request_type, topic, priority) given, then
    a deeper topic path, then the later rule (so appending a rule overrides an earlier one)."""

    def __init__(self, rules: Iterable[Mapping] = DEFAULT_RULES):
        self.rules: list[dict] = []
        for raw in rules:
            rule = dict(raw)
            if rule.get("clock") not in CLOCKS:
                raise ValueError(f"rule {raw!r}: clock must be one of {CLOCKS}")
            Limit(rule["amount"], rule.get("unit", "hours"))  # validates
            self.rules.append(rule)

    def limit_for(
        self,
        clock: str,
        request_type: str | None = None,
        topic: str | None = None,
        priority: str | None = None,
    ) -> Limit:
        best, best_key = None, None
        for order, rule in enumerate(self.rules):
            if rule["clock"] != clock:
                continue
            if rule.get("request_type") not in (None, request_type):
                continue
            if rule.get("priority") not in (None, priority):
                continue
            if not _topic_matches(rule.get("topic"), topic):
                continue
            given = sum(rule.get(k) is not None for k in ("request_type", "topic", "priority"))
            depth = len(rule["topic"].strip("/").split("/")) if rule.get("topic") else 0
            key = (given, depth, order)
            if best_key is None or key > best_key:
                best, best_key = rule, key
        if best is None:
            raise LookupError(f"no time limit configured for clock {clock!r}")
        return Limit(best["amount"], best.get("unit", "hours"))

    def limits_for(
        self, request_type: str | None = None, topic: str | None = None, priority: str | None = None
    ) -> dict[str, Limit]:
        return {c: self.limit_for(c, request_type, topic, priority) for c in CLOCKS}


# --------------------------------------------------------------------------- clock arithmetic


def _to_local(moment: dt.datetime) -> dt.datetime:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(CST).replace(tzinfo=None)


def _from_local(moment: dt.datetime, aware: bool) -> dt.datetime:
    return moment.replace(tzinfo=CST) if aware else moment


def _normalise_pauses(pauses: Iterable, after: dt.datetime | None = None) -> list[tuple]:
    """Sorted, merged naive pause intervals; an open pause has end None."""
    items = []
    for p in pauses or ():
        if isinstance(p, Mapping):
            a, b = p.get("start"), p.get("end")
        else:
            a, b = p
        a = _to_local(a)
        b = _to_local(b) if b is not None else None
        if b is not None and b <= a:
            continue
        items.append((a, b))
    items.sort(key=lambda x: x[0])
    merged: list[list] = []
    for a, b in items:
        if merged and (merged[-1][1] is None or a <= merged[-1][1]):
            if merged[-1][1] is not None:
                merged[-1][1] = None if b is None else max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if after is None or b is None or b > after]


def _subtract(a: dt.datetime, b: dt.datetime, pauses: Sequence[tuple]) -> Iterator[tuple]:
    """Parts of [a, b) outside the (sorted, merged) pauses."""
    cur = a
    for pa, pb in pauses:
        if pb is not None and pb <= cur:
            continue
        if pa >= b:
            break
        if pa > cur:
            yield cur, pa
        if pb is None:
            return
        cur = max(cur, pb)
        if cur >= b:
            return
    if cur < b:
        yield cur, b


def _calendar_for(limit: Limit | None, calendar: Calendar | None) -> Calendar:
    if calendar is not None:
        if limit is not None and calendar.kind != limit.calendar_kind:
            raise ValueError(f"calendar {calendar.kind} does not fit a limit in {limit.unit}")
        return calendar
    if limit is not None and limit.calendar_kind == "workday":
        return CALENDAR_WORKDAY
    return CALENDAR_24X7


def _counted(cal: Calendar, a: dt.datetime, b: dt.datetime, pauses: Sequence[tuple]) -> dt.timedelta:
    total = _ZERO
    for x, y in cal.counted_intervals(a, b):
        for u, v in _subtract(x, y, pauses):
            total += v - u
    return total


def _budget(limit: Limit, start: dt.datetime, cal: Calendar) -> dt.timedelta:
    if limit.unit == "hours":
        return dt.timedelta(hours=limit.amount)
    if limit.unit == "days":
        return dt.timedelta(days=limit.amount)
    if limit.unit == "workhours":
        return dt.timedelta(hours=limit.amount)
    last = cal.nth_counted_day_after(start.date(), int(limit.amount))
    end = dt.datetime.combine(last + _DAY, dt.time())
    return _counted(cal, start, end, ())


def deadline(
    start: dt.datetime, limit: Limit, pauses: Iterable = (), calendar: Calendar | None = None
) -> dt.datetime | None:
    """When the clock started at ``start`` with ``limit`` runs out, skipping pauses.

    Returns None while an open pause (end None) stops the clock before the budget is used."""
    aware = start.tzinfo is not None
    s = _to_local(start)
    cal = _calendar_for(limit, calendar)
    remaining = _budget(limit, s, cal)
    ps = _normalise_pauses(pauses, after=s)
    for x, y in cal.counted_intervals(s, None):
        for u, v in _subtract(x, y, ps):
            if v - u >= remaining:
                return _from_local(u + remaining, aware)
            remaining -= v - u
        # an open pause that started before y swallows everything after it
        if ps and ps[-1][1] is None and ps[-1][0] <= y:
            return None
    raise AssertionError("unreachable")  # pragma: no cover


def elapsed(
    start: dt.datetime, end: dt.datetime, pauses: Iterable = (), calendar: Calendar | None = None
) -> dt.timedelta:
    """Counted time between ``start`` and ``end`` on ``calendar`` (default 24x7), pauses excluded."""
    s, e = _to_local(start), _to_local(end)
    if e <= s:
        return _ZERO
    cal = calendar or CALENDAR_24X7
    return _counted(cal, s, e, _normalise_pauses(pauses, after=s))


def workdays_between(start: dt.date, end: dt.date, calendar: Calendar = CALENDAR_WORKDAY) -> int:
    """Number of working days d with start < d <= end."""
    n, day = 0, start
    while day < end:
        day += _DAY
        n += calendar.is_counted_day(day)
    return n


# --------------------------------------------------------------------------- clock state


@dataclass
class ClockState:
    """One clock of one ticket, as shown on the page and stored on the ticket."""

    clock: str
    limit: Limit
    start: dt.datetime
    deadline: dt.datetime | None  # None while paused with no end
    achieved_at: dt.datetime | None
    elapsed: dt.timedelta  # counted time used, pauses excluded (to achieved_at or now)
    remaining: dt.timedelta | None  # until the deadline from now (negative when overdue); None if achieved
    status: str  # met | breached | running | due_soon | overdue | paused
    overdue: bool  # deadline passed without the clock being achieved in time

    @property
    def status_label(self) -> str:
        return {
            "met": "按时完成",
            "breached": "超时完成",
            "running": "计时中",
            "due_soon": "即将超时",
            "overdue": "已超时",
            "paused": "已暂停",
        }[self.status]

    def to_dict(self) -> dict:
        return {
            "clock": self.clock,
            "clock_label": CLOCK_LABELS[self.clock],
            "limit": self.limit.to_dict(),
            "start": self.start,
            "deadline": self.deadline,
            "achieved_at": self.achieved_at,
            "elapsed_seconds": self.elapsed.total_seconds(),
            "remaining_seconds": None if self.remaining is None else self.remaining.total_seconds(),
            "status": self.status,
            "status_label": self.status_label,
            "overdue": self.overdue,
        }


def _is_paused(pauses: Sequence[tuple], at: dt.datetime) -> bool:
    return any(a <= at and (b is None or at < b) for a, b in pauses)


def compute_clock(
    clock: str,
    start: dt.datetime,
    limit: Limit,
    achieved_at: dt.datetime | None = None,
    pauses: Iterable = (),
    now: dt.datetime | None = None,
    calendar: Calendar | None = None,
    due_soon_fraction: float = 0.2,
) -> ClockState:
    """State of one clock. ``now`` is needed while the clock is not achieved.

    ``due_soon`` when less than ``due_soon_fraction`` of the budget is left."""
    if clock not in CLOCKS:
        raise ValueError(f"unknown clock {clock!r}")
    pauses = list(pauses or ())
    cal = _calendar_for(limit, calendar)
    due = deadline(start, limit, pauses, cal)
    if achieved_at is not None:
        used = elapsed(start, achieved_at, pauses, cal)
        # achieved while an open pause stops the clock: never late
        late = due is not None and _to_local(achieved_at) > _to_local(due)
        return ClockState(
            clock, limit, start, due, achieved_at, used, None, "breached" if late else "met", late
        )
    if now is None:
        raise ValueError("now is required for a clock that is still running")
    used = elapsed(start, now, pauses, cal)
    norm = _normalise_pauses(pauses)
    if due is None:
        return ClockState(clock, limit, start, None, None, used, None, "paused", False)
    remaining = _to_local(due) - _to_local(now)
    if remaining < _ZERO:
        return ClockState(clock, limit, start, due, None, used, remaining, "overdue", True)
    if _is_paused(norm, _to_local(now)):
        status = "paused"
    else:
        budget = _budget(limit, _to_local(start), cal)
        left = budget - used
        status = "due_soon" if left < budget * due_soon_fraction else "running"
    return ClockState(clock, limit, start, due, None, used, remaining, status, False)


# Ticket field names (plain mapping or object with these attributes).
CLOCK_FIELDS: dict[str, tuple[str, str]] = {
    # clock: (start field, achieved field); start falls back to "created_at"
    "response": ("dispatched_at", "signed_at"),
    "feedback": ("created_at", "first_feedback_at"),
    "resolution": ("created_at", "resolved_at"),
}


def _get(record, key, default=None):
    if isinstance(record, Mapping):
        return record.get(key, default)
    return getattr(record, key, default)


def ticket_clocks(
    ticket,
    policy: SlaPolicy | None = None,
    now: dt.datetime | None = None,
    calendar_extra: Mapping | None = None,
) -> dict[str, ClockState]:
    """The three clocks of a ticket record.

    Fields read: ``request_type``, ``topic``, ``priority``, ``created_at``, ``dispatched_at``
    (response clock start; falls back to created_at), ``signed_at``, ``first_feedback_at``,
    ``resolved_at``, ``pauses`` (list of (start, end) or {"start", "end"}), optional
    ``extended_limits`` ({clock: {"amount", "unit"}} approved extensions replacing the limit).
    ``calendar_extra`` may give ``extra_holidays`` / ``extra_workdays`` for the workday calendar."""
    policy = policy or SlaPolicy()
    limits = policy.limits_for(_get(ticket, "request_type"), _get(ticket, "topic"), _get(ticket, "priority"))
    for clock, raw in (_get(ticket, "extended_limits") or {}).items():
        limits[clock] = Limit(raw["amount"], raw.get("unit", "hours"))
    pauses = _get(ticket, "pauses") or ()
    out = {}
    for clock, (start_field, done_field) in CLOCK_FIELDS.items():
        start = _get(ticket, start_field) or _get(ticket, "created_at")
        if start is None:
            raise ValueError("a ticket needs created_at")
        limit = limits[clock]
        cal = None
        if limit.calendar_kind == "workday" and calendar_extra:
            cal = Calendar("workday", **calendar_extra)
        out[clock] = compute_clock(clock, start, limit, _get(ticket, done_field), pauses, now, cal)
    return out
