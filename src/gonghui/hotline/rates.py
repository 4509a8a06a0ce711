"""The three rates of the hotline (响应率、解决率、满意率) over plain ticket records (pure).

A ticket record is a mapping (or an object with the same attributes) with the fields below;
missing fields are treated as None. Datetimes must be comparable with the period bounds
(all naive or all aware).

=====================  ==========================================================
``id``                 ticket id (returned for drill-down)
``union``              handling union (id or name)
``town``               town (id or name)
``dispatched_at``      when the ticket was dispatched (派单); None = closed at intake
``response_due``       deadline of the sign-for clock
``signed_at``          when the handling union signed for it (签收)
``resolution_due``     deadline of the resolution clock
``resolved_at``        when it was closed (办结)
``callback_at``        when the call-back (回访) was made
``callback_result``    "满意" / "基本满意" / "不满意"; anything else (None, "未接通", "拒绝评价")
                       is not a valid call-back
``callback_resolved``  True / False: did the worker say the problem was solved (optional)
=====================  ==========================================================

No official formula is published, so each rate is a :class:`Formula` chosen by name in a
:class:`RateConfig`. The defaults reproduce the published figures:

* Beijing 12351, Jan-Feb 2021, "按时办结率 98.11%": 3,952 closed on time over the 4,028
  tickets that **fell due** in the period (not over the 4,190 dispatched, which gives 94.32%).
  Hence the default resolution rate counts the tickets whose resolution deadline lies in the
  period, and the default response rate does the same with the sign-for deadline.
* Satisfaction: 满意 counts 1 and 基本满意 0.9 over the valid call-backs in the period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CST = dt.timezone(dt.timedelta(hours=8), "CST")
VALID_CALLBACKS = ("满意", "基本满意", "不满意")
DEFAULT_SATISFACTION_WEIGHTS: dict[str, float] = {"满意": 1.0, "基本满意": 0.9, "不满意": 0.0}
RATE_KEYS = ("response", "resolution", "satisfaction")
RATE_NAMES = {"response": "响应率", "resolution": "解决率", "satisfaction": "满意率"}


def _get(record, key, default=None):
    if isinstance(record, Mapping):
        return record.get(key, default)
    return getattr(record, key, default)


def _in(moment, start, end) -> bool:
    if moment is None:
        return False
    if isinstance(moment, dt.datetime) and not isinstance(start, dt.datetime):
        if moment.tzinfo is not None:  # periods given as dates are China calendar days
            moment = moment.astimezone(CST)
        moment = moment.date()
    return start <= moment < end


@dataclass(frozen=True)
class Formula:
    """One rate formula: which records make the denominator in a period, and the weight
    (0..1) each of them adds to the numerator."""

    key: str  # "response" | "resolution" | "satisfaction"
    variant: str
    name: str  # Chinese name shown on the page
    definition: str  # Chinese definition shown on the page
    in_denominator: Callable[[object, object, object], bool]  # (record, start, end)
    weight: Callable[[object], float]  # record -> numerator weight


def _on_time(done_field: str, due_field: str) -> Callable[[object], float]:
    def weight(rec) -> float:
        done, due = _get(rec, done_field), _get(rec, due_field)
        return 1.0 if done is not None and due is not None and done <= due else 0.0

    return weight


def _dispatched_in(rec, start, end) -> bool:
    return _in(_get(rec, "dispatched_at"), start, end)


def _satisfaction_formula(weights: Mapping[str, float], variant: str, definition: str) -> Formula:
    def in_den(rec, start, end) -> bool:
        return _get(rec, "callback_result") in weights and _in(_get(rec, "callback_at"), start, end)

    def weight(rec) -> float:
        return float(weights.get(_get(rec, "callback_result"), 0.0))

    return Formula("satisfaction", variant, "满意率", definition, in_den, weight)


def _weights_text(weights: Mapping[str, float]) -> str:
    parts = [f"“{k}”计{v:g}" for k, v in weights.items()]
    return "、".join(parts)


def build_formulas(satisfaction_weights: Mapping[str, float] | None = None) -> dict[tuple[str, str], Formula]:
    """All known formula variants, keyed by (rate key, variant)."""
    w = dict(satisfaction_weights or DEFAULT_SATISFACTION_WEIGHTS)
    fs = [
        Formula(
            "response",
            "ontime_sign_due",
            "响应率",
            "响应率 = 统计期内签收时限到期的工单中，在时限内签收的工单数 ÷ 统计期内签收时限到期的派单工单数 × 100%",
            lambda r, s, e: _get(r, "dispatched_at") is not None and _in(_get(r, "response_due"), s, e),
            _on_time("signed_at", "response_due"),
        ),
        Formula(
            "response",
            "ontime_sign_dispatched",
            "响应率",
            "响应率 = 统计期内派出的工单中，在签收时限内签收的工单数 ÷ 统计期内派单总数 × 100%",
            _dispatched_in,
            _on_time("signed_at", "response_due"),
        ),
        Formula(
            "resolution",
            "ontime_close_due",
            "解决率",
            "解决率（按时办结率）= 统计期内办结时限到期的工单中，在时限内办结的工单数 ÷ 统计期内办结时限到期的派单工单数 × 100%",
            lambda r, s, e: _get(r, "dispatched_at") is not None and _in(_get(r, "resolution_due"), s, e),
            _on_time("resolved_at", "resolution_due"),
        ),
        Formula(
            "resolution",
            "ontime_close_dispatched",
            "解决率",
            "解决率（按时办结率，按派单口径）= 统计期内派出的工单中，在时限内办结的工单数 ÷ 统计期内派单总数 × 100%",
            _dispatched_in,
            _on_time("resolved_at", "resolution_due"),
        ),
        Formula(
            "resolution",
            "callback_resolved",
            "解决率",
            "解决率（回访口径）= 统计期内有效回访中职工表示问题已解决的工单数 ÷ 统计期内有效回访且回答了是否解决的工单数 × 100%",
            lambda r, s, e: (
                _get(r, "callback_resolved") is not None
                and _get(r, "callback_result") in VALID_CALLBACKS
                and _in(_get(r, "callback_at"), s, e)
            ),
            lambda r: 1.0 if _get(r, "callback_resolved") else 0.0,
        ),
        _satisfaction_formula(
            w,
            "weighted",
            f"满意率 = （{_weights_text(w)}）加权求和 ÷ 统计期内有效回访数 × 100%；"
            "有效回访指职工作出“满意”“基本满意”“不满意”评价的回访",
        ),
        _satisfaction_formula(
            {"满意": 1.0, "基本满意": 1.0, "不满意": 0.0},
            "satisfied_or_basic",
            "满意率 = （“满意”数 + “基本满意”数）÷ 统计期内有效回访数 × 100%",
        ),
        _satisfaction_formula(
            {"满意": 1.0, "基本满意": 0.0, "不满意": 0.0},
            "strict",
            "满意率 = “满意”数 ÷ 统计期内有效回访数 × 100%",
        ),
    ]
    return {(f.key, f.variant): f for f in fs}


@dataclass(frozen=True)
class RateConfig:
    """Which formula variant each rate uses, plus the ranking weights."""

    response: str = "ontime_sign_due"
    resolution: str = "ontime_close_due"
    satisfaction: str = "weighted"
    satisfaction_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SATISFACTION_WEIGHTS)
    )
    # composite score for the monthly ranking (project default, editable)
    ranking_weights: Mapping[str, float] = field(
        default_factory=lambda: {"response": 0.1, "resolution": 0.45, "satisfaction": 0.45}
    )

    def formulas(self) -> dict[str, Formula]:
        table = build_formulas(self.satisfaction_weights)
        out = {}
        for key in RATE_KEYS:
            variant = getattr(self, key)
            if (key, variant) not in table:
                known = sorted(v for k, v in table if k == key)
                raise ValueError(f"unknown {key} formula {variant!r}; known: {known}")
            out[key] = table[(key, variant)]
        return out

    def definitions(self) -> dict[str, str]:
        """Chinese definitions of the chosen formulas, to show on the page and in the README."""
        return {k: f.definition for k, f in self.formulas().items()}


@dataclass
class RateValue:
    key: str
    name: str
    numerator: float
    denominator: int
    definition: str
    numerator_ids: list = field(default_factory=list)  # records with weight > 0
    denominator_ids: list = field(default_factory=list)

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def percent(self) -> str:
        v = self.value
        return "—" if v is None else f"{v * 100:.2f}%"

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "percent": self.percent,
            "definition": self.definition,
            "numerator_ids": list(self.numerator_ids),
            "denominator_ids": list(self.denominator_ids),
        }


def compute_rates(
    records: Iterable, start, end, config: RateConfig | None = None, keep_ids: bool = True
) -> dict[str, RateValue]:
    """The three rates over ``records`` for the half-open period ``[start, end)``."""
    formulas = (config or RateConfig()).formulas()
    out = {k: RateValue(k, f.name, 0.0, 0, f.definition) for k, f in formulas.items()}
    for rec in records:
        for k, f in formulas.items():
            if f.in_denominator(rec, start, end):
                rv = out[k]
                w = f.weight(rec)
                rv.denominator += 1
                rv.numerator += w
                if keep_ids:
                    rid = _get(rec, "id")
                    rv.denominator_ids.append(rid)
                    if w > 0:
                        rv.numerator_ids.append(rid)
    for rv in out.values():
        rv.numerator = round(rv.numerator, 6)
    return out


def _group_key(rec, group_by: Sequence[str]):
    return tuple(_get(rec, g) for g in group_by)


def rates_by_group(
    records: Iterable,
    start,
    end,
    group_by: Sequence[str] | str = ("union",),
    config: RateConfig | None = None,
    keep_ids: bool = False,
) -> dict[tuple, dict[str, RateValue]]:
    """Rates per group (e.g. ``("union",)``, ``("town",)``, ``("town", "union")``)."""
    if isinstance(group_by, str):
        group_by = (group_by,)
    groups: dict[tuple, list] = defaultdict(list)
    for rec in records:
        groups[_group_key(rec, group_by)].append(rec)
    return {g: compute_rates(recs, start, end, config, keep_ids) for g, recs in groups.items()}


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def periods(start: dt.date, end: dt.date, freq: str = "month") -> list[tuple[str, dt.date, dt.date]]:
    """Consecutive (label, start, end) periods covering [start, end): month, quarter or year."""
    out = []
    step = {"month": 1, "quarter": 3, "year": 12}[freq]
    y, m = start.year, start.month
    if freq == "quarter":
        m = (m - 1) // 3 * 3 + 1
    elif freq == "year":
        m = 1
    while dt.date(y, m, 1) < end:
        a = dt.date(y, m, 1)
        m2, y2 = m + step, y
        while m2 > 12:
            m2 -= 12
            y2 += 1
        b = dt.date(y2, m2, 1)
        label = {"month": f"{y}-{m:02d}", "quarter": f"{y}Q{(m - 1) // 3 + 1}", "year": f"{y}"}[freq]
        out.append((label, a, b))
        y, m = y2, m2
    return out


def rates_by_period(
    records: Iterable,
    start: dt.date,
    end: dt.date,
    freq: str = "month",
    group_by: Sequence[str] | str = (),
    config: RateConfig | None = None,
) -> dict[str, dict[tuple, dict[str, RateValue]]]:
    """Trend: ``{period label: {group: {rate key: RateValue}}}``; group_by () gives one group ()."""
    records = list(records)
    return {
        label: rates_by_group(records, a, b, group_by, config) for label, a, b in periods(start, end, freq)
    }


def monthly_ranking(
    records: Iterable,
    year: int,
    month: int,
    group_by: str = "union",
    config: RateConfig | None = None,
    min_denominator: int = 1,
) -> list[dict]:
    """Ranking table for one month, as the assessment publishes it.

    Each row: ``rank``, ``group``, the three ``{key}_percent`` / ``{key}`` values with their
    numerators and denominators, ``score`` (weighted sum of the available rates, weights
    renormalised over the rates that have a denominator >= ``min_denominator``, x 100).
    Sorted by score descending; equal scores share a rank. Groups with no rate are left out."""
    config = config or RateConfig()
    start, end = month_bounds(year, month)
    table = rates_by_group(records, start, end, (group_by,), config)
    rows = []
    for (group,), rates in table.items():
        row: dict = {"group": group}
        total_w, score = 0.0, 0.0
        for k in RATE_KEYS:
            rv = rates[k]
            row[k] = rv.value
            row[f"{k}_percent"] = rv.percent
            row[f"{k}_numerator"] = rv.numerator
            row[f"{k}_denominator"] = rv.denominator
            w = float(config.ranking_weights.get(k, 0.0))
            if rv.value is not None and rv.denominator >= min_denominator and w > 0:
                total_w += w
                score += w * rv.value
        if total_w == 0:
            continue
        row["score"] = round(100 * score / total_w, 2)
        rows.append(row)
    rows.sort(key=lambda r: (-r["score"], str(r["group"])))
    rank = 0
    for i, row in enumerate(rows):
        if i == 0 or row["score"] != rows[i - 1]["score"]:
            rank = i + 1
        row["rank"] = rank
    return rows
