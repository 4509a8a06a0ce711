"""China's official working-day calendar: statutory holidays and make-up working days (调休上班).

Pure (no Django). The maintained package ``chinese_calendar`` (PyPI ``chinesecalendar``) carries the
State Council's notices up to some year. The notice for the next year comes out in November or
December, often before a package release that includes it, while deadlines are already being
computed into that year. So a federation can record a year's arrangement itself (``overrides``:
date → is a working day); recorded days win over the package, and for a day that neither knows,
Saturday and Sunday are rest days and the answer says it is provisional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

try:  # a declared dependency; the fallback only keeps the module importable
    import chinese_calendar as _cc
except ImportError:  # pragma: no cover
    _cc = None

MAX_HOLIDAY_SPAN_DAYS = 15  # the longest block in any notice is 8 days; a typo's year is refused
PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争胜利70周年纪念日",
}


@lru_cache(maxsize=1)
def last_package_year() -> int | None:
    """The last year the installed ``chinese_calendar`` knows, or None without the package."""
    if _cc is None:  # pragma: no cover
        return None
    return max(_cc.holidays).year


@lru_cache(maxsize=16384)
def _package_is_workday(day: dt.date) -> bool | None:
    if _cc is None:  # pragma: no cover
        return None
    try:
        return bool(_cc.is_workday(day))
    except NotImplementedError:
        return None


def day_status(day: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> tuple[bool, bool]:
    """(is a working day, known from an official source: a recorded notice or the package).

    A notice lists a whole year's holidays and make-up days, so once any day of a year the package
    does not know is recorded, the other days of that year follow the weekend rule and count as known.
    """
    if overrides and day in overrides:
        return overrides[day], True
    known = _package_is_workday(day)
    if known is not None:
        return known, True
    recorded_year = bool(overrides) and any(d.year == day.year for d in overrides)
    return day.weekday() < 5, recorded_year


def package_days(year: int) -> list[tuple[dt.date, bool, str]]:
    """The package's holidays and make-up working days of ``year``: (date, is working day, name)."""
    if _cc is None or year > (last_package_year() or 0):
        return []
    out = [(d, False, PACKAGE_NAMES.get(n, n)) for d, n in _cc.holidays.items() if d.year == year]
    out += [
        (d, True, PACKAGE_NAMES.get(n, n))
        for d, n in _cc.workdays.items()
        if d.year == year and d.weekday() >= 5
    ]
    return sorted(out)


@dataclass(frozen=True)
class Arrangement:
    """One holiday of a State Council notice: "春节：2月5日至11日放假调休，共7天。1月31日、2月14日上班"."""

    name: str
    first: dt.date
    last: dt.date
    workdays: tuple[dt.date, ...] = ()

    def days(self) -> list[tuple[dt.date, bool]]:
        """(date, is working day) for every day the arrangement fixes."""
        out = []
        day = self.first
        while day <= self.last:
            out.append((day, False))
            day += dt.timedelta(days=1)
        out.extend((d, True) for d in self.workdays)
        return sorted(out)


def check_arrangement(arr: Arrangement) -> list[str]:
    """What is wrong with an arrangement, in Chinese (empty if nothing)."""
    errors = []
    if not arr.name.strip():
        errors.append("请填写节日名称。")
    if arr.last < arr.first:
        errors.append("放假结束日期早于开始日期。")
    elif (arr.last - arr.first).days + 1 > MAX_HOLIDAY_SPAN_DAYS:
        errors.append(f"放假时间超过 {MAX_HOLIDAY_SPAN_DAYS} 天，请检查日期。")
    for d in arr.workdays:
        if arr.first <= d <= arr.last:
            errors.append(f"调休上班日 {d.isoformat()} 落在放假期间内。")
        if d.weekday() < 5:
            errors.append(f"调休上班日 {d.isoformat()} 不是周六或周日（工作日本来就上班）。")
        if abs((d - arr.first).days) > 31:
            errors.append(f"调休上班日 {d.isoformat()} 与放假时间相距超过一个月，请检查日期。")
    if len(set(arr.workdays)) != len(arr.workdays):
        errors.append("调休上班日有重复。")
    return errors


def parse_dates(text: str, near: dt.date | None = None) -> tuple[list[dt.date], list[str]]:
    """Dates separated by commas, spaces or 、: ISO ``2027-01-31``, or ``1-31`` / ``1月31日`` taken in
    the year that puts it nearest ``near`` (元旦's make-up day can fall in the December before)."""
    import re

    dates, errors = [], []
    for token in [t for t in re.split(r"[，,、;；\s]+", text or "") if t]:
        m = re.fullmatch(r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?", token)
        if not m:
            errors.append(f"无法识别的日期「{token}」，请写成 2027-01-31 或 1月31日。")
            continue
        month, day = int(m.group(2)), int(m.group(3))
        if m.group(1):
            years = [int(m.group(1))]
        elif near is not None:
            years = [near.year, near.year - 1, near.year + 1]
        else:
            errors.append(f"日期「{token}」缺少年份。")
            continue
        candidates = []
        for y in years:
            try:
                candidates.append(dt.date(y, month, day))
            except ValueError:
                pass
        if not candidates:
            errors.append(f"日期「{token}」不存在。")
            continue
        dates.append(min(candidates, key=lambda d: abs((d - near).days) if near and not m.group(1) else 0))
    return dates, errors
