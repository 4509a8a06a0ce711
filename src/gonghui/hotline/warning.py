"""未诉先办: the early-warning detector and 每月一题 (pure: no Django import).

Detector
--------
:func:`detect` runs once a day over recent tickets (records ``{"id", "date", "enterprise_id",
"town", "topic", "text"}``; ``date`` a date or datetime; optional ``keywords`` list of
pre-segmented words) and other signals (``{"id", "kind", "date", "enterprise_id", ...}``, e.g.
arrears clues or expiring collective contracts). For every series — one enterprise, one topic in
one town, one topic, one town, one keyword — it compares the tickets of the last ``window`` days
(3 and 7 by default) with the series' **own baseline**: its rate over the 8 weeks before the
window. The baseline is made seasonal by a per-day multiplier:

* day of week (estimated from the whole history given, mean 1);
* for wage topics, the weeks before Spring Festival (``pre_festival_days`` = 42 days before
  the lunar new year, whose dates come from :data:`LUNAR_NEW_YEAR`): a factor learned from the
  history (wage tickets per day before the festival / on other days), or
  ``default_festival_factor`` when the history has no festival season;
* the holiday itself (``festival_lull`` for lunar new year day -3 .. +6).

For a series with baseline count ``B`` over multipliers ``M_b`` and window multipliers ``M_w``
the expected window count is ``E = B / M_b x M_w`` (per part: wage / other tickets), floored at
``min_expected``. An alert is raised when the observed count ``O`` reaches ``min_count``,
``O >= min_ratio x E`` and the Poisson tail ``P(X >= O | E)`` is below ``p_threshold``.
Broader alerts (town, topic, keyword) whose tickets are already explained by a narrower alert
(an enterprise cluster, say) are dropped when the remaining tickets are no longer significant.

The lunar new year table (Gregorian dates of 正月初一) is from the Purple Mountain Observatory
calendar as published in the State Council holiday notices; inside 2004-2026 the test suite
checks it against ``chinese_calendar``'s Spring Festival holidays.

每月一题
--------
:func:`rank_problems` ranks a year of tickets by topic, topic x industry and topic x town
(frequent problems shared by several enterprises); :func:`judge_theme` judges a chosen theme
as Beijing does, by the month-on-month fall of the tickets on that problem.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import poisson

LUNAR_NEW_YEAR: dict[int, dt.date] = {
    y: dt.date(y, m, d)
    for y, m, d in (
        (2004, 1, 22), (2005, 2, 9), (2006, 1, 29), (2007, 2, 18), (2008, 2, 7), (2009, 1, 26),
        (2010, 2, 14), (2011, 2, 3), (2012, 1, 23), (2013, 2, 10), (2014, 1, 31), (2015, 2, 19),
        (2016, 2, 8), (2017, 1, 28), (2018, 2, 16), (2019, 2, 5), (2020, 1, 25), (2021, 2, 12),
        (2022, 2, 1), (2023, 1, 22), (2024, 2, 10), (2025, 1, 29), (2026, 2, 17), (2027, 2, 6),
        (2028, 1, 26), (2029, 2, 13), (2030, 2, 3), (2031, 1, 23), (2032, 2, 11), (2033, 1, 31),
        (2034, 2, 19), (2035, 2, 8),
    )
}  # fmt: skip

DIMENSION_LABELS = {
    "enterprise": "企业",
    "town_topic": "镇街+类别",
    "topic": "诉求类别",
    "town": "镇街",
    "keyword": "关键词",
}
WAGE_TOPIC_MARKERS = ("工资", "欠薪", "劳动报酬")


def lunar_new_year(year: int) -> dt.date:
    """Gregorian date of the lunar new year (正月初一) of ``year``."""
    try:
        return LUNAR_NEW_YEAR[year]
    except KeyError:
        raise ValueError(
            f"{year} 年春节日期不在内置农历新年表（2004-2035）中，请补充 LUNAR_NEW_YEAR"
        ) from None


def days_to_next_lunar_new_year(day: dt.date) -> int:
    """Days from ``day`` to the next lunar new year (0 on the day itself)."""
    ny = lunar_new_year(day.year)
    if ny < day:
        ny = lunar_new_year(day.year + 1)
    return (ny - day).days


def days_since_lunar_new_year(day: dt.date) -> int:
    """Days since the last lunar new year on or before ``day``."""
    ny = lunar_new_year(day.year)
    if ny > day:
        ny = lunar_new_year(day.year - 1)
    return (day - ny).days


def is_wage_topic(topic) -> bool:
    if topic is None:
        return False
    try:
        return _WAGE_TOPICS[topic]
    except KeyError:
        out = _WAGE_TOPICS[topic] = any(m in str(topic) for m in WAGE_TOPIC_MARKERS)
        return out
    except TypeError:  # unhashable
        return any(m in str(topic) for m in WAGE_TOPIC_MARKERS)


_WAGE_TOPICS: dict = {}  # topic -> is_wage_topic (a few dozen topics; read once per ticket)


@dataclass(frozen=True)
class WarningConfig:
    windows: tuple[int, ...] = (3, 7)
    baseline_days: int = 56
    dimensions: tuple[str, ...] = ("enterprise", "town_topic", "topic", "town", "keyword")
    min_count: Mapping[str, int] = field(
        default_factory=lambda: {"enterprise": 4, "town_topic": 6, "topic": 10, "town": 10, "keyword": 6}
    )
    min_expected: Mapping[str, float] = field(
        default_factory=lambda: {
            "enterprise": 0.4,
            "town_topic": 0.5,
            "topic": 1.0,
            "town": 1.0,
            "keyword": 0.5,
        }
    )
    min_ratio: float = 2.0
    p_threshold: float = 1e-5
    pre_festival_days: int = 42
    default_festival_factor: float = 2.0
    festival_factor: float | None = None  # None: learn from the history
    festival_lull: float = 0.4
    dow_factors: tuple[float, ...] | None = None  # None: learn from the history (Mon..Sun, mean 1)
    keyword_min_enterprises: int = 2
    signal_weights: Mapping[str, float] = field(
        default_factory=lambda: {"arrears_clue": 2.0, "contract_expiring": 1.0}
    )


@dataclass
class Alert:
    kind: str
    key: object
    as_of: dt.date
    window_start: dt.date
    window_days: int
    observed: float
    expected: float
    baseline_count: int
    seasonal_factor: float
    p_value: float
    ticket_ids: list
    signal_ids: list = field(default_factory=list)
    title: str = ""
    explanation: str = ""
    related_keywords: list = field(default_factory=list)  # keywords merged into this alert

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else math.inf

    @property
    def score(self) -> float:
        return -math.log10(max(self.p_value, 1e-300))

    @property
    def severity(self) -> str:
        if self.score >= 10 or self.ratio >= 6:
            return "高"
        if self.score >= 7:
            return "中"
        return "低"

    def to_dict(self) -> dict:
        key = list(self.key) if isinstance(self.key, tuple) else self.key
        return {
            "kind": self.kind,
            "kind_label": DIMENSION_LABELS[self.kind],
            "key": key,
            "as_of": self.as_of,
            "window_start": self.window_start,
            "window_days": self.window_days,
            "observed": self.observed,
            "expected": round(self.expected, 3),
            "baseline_count": self.baseline_count,
            "seasonal_factor": round(self.seasonal_factor, 3),
            "ratio": round(self.ratio, 2) if math.isfinite(self.ratio) else None,
            "p_value": self.p_value,
            "score": round(self.score, 2),
            "severity": self.severity,
            "ticket_ids": list(self.ticket_ids),
            "signal_ids": list(self.signal_ids),
            "title": self.title,
            "explanation": self.explanation,
            "related_keywords": list(self.related_keywords),
        }


def _get(record, key, default=None):
    if type(record) is dict:  # the usual record: skip the (slow) abstract Mapping check
        return record.get(key, default)
    if isinstance(record, Mapping):
        return record.get(key, default)
    return getattr(record, key, default)


_CST = dt.timezone(dt.timedelta(hours=8), "CST")


def _as_date(value) -> dt.date:
    """The China calendar day of a date or datetime (aware datetimes converted to UTC+8)."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(_CST) if value.tzinfo is not None else value).date()
    return value


# --------------------------------------------------------------------------- seasonality


def _pre_festival(day: dt.date, days: int) -> bool:
    return 0 < days_to_next_lunar_new_year(day) <= days


def _lull(day: dt.date) -> bool:
    return days_to_next_lunar_new_year(day) <= 3 or days_since_lunar_new_year(day) <= 6


def _dates(tickets: Sequence) -> list[dt.date]:
    """The China calendar day of each ticket, in order."""
    return [_as_date(t["date"] if type(t) is dict else _get(t, "date")) for t in tickets]


def learn_festival_factor(
    tickets: Iterable, config: WarningConfig = WarningConfig(), *, dates: Sequence[dt.date] | None = None
) -> float | None:
    """Wage tickets per day in the weeks before Spring Festival / per day on ordinary days,
    from the history given; None when it has no full festival season or too few tickets.
    ``dates``: the tickets' days when the caller has them already (``_dates(tickets)``)."""
    tickets = list(tickets)
    if dates is None:
        dates = _dates(tickets)
    pre_days, other_days = set(), set()
    pre_n = other_n = 0
    all_days = set(dates)
    season: dict = {}  # day -> None (lull) / True (pre-festival) / False; computed once per day
    for t, d in zip(tickets, dates, strict=True):
        if not is_wage_topic(t.get("topic") if type(t) is dict else _get(t, "topic")):
            continue
        try:
            pre = season[d]
        except KeyError:
            pre = season[d] = None if _lull(d) else _pre_festival(d, config.pre_festival_days)
        if pre is None:
            continue
        if pre:
            pre_n += 1
        else:
            other_n += 1
    if not all_days:
        return None
    day, last = min(all_days), max(all_days)
    while day <= last:
        if not _lull(day):
            (pre_days if _pre_festival(day, config.pre_festival_days) else other_days).add(day)
        day += dt.timedelta(days=1)
    if len(pre_days) < config.pre_festival_days * 0.8 or len(other_days) < 28 or pre_n < 30 or other_n < 30:
        return None
    return float(np.clip((pre_n / len(pre_days)) / (other_n / len(other_days)), 1.0, 5.0))


def _dow_factors(days: Sequence[dt.date]) -> np.ndarray:
    counts = np.zeros(7)
    seen = defaultdict(set)
    for d, n in Counter(days).items():  # one step per calendar day, not per ticket
        counts[d.weekday()] += n
        seen[d.weekday()].add(d)
    per = np.array([counts[i] / max(len(seen[i]), 1) for i in range(7)])
    if per.sum() == 0 or (per == 0).any():
        return np.ones(7)
    return per / per.mean()


# --------------------------------------------------------------------------- detector


def _tokens(record) -> list[str]:
    kws = _get(record, "keywords")
    if kws is not None:
        return list(kws)
    return _cached_tokens(_get(record, "text") or "")


_TOKEN_CACHE: dict[str, list[str]] = {}


def _cached_tokens(text: str) -> list[str]:
    out = _TOKEN_CACHE.get(text)
    if out is None:
        from gonghui.hotline.classify import tokenize

        out = sorted(set(tokenize(text)))
        if len(_TOKEN_CACHE) > 200_000:
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[text] = out
    return out


def _plain_label(kind: str, key) -> str:
    return f"企业 {key}" if kind == "enterprise" else str(key)


SIGNAL_LABELS = {"arrears_clue": "欠薪线索", "contract_expiring": "集体合同临近期满或已期满未续订"}


def _explain(
    kind,
    key,
    observed,
    expected,
    baseline_count,
    baseline_days,
    wdays,
    factor,
    n_ent,
    label=_plain_label,
    signals=(),
) -> tuple[str, str]:
    name = {
        "enterprise": lambda k: label("enterprise", k),
        "town_topic": lambda k: f"{label('town', k[0])}“{k[1]}”类诉求",
        "topic": lambda k: f"“{k}”类诉求",
        "town": lambda k: f"{label('town', k)}诉求总量",
        "keyword": lambda k: f"关键词“{k}”",
    }[kind](key)
    title = f"{name}近{wdays}天异常增多"
    tickets = observed - sum(w for _kind, w in signals)
    counted = f"近{wdays}天{name}共{observed:g}件，"
    if signals:
        kinds = "、".join(dict.fromkeys(SIGNAL_LABELS.get(k, k) for k, _w in signals))
        counted = f"近{wdays}天{name}诉求{tickets:g}件，另有{kinds}，按{observed:g}件计，"
    parts = [
        counted,
        f"按此前{baseline_days}天的{baseline_count}件推算，同期预计约{expected:.1f}件，",
        f"为预计的{observed / expected:.1f}倍。" if expected > 0 else "此前没有同类诉求。",
    ]
    if factor > 1.01:
        parts.append(f"预计值已计入春节前欠薪季节性上升（系数{factor:.2f}），仍明显偏高。")
    if kind == "keyword" and n_ent:
        parts.append(f"涉及{n_ent}家企业。")
    parts.append("建议主动了解情况，未诉先办。")
    return title, "".join(parts)


def detect(
    tickets: Iterable,
    as_of: dt.date,
    signals: Iterable = (),
    config: WarningConfig | None = None,
    history: Iterable | None = None,
    label: Callable[[str, object], str] | None = None,
) -> list[Alert]:
    """Alerts for the day ``as_of`` (window ends with that day, inclusive).

    ``label(kind, key)`` names an enterprise or a town for the alert's text (``kind`` is
    ``"enterprise"`` or ``"town"``, ``key`` the value the records carry); it is only called for
    the alerts raised, so a caller holding ids can look names up for those few.

    ``tickets`` must cover at least the baseline and window days before ``as_of``; the
    festival factor and day-of-week profile are learned from ``history`` (default: tickets)."""
    cfg = config or WarningConfig()
    as_of = _as_date(as_of)
    wmax = max(cfg.windows)
    span = wmax + cfg.baseline_days
    first_day = as_of - dt.timedelta(days=span - 1)
    tickets = list(tickets)
    ticket_dates = _dates(tickets)
    hist = tickets if history is None else list(history)
    hist_dates = ticket_dates if history is None else _dates(hist)

    factor = cfg.festival_factor
    if factor is None:
        factor = learn_festival_factor(hist, cfg, dates=hist_dates) or cfg.default_festival_factor
    if cfg.dow_factors is not None:
        dow = np.asarray(cfg.dow_factors, dtype=float)
    else:
        dow = _dow_factors(hist_dates)

    # per-day multipliers, index 0 = first_day ... span-1 = as_of; part 0 other, part 1 wage
    days = [first_day + dt.timedelta(days=i) for i in range(span)]
    mult = np.ones((span, 2))
    for i, d in enumerate(days):
        base = dow[d.weekday()] * (cfg.festival_lull if _lull(d) else 1.0)
        mult[i, 0] = base
        mult[i, 1] = base * (factor if _pre_festival(d, cfg.pre_festival_days) else 1.0)

    recent = [
        (t, (d - first_day).days)
        for t, d in zip(tickets, ticket_dates, strict=True)
        if first_day <= d <= as_of
    ]

    # Index every series. The series of one (enterprise, town, topic) and the keyword series of one
    # text are looked up once, on first sight (so keys are numbered in the same order as ticket by
    # ticket, dimension by dimension), then reused for every ticket that shares them.
    key_index: dict[tuple, int] = {}
    rows, cols, parts = [], [], []
    members: dict[int, list] = defaultdict(list)  # series -> [(day index, ticket id, enterprise)]
    dims = tuple(cfg.dimensions)
    kw_at = dims.index("keyword") if "keyword" in dims else len(dims)
    pre_dims, post_dims = dims[:kw_at], dims[kw_at + 1 :]
    text_keys: dict[str, list[int]] = {}
    pre_keys: dict[tuple, list[int]] = {}
    post_keys: dict[tuple, list[int]] = {}
    member_from = span - wmax

    def index(sk):
        return key_index.setdefault(sk, len(key_index))

    def plain_keys(dims_, ent, town, topic):
        out = []
        for dim in dims_:
            if dim == "enterprise":
                if ent is not None:
                    out.append(index((dim, ent)))
            elif dim == "town_topic":
                if town is not None and topic is not None:
                    out.append(index((dim, (town, topic))))
            elif dim == "topic":
                if topic is not None:
                    out.append(index((dim, topic)))
            elif dim == "town":
                if town is not None:
                    out.append(index((dim, town)))
        return out

    for t, di in recent:
        get = t.get if type(t) is dict else (lambda key, default=None, t=t: _get(t, key, default))
        topic, town, ent = get("topic"), get("town"), get("enterprise_id")
        part = 1 if is_wage_topic(topic) else 0
        combo = (ent, town, topic)
        ks = pre_keys.get(combo)
        if ks is None:
            ks = pre_keys[combo] = plain_keys(pre_dims, ent, town, topic)
        if kw_at < len(dims):
            kws = get("keywords")
            if kws is not None:
                ks = ks + [index(("keyword", w)) for w in kws]
            else:
                text = get("text") or ""
                idx = text_keys.get(text)
                if idx is None:
                    idx = text_keys[text] = [index(("keyword", w)) for w in _cached_tokens(text)]
                ks = ks + idx
            if post_dims:
                post = post_keys.get(combo)
                if post is None:
                    post = post_keys[combo] = plain_keys(post_dims, ent, town, topic)
                ks = ks + post
        n = len(ks)
        rows.extend(ks)
        cols.extend([di] * n)
        parts.extend([part] * n)
        if di >= member_from:
            m = (di, get("id"), ent)
            for k in ks:
                members[k].append(m)
    nkeys = len(key_index)
    if nkeys == 0:
        return []
    flat = (np.asarray(rows, dtype=np.int64) * span + np.asarray(cols, dtype=np.int64)) * 2
    flat += np.asarray(parts, dtype=np.int64)
    counts = np.bincount(flat, minlength=nkeys * span * 2).astype(float).reshape(nkeys, span, 2)

    # signals, per enterprise, in the widest window
    sig_by_ent: dict[object, list] = defaultdict(list)
    for s in signals:
        d = _as_date(_get(s, "date"))
        if as_of - dt.timedelta(days=wmax - 1) <= d <= as_of and _get(s, "enterprise_id") is not None:
            sig_by_ent[_get(s, "enterprise_id")].append(s)

    base = counts[:, : cfg.baseline_days, :]  # the baseline days precede the widest window
    base_m = mult[: cfg.baseline_days].sum(axis=0)  # per part
    rate = base.sum(axis=1) / base_m  # keys x parts, deseasonalised per-day rate
    inv_keys = {v: k for k, v in key_index.items()}
    order = {d: i for i, d in enumerate(cfg.dimensions)}

    candidates: list[Alert] = []
    for w in sorted(cfg.windows):
        wm = mult[span - w :].sum(axis=0)
        expected = (rate * wm).sum(axis=1)
        observed = counts[:, span - w :, :].sum(axis=(1, 2))
        plain = (rate * mult[span - w :].sum(axis=0)[[0, 0]]).sum(axis=1)  # without festival factor
        for k in np.nonzero(observed > 0)[0]:
            dim, key = inv_keys[int(k)]
            obs = float(observed[k])
            sigs = []
            weighed = []
            if dim == "enterprise" and key in sig_by_ent:
                sigs = [s for s in sig_by_ent[key] if (as_of - _as_date(_get(s, "date"))).days < w]
                weighed = [
                    (_get(s, "kind"), float(cfg.signal_weights.get(_get(s, "kind"), 1.0))) for s in sigs
                ]
                obs += sum(wt for _kind, wt in weighed)
            if obs < cfg.min_count.get(dim, 5):
                continue
            exp = max(float(expected[k]), cfg.min_expected.get(dim, 0.5))
            if obs < cfg.min_ratio * exp:
                continue
            p = float(poisson.sf(math.ceil(obs) - 1, exp))
            if p >= cfg.p_threshold:
                continue
            mem = [m for m in members[int(k)] if m[0] >= span - w]
            if dim == "keyword" and len({m[2] for m in mem}) < cfg.keyword_min_enterprises:
                continue
            sf = float(expected[k] / plain[k]) if plain[k] > 0 else 1.0
            title, text = _explain(
                dim,
                key,
                obs,
                exp,
                int(base[k].sum()),
                cfg.baseline_days,
                w,
                sf,
                len({m[2] for m in mem}),
                label or _plain_label,
                weighed,
            )
            candidates.append(
                Alert(
                    dim,
                    key,
                    as_of,
                    as_of - dt.timedelta(days=w - 1),
                    w,
                    obs,
                    exp,
                    int(base[k].sum()),
                    sf,
                    p,
                    sorted(m[1] for m in mem),
                    [_get(s, "id") for s in sigs],
                    title,
                    text,
                )
            )

    # one alert per series (the most significant window), narrow dimensions first
    best: dict[tuple, Alert] = {}
    for a in candidates:
        sk = (a.kind, a.key)
        if sk not in best or a.p_value < best[sk].p_value:
            best[sk] = a
    kept: list[Alert] = []
    explained: set = set()
    for a in sorted(best.values(), key=lambda a: (order[a.kind], a.p_value)):
        if a.kind == "keyword":
            ids = set(a.ticket_ids)
            host = next(
                (k for k in kept if k.kind == "keyword" and len(ids & set(k.ticket_ids)) >= 0.5 * len(ids)),
                None,
            )
            if host is not None:  # the same tickets: one alert listing both words
                host.related_keywords.append(a.key)
                continue
        if a.kind != "enterprise" and explained:
            rest = [i for i in a.ticket_ids if i not in explained]
            obs = float(len(rest))
            if obs < cfg.min_count.get(a.kind, 5) or obs < cfg.min_ratio * a.expected:
                continue
            if float(poisson.sf(math.ceil(obs) - 1, a.expected)) >= cfg.p_threshold:
                continue
        kept.append(a)
        if a.kind in ("enterprise", "town_topic"):
            explained.update(a.ticket_ids)
    for a in kept:
        if a.related_keywords:
            a.explanation += f"同批诉求中还反复出现：{'、'.join(a.related_keywords)}。"
    kept.sort(key=lambda a: a.p_value)
    return kept


# --------------------------------------------------------------------------- 每月一题


def _month(d: dt.date) -> tuple[int, int]:
    return d.year, d.month


def rank_problems(
    tickets: Iterable,
    start: dt.date,
    end: dt.date,
    groupings: Sequence[Sequence[str]] = (("topic",), ("topic", "industry"), ("topic", "town")),
    top: int = 10,
    min_enterprises: int = 3,
    with_keywords: bool = True,
) -> dict[str, list[dict]]:
    """Frequent shared problems in [start, end), per grouping (key "topic", "topic+industry", ...).

    Row: ``{"rank", "dims": {field: value}, "label", "count", "share", "enterprises", "towns",
    "months_active", "monthly": {"YYYY-MM": n}, "keywords": [top distinctive words]}``; a
    problem must concern at least ``min_enterprises`` enterprises (shared, not one employer)."""
    recs = [t for t in tickets if start <= _as_date(_get(t, "date")) < end]
    total = len(recs) or 1
    all_words: Counter = Counter()
    if with_keywords:
        for t in recs:
            all_words.update(_tokens(t))
    out: dict[str, list[dict]] = {}
    for fields in groupings:
        groups: dict[tuple, list] = defaultdict(list)
        for t in recs:
            key = tuple(_get(t, f) for f in fields)
            if None not in key:
                groups[key].append(t)
        rows = []
        for key, items in groups.items():
            ents = {_get(t, "enterprise_id") for t in items} - {None}
            if len(ents) < min_enterprises:
                continue
            monthly = Counter(f"{_as_date(_get(t, 'date')):%Y-%m}" for t in items)
            row = {
                "dims": dict(zip(fields, key, strict=True)),
                "label": " / ".join(str(k) for k in key),
                "count": len(items),
                "share": round(len(items) / total, 4),
                "enterprises": len(ents),
                "towns": len({_get(t, "town") for t in items} - {None}),
                "months_active": len(monthly),
                "monthly": dict(sorted(monthly.items())),
            }
            rows.append((row, items))
        rows.sort(key=lambda r: (-r[0]["count"], -r[0]["enterprises"], r[0]["label"]))
        rows = rows[:top]
        for i, (row, items) in enumerate(rows):
            row["rank"] = i + 1
            if with_keywords:
                local: Counter = Counter()
                for t in items:
                    local.update(_tokens(t))
                n = len(items)
                lift = {
                    w: (c / n) / ((all_words[w] + 1) / (total + 1))
                    for w, c in local.items()
                    if c >= max(3, n * 0.05)
                }
                row["keywords"] = [w for w, _ in sorted(lift.items(), key=lambda x: (-x[1], x[0]))[:5]]
        out["+".join(fields)] = [r for r, _ in rows]
    return out


def judge_theme(
    tickets: Iterable,
    theme: Mapping[str, object] | Callable[[object], bool],
    year: int,
    month: int,
    target_fall: float = 0.0,
    history_months: int = 6,
) -> dict:
    """Judge a 每月一题 theme treated in ``year``-``month`` by the month-on-month fall.

    ``theme`` is a mapping of fields (e.g. ``{"topic": "拖欠工资", "town": "第03镇"}``) or a
    predicate. Success = tickets in the month fell by more than ``target_fall`` (a fraction)
    against the previous month. Returns counts, fall, fall rate, per-day rates (months differ in
    length), the monthly series for a chart and a Chinese verdict."""
    match = theme if callable(theme) else (lambda t: all(_get(t, k) == v for k, v in theme.items()))
    series: Counter = Counter()
    for t in tickets:
        if match(t):
            series[_month(_as_date(_get(t, "date")))] += 1
    prev = (year - 1, 12) if month == 1 else (year, month - 1)
    cur_n, prev_n = series.get((year, month), 0), series.get(prev, 0)

    def days_in(y: int, m: int) -> int:
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return (nxt - dt.date(y, m, 1)).days

    fall = prev_n - cur_n
    fall_rate = fall / prev_n if prev_n else None
    success = prev_n > 0 and fall_rate is not None and fall_rate > target_fall
    months = []
    y, m = year, month
    for _ in range(history_months + 1):
        months.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    label = theme if not callable(theme) else {}
    name = "、".join(str(v) for v in label.values()) or "所选问题"
    if prev_n == 0:
        verdict = f"{name}：上月无相关诉求，无法按环比评价。"
    elif success:
        verdict = f"{name}：本月{cur_n}件，上月{prev_n}件，环比下降{fall_rate:.1%}，治理见效。"
    else:
        verdict = f"{name}：本月{cur_n}件，上月{prev_n}件，环比{'下降' if fall > 0 else '上升'}{abs(fall_rate):.1%}，未达目标。"
    return {
        "theme": dict(label),
        "month": f"{year}-{month:02d}",
        "count": cur_n,
        "previous_count": prev_n,
        "fall": fall,
        "fall_rate": fall_rate,
        "per_day": round(cur_n / days_in(year, month), 3),
        "previous_per_day": round(prev_n / days_in(*prev), 3),
        "success": success,
        "series": {f"{y}-{m:02d}": series.get((y, m), 0) for y, m in reversed(months)},
        "verdict": verdict,
    }
