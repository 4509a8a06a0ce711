"""Pure helpers of "my enterprise vs the market" and of the wage guideline. No Django import.

- :func:`compare_groups` places an enterprise's own pay, grouped by occupation and position level,
  against the *published* cells of a booklet (the stored ``Table.rows()`` dicts): only cells with
  status ``published`` are looked at, so nothing the disclosure rules withheld is ever used. The
  groups come either from a survey return or from a pay table a chair uploads without storing it.
- :func:`guideline_check` puts a year-on-year change beside the year's wage guideline
  (工资指导线) and says whether it falls below 下线 or above 上线.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .stats import QUANTILE_NAMES, WageGuideline, market_position

# The cells tried for a group, finest first: (table, dims, label shown as the basis of comparison).
CELL_PREFERENCE = (
    ("division_occupation_level", ("division", "occupation", "level"), "本行业·职业·岗位等级"),
    ("occupation_level", ("occupation", "level"), "全部行业·职业·岗位等级"),
    ("division_occupation", ("division", "occupation"), "本行业·职业"),
    ("occupation", ("occupation",), "全部行业·职业"),
    ("division_level", ("division", "level"), "本行业·岗位等级"),
    ("level", ("level",), "全部行业·岗位等级"),
)

VARIABLES = ("monthly", "annual")


def published_index(tables: Mapping[str, Mapping]) -> dict[str, dict[tuple, Mapping]]:
    """{table name: {key tuple: row}} over the published rows of the tables ``CELL_PREFERENCE`` uses."""
    index = {}
    for name, dims, _ in CELL_PREFERENCE:
        table = tables.get(name)
        if not table:
            continue
        index[name] = {
            tuple(row["key"][d] for d in dims): row
            for row in table["rows"]
            if row.get("status") == "published"
        }
    return index


def market_view(row: Mapping, variable: str, weighted: bool) -> dict:
    """The figures of ``variable`` a booklet prints for a cell, under the plain names
    (``monthly_p25``…): the weighted estimates (``monthly_wp25``…) when the survey was weighted."""
    w = "w" if weighted else ""
    return {f"{variable}_{s}": row.get(f"{variable}_{w}{s}") for s in (*QUANTILE_NAMES, "mean")}


def find_cell(index, division, occupation, level, variable: str = "monthly", weighted: bool = False):
    """The finest published cell with a 25th percentile of ``variable`` for the group (its figures
    as :func:`market_view` gives them), and its label."""
    key_values = {"division": division, "occupation": occupation, "level": level}
    for name, dims, label in CELL_PREFERENCE:
        row = index.get(name, {}).get(tuple(key_values[d] for d in dims))
        if row is None:
            continue
        view = market_view(row, variable, weighted)
        if view[f"{variable}_p25"] is not None:
            return view, label
    return None, ""


def compare_groups(
    groups: Mapping[tuple[str, str], Sequence[tuple[float, float | None]]],
    division: str,
    tables: Mapping[str, Mapping],
    occupation_names: Mapping[str, str] | None = None,
    *,
    weighted: bool = False,
) -> list[dict]:
    """Per (occupation, level) group of ``(monthly pay, annual pay)`` pairs: the group's median of
    each variable and where it sits in the published market cell (percentile rank, below P25);
    against the weighted estimates when the booklet's survey was weighted, as the booklet prints.

    The annual comparison is left out (``annual_*`` None) for a group without annual pay."""
    index = published_index(tables)
    names = occupation_names or {}
    out = []
    for (occ, level), pairs in sorted(groups.items()):
        item = {
            "occupation": occ,
            "occupation_name": names.get(occ, ""),
            "level": level,
            "employees": len(pairs),
        }
        for k, variable in enumerate(VARIABLES):
            values = [float(p[k]) for p in pairs if p[k] is not None and not math.isnan(float(p[k]))]
            prefix = "" if variable == "monthly" else "annual_"
            pay = float(np.median(values)) if values else None
            cell, basis = (
                find_cell(index, division, occ, level, variable, weighted) if pay is not None else (None, "")
            )
            if cell is not None:
                position = market_position(cell, pay, variable=variable)
            else:
                position = {"rank": None, "below_p25": None, "note": "没有可比较的已公布数据"}
            item.update(
                {
                    f"{prefix}pay": pay,
                    f"{prefix}basis": basis,
                    f"{prefix}p25": cell.get(f"{variable}_p25") if cell else None,
                    f"{prefix}p50": cell.get(f"{variable}_p50") if cell else None,
                    f"{prefix}p75": cell.get(f"{variable}_p75") if cell else None,
                    f"{prefix}rank": position["rank"],
                    f"{prefix}below_p25": position["below_p25"],
                    f"{prefix}note": position["note"],
                }
            )
        out.append(item)
    return out


def group_pay(rows: Iterable[tuple[str, str, float, float | None]]) -> dict[tuple[str, str], list]:
    """{(occupation, level): [(monthly, annual), …]} from ``(occupation, level, monthly, annual)``."""
    groups: dict[tuple[str, str], list] = {}
    for occ, level, monthly, annual in rows:
        groups.setdefault((occ, level), []).append((monthly, annual))
    return groups


# --- the wage guideline beside a growth figure ------------------------------------------------------

BELOW, WITHIN, ABOVE = "below", "within", "above"
GUIDELINE_FLAG_LABELS = {BELOW: "低于下线", WITHIN: "在指导线区间内", ABOVE: "高于上线"}


@dataclass(frozen=True)
class GuidelineCheck:
    growth: float  # ratio, 0.05 = 5%
    guideline: WageGuideline
    flag: str  # BELOW / WITHIN / ABOVE

    @property
    def label(self) -> str:
        return GUIDELINE_FLAG_LABELS[self.flag]

    @property
    def off(self) -> bool:
        return self.flag != WITHIN

    def text(self) -> str:
        """e.g. "+2.1%（低于下线3.0%；基准线7.0%，上线10.0%）"."""
        g = self.guideline
        return (
            f"{self.growth * 100:+.1f}%（{self.label}；{g.year}年工资指导线："
            f"基准线{g.baseline:.1%}，上线{g.upper:.1%}，下线{g.lower:.1%}）"
        )


def guideline_check(growth: float | None, guideline: WageGuideline | None) -> GuidelineCheck | None:
    """``growth`` (a ratio) against the guideline: below 下线, above 上线, or within. None when
    either is missing. A growth exactly on a line counts as within it."""
    if growth is None or guideline is None:
        return None
    growth = float(growth)
    if math.isnan(growth):
        return None
    # rounding guard: figures shown to 0.1% must not flag a growth that prints equal to the line
    eps = 1e-9
    if growth < guideline.lower - eps:
        flag = BELOW
    elif growth > guideline.upper + eps:
        flag = ABOVE
    else:
        flag = WITHIN
    return GuidelineCheck(growth=growth, guideline=guideline, flag=flag)
