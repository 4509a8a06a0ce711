"""Salary statistics for the salary reference booklet (蓝宝书). Pure: NumPy and numba, no Django.

Input is columnar: one array per field of the anonymised employee rows, and one array per field
of the enterprises (industry and region are facts of the enterprise, not of the employee)::

    rows = {
        "enterprise":  int array (n,)   index into the enterprise arrays, 0..E-1
        "occupation":  array (n,)       any codes (ints or strings), e.g. "6-28-01-01"
        "level":       array (n,)       position level codes, e.g. "生产操作人员"
        "monthly_pay": float array (n,) monthly pay in yuan (> 0)
        "annual_pay":  float array (n,) annual total pay (工资价位) in yuan (> 0)
        "weight":      float array (n,) optional survey weights (> 0)
    }
    enterprises = {
        "division": array (E,)   GB/T 4754 2-digit division, e.g. "30"
        "group":    array (E,)   GB/T 4754 3-digit group, e.g. "305"  (optional)
        "region":   array (E,)   GB/T 2260 code of the town or district  (optional)
    }

``compute_tables(rows, enterprises)`` returns a :class:`TableSet`: one :class:`Table` per grouping
(see ``DEFAULT_GROUPINGS``), each columnar (NumPy arrays, one entry per cell) with only the
*published* figures filled in: a suppressed cell keeps its key and its flags, every figure is NaN
(counts -1). ``Table.rows()`` gives the same as a list of plain dicts for templates and JSON.

Design for speed ("sort once and derive"):

* every employee row is mapped once to its (enterprise, occupation, level) *pair*; counts, sums,
  enterprise counts and the dominance test of every grouping are derived from the pair table
  (about a million entries at 10 million rows), never from the rows again;
* each pay variable is sorted once (pay recorded to the fen: a compiled stable LSD radix sort of
  the integer fen, one pass per 11 bits of the range, three passes for any range up to 85
  million yuan; other values: a stable argsort), its weights and pairs gathered into that order
  in the sort's last pass;
* for each table, one stable counting sort by cell of that value order (a single compiled O(n)
  pass, the cell of each rank looked up through the pair in the narrowest integer type) puts
  every cell's values, ascending, in one contiguous segment with their weights; the unweighted
  percentiles of all cells are read off by position, vectorised with NumPy's own interpolation
  arithmetic, and the weighted ones by one compiled pass over each segment's own weights;
* the two variables run in two threads (NumPy and the compiled kernels release the GIL),
  secondary suppression (counts only; each re-check of a relation one compiled pass over its
  (parent cell, enterprise) entries) alongside them.

Weighted percentiles are exactly the per-cell SAS definition (see
:func:`weighted_quantiles_sorted`): each cell's running sums of weights start at zero in that
cell and add its own weights one by one in ascending order of pay, so a cell's figures depend on
its own rows only (not on the other cells or on the order the tables are computed in). An earlier
version took every table's running sums from one cumulative sum over the whole table and
subtracted the sum before each cell; the rounding of that large running total could decide an
"exact hit" (running sum equal to p·W) differently from the cell on its own. An exact hit is
decided with a tolerance of 1e-9·W, so that hits exact in decimal arithmetic (weights such as
0.1, 0.2) are not lost to the rounding of their binary sums; statsmodels' own test (absolute 1e-10
after a search on the rounded target) loses some of them, so the tests check the weighted figures
against the definition in exact rational arithmetic, and against statsmodels where its sums are
exact.

The numba kernels are compiled on first use and cached in ``__pycache__`` (``cache=True``); the
first call in a process pays numba's start-up (about half a second to a second), later calls
nothing.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from numba import njit

QUANTILES: tuple[float, ...] = (0.10, 0.25, 0.50, 0.75, 0.90)
QUANTILE_NAMES: tuple[str, ...] = ("p10", "p25", "p50", "p75", "p90")
VARIABLES: tuple[str, ...] = ("monthly", "annual")
VARIABLE_COLUMNS = {"monthly": "monthly_pay", "annual": "annual_pay"}
# Chinese names as the official pay-level tables use them.
QUANTILE_LABELS = {"p10": "低位数", "p25": "25分位", "p50": "中位数", "p75": "75分位", "p90": "高位数"}

# The two percentile definitions, printed on the booklet's method page and stored with every table.
PERCENTILE_DEFINITION = (
    "未加权分位数采用线性插值法（与 NumPy 默认方法 method='linear'、Hyndman-Fan 第7类相同）："
    "将单元格内 n 个样本从小到大排序为 x(0)≤…≤x(n-1)，第 p 分位数位置 h=(n-1)p，"
    "取 x(⌊h⌋)+(h-⌊h⌋)·(x(⌊h⌋+1)-x(⌊h⌋))。"
)
WEIGHTED_PERCENTILE_DEFINITION = (
    "加权分位数采用 SAS 加权分位数定义（PROC UNIVARIATE 的加权定义，即 statsmodels "
    "DescrStatsW.quantile 所实现者）：将样本按工资从小到大排序，相同工资的权数合并，"
    "记 s(j) 为前 j 个取值的累计权数（在本单元格内按工资从小到大逐项累加）、W 为总权数；"
    "若 pW 严格介于 s(j) 与 s(j+1) 之间，分位数取第 j+1 个取值；若 pW=s(j)，取第 j 与第 j+1 个"
    "取值的平均数；若 pW<s(1)，取最小值。为避免小数权数累加的舍入误差，|pW−s(j)| 不超过 W 的"
    "十亿分之一即视为相等。"
)
METHOD_NOTE = PERCENTILE_DEFINITION + "\n" + WEIGHTED_PERCENTILE_DEFINITION

SUPPRESSION_SYMBOL = "※"

PUBLISHED, PRIMARY, SECONDARY = 0, 1, 2


@dataclass(frozen=True)
class DisclosureRules:
    """Disclosure control, as statistical offices apply it (all thresholds configurable)."""

    min_enterprises: int = 3
    min_employees: int = 10
    max_enterprise_share: float = 0.60  # no single enterprise above this share of a cell's employees
    min_employees_for_tails: int = 20  # P10 / P90 published only with at least this many employees

    def note(self) -> str:
        return (
            f"标注“{SUPPRESSION_SYMBOL}”的单元格未公布：样本企业少于{self.min_enterprises}家、"
            f"样本职工少于{self.min_employees}人，或单一企业职工占该单元格职工的比例超过"
            f"{self.max_enterprise_share:.0%}；为防止通过上级合计相减推算，另有部分单元格一并隐去。"
            f"未公布单元格的数据已计入其上级合计行。样本职工少于{self.min_employees_for_tails}人的"
            f"单元格不公布低位数（P10）和高位数（P90）。"
        )


@dataclass(frozen=True)
class Grouping:
    """One table: its cells are the combinations of ``dims``; ``parents`` are the coarser tables
    whose cells are unions of this table's cells (used for roll-up and secondary suppression)."""

    name: str
    dims: tuple[str, ...]
    parents: tuple[str, ...] = ()
    title: str = ""


DEFAULT_GROUPINGS: tuple[Grouping, ...] = (
    Grouping("total", (), (), "全部样本"),
    Grouping("division", ("division",), ("total",), "分行业（大类）"),
    Grouping("level", ("level",), ("total",), "分岗位等级"),
    Grouping("occupation", ("occupation",), ("total",), "分职业"),
    Grouping("region", ("region",), ("total",), "分区域"),
    Grouping("division_level", ("division", "level"), ("division", "level"), "分行业、岗位等级"),
    Grouping("division_occupation", ("division", "occupation"), ("division", "occupation"), "分行业、职业"),
    Grouping(
        "division_occupation_level",
        ("division", "occupation", "level"),
        ("division_occupation", "division_level", "occupation_level"),
        "分行业、职业、岗位等级",
    ),
    Grouping("occupation_level", ("occupation", "level"), ("occupation", "level"), "分职业、岗位等级"),
    Grouping("region_level", ("region", "level"), ("region", "level"), "分区域、岗位等级"),
    Grouping("group", ("group",), ("division",), "分行业（中类）"),
    Grouping(
        "group_occupation", ("group", "occupation"), ("group", "division_occupation"), "分行业中类、职业"
    ),
    Grouping(
        "group_occupation_level",
        ("group", "occupation", "level"),
        ("group_occupation", "division_occupation_level"),
        "分行业中类、职业、岗位等级",
    ),
)

ROW_DIMS = ("occupation", "level")
ENTERPRISE_DIMS = ("division", "group", "region")
# A finer enterprise dimension implies a coarser one (group 305 lies in division 30).
DIM_REFINES = {"group": "division"}


@dataclass
class Table:
    name: str
    dims: tuple[str, ...]
    title: str
    keys: dict[str, np.ndarray]  # dim -> label of each cell
    parent_index: dict[str, np.ndarray]  # parent table name -> row index of the parent cell
    enterprises: np.ndarray  # int64, -1 where suppressed
    employees: np.ndarray  # int64, -1 where suppressed
    weighted_employees: np.ndarray  # float64 (sum of weights), NaN where suppressed or unweighted
    values: dict[str, np.ndarray]  # "monthly_mean", "monthly_p10", ..., "annual_wp90", "yoy_..." -> float64
    status: np.ndarray  # int8: PUBLISHED, PRIMARY or SECONDARY suppression
    tails_published: np.ndarray  # bool: P10 / P90 published

    def __len__(self) -> int:
        return len(self.status)

    @property
    def suppressed(self) -> np.ndarray:
        return self.status != PUBLISHED

    def key(self, i: int) -> tuple:
        return tuple(
            self.keys[d][i].item() if hasattr(self.keys[d][i], "item") else self.keys[d][i] for d in self.dims
        )

    def rows(self) -> list[dict]:
        """Plain dicts (JSON-ready): ``{"key": {...}, "status": "published"|"primary"|"secondary",
        "enterprises": int|None, "employees": int|None, "weighted_employees": float|None,
        "tails_published": bool, "parents": {name: row index}, "<value column>": float|None, ...}``"""
        status_names = {PUBLISHED: "published", PRIMARY: "primary", SECONDARY: "secondary"}
        cols = {k: v.tolist() for k, v in self.values.items()}
        keys = {d: self.keys[d].tolist() for d in self.dims}
        parents = {p: v.tolist() for p, v in self.parent_index.items()}
        ent, emp, wemp = self.enterprises.tolist(), self.employees.tolist(), self.weighted_employees.tolist()
        out = []
        for i in range(len(self)):
            row = {
                "key": {d: keys[d][i] for d in self.dims},
                "status": status_names[int(self.status[i])],
                "enterprises": ent[i] if ent[i] >= 0 else None,
                "employees": emp[i] if emp[i] >= 0 else None,
                "weighted_employees": None if math.isnan(wemp[i]) else wemp[i],
                "tails_published": bool(self.tails_published[i]),
                "parents": {p: v[i] for p, v in parents.items()},
            }
            for k, v in cols.items():
                row[k] = None if math.isnan(v[i]) else v[i]
            out.append(row)
        return out


@dataclass
class TableSet:
    tables: dict[str, Table]
    rules: DisclosureRules
    weighted: bool
    method_note: str = METHOD_NOTE
    quantiles: tuple[float, ...] = QUANTILES
    extra: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]


# --------------------------------------------------------------------------------------------
# Percentile kernels (exposed for tests and for "my enterprise vs the market")


def linear_quantiles_sorted(
    x_sorted: np.ndarray, starts: np.ndarray, counts: np.ndarray, q: float
) -> np.ndarray:
    """Quantile ``q`` of every segment ``x_sorted[starts[j]:starts[j]+counts[j]]`` (each sorted
    ascending), bit-for-bit as ``np.quantile(segment, q)`` with the default linear method."""
    n = counts.astype(np.float64)
    virtual = (n - 1) * q
    prev = np.floor(virtual)
    gamma = virtual - prev
    prev_i = prev.astype(np.int64)
    next_i = prev_i + 1
    above = virtual >= n - 1
    prev_i[above] = counts[above] - 1
    next_i[above] = counts[above] - 1
    prev_i = np.maximum(prev_i, 0)
    next_i = np.maximum(next_i, 0)
    a = x_sorted[starts + prev_i]
    b = x_sorted[starts + next_i]
    return _lerp(a, b, gamma)


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    # The same arithmetic as NumPy's quantile interpolation, so results are identical.
    diff = b - a
    out = a + diff * t
    hi = t >= 0.5
    out[hi] = (b - diff * (1 - t))[hi]
    return out


# Relative tolerance of an "exact hit" of the weighted definition (see weighted_quantiles_sorted).
EXACT_HIT_TOLERANCE = 1e-9


@njit(nogil=True, cache=True)
def _weighted_quantiles_kernel(xw, starts, counts, qs, rel_tol, out):  # pragma: no cover - compiled
    # xw[:, 0] values, ascending within each segment, xw[:, 1] weights; qs ascending. W and the
    # running sums s(j) are sequential sums of the segment's own weights in that order.
    nq = len(qs)
    targets = np.empty(nq)
    for c in range(len(starts)):
        s = starts[c]
        e = s + counts[c]
        if e <= s:
            for i in range(nq):
                out[i, c] = np.nan
            continue
        total = 0.0
        for k in range(s, e):
            total += xw[k, 1]
        tol = rel_tol * total
        for i in range(nq):
            targets[i] = qs[i] * total
        qi = 0
        cum = 0.0
        k = s
        while k < e and qi < nq:
            y = xw[k, 0]  # one distinct value: its weights are summed, s(j) is the sum after it
            cum += xw[k, 1]
            k += 1
            while k < e and xw[k, 0] == y:
                cum += xw[k, 1]
                k += 1
            while qi < nq and cum >= targets[qi] - tol:
                if k < e and abs(cum - targets[qi]) <= tol:
                    out[qi, c] = (y + xw[k, 0]) / 2  # exact hit: the mean of this value and the next
                else:
                    out[qi, c] = y
                qi += 1


def weighted_quantiles_sorted(
    x_sorted: np.ndarray,
    w_sorted: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    q: float | Sequence[float],
) -> np.ndarray:
    """SAS weighted quantile(s) ``q`` (as statsmodels ``DescrStatsW.quantile``) of every segment
    ``x_sorted[starts[j]:starts[j]+counts[j]]`` (ascending within each segment), with the weights
    ``w_sorted`` in the same order. A scalar ``q`` gives one value per segment, a sequence of
    ``m`` quantiles an ``(m, segments)`` array.

    Exactly the per-segment definition: distinct values y(1) < y(2) < … with their summed weights,
    s(j) the running sum of the segment's own weights in ascending order of value (equal values in
    the order given), W = the sum of all of them (the last s). The first j with s(j) ≥ pW gives
    y(j); where s(j) = pW (an "exact hit") the mean of y(j) and y(j+1) (y(j) if it is the last).
    s(j) = pW is tested as ``|s(j) − pW| ≤ 1e-9·W``: the running sums of decimal weights (0.1 +
    0.2 …) are rounded, and a hit that is exact in decimal arithmetic must not be lost to that
    rounding; integer or binary-fraction weights sum exactly, and there any hit is exact.
    Nothing outside the segment enters its result (no running sum over several segments), so a
    cell's figure depends on that cell's rows only.

    statsmodels itself searches the rounded target with ``searchsorted`` and then tests
    ``|s(j) − pW| < 1e-10``: with integer weights it gives the same figures, with decimal weights
    it steps past some exact hits (about 3% of the figures of the tests' data with weights 0.1,
    0.2, 0.3), which the tests check against the definition in exact rational arithmetic."""
    xw = np.column_stack((np.asarray(x_sorted, dtype=np.float64), np.asarray(w_sorted, dtype=np.float64)))
    return _weighted_quantiles(xw, np.asarray(starts), np.asarray(counts), q)


def _weighted_quantiles(xw, starts, counts, q):
    qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
    order = np.argsort(qs, kind="stable")
    out = np.empty((len(qs), len(starts)))
    _weighted_quantiles_kernel(
        xw,
        np.ascontiguousarray(starts, dtype=np.int64),
        np.ascontiguousarray(counts, dtype=np.int64),
        np.ascontiguousarray(qs[order]),
        EXACT_HIT_TOLERANCE,
        out,
    )
    result = np.empty_like(out)
    result[order] = out
    return result[0] if np.ndim(q) == 0 else result


@njit(nogil=True, cache=True)
def _group_by_cell_kernel(cells, pair_v, xw, starts, out):  # pragma: no cover - compiled
    # Stable counting sort: row j of the value order (xw: value and, if weighted, weight; values
    # ascending) goes to the next free row of its cell, so each cell comes out ascending, equal
    # values in value order.
    pos = starts.copy()
    weighted = xw.shape[1] > 1
    for j in range(len(pair_v)):
        c = cells[pair_v[j]]
        k = pos[c]
        out[k, 0] = xw[j, 0]
        if weighted:
            out[k, 1] = xw[j, 1]
        pos[c] = k + 1


@njit(nogil=True, cache=True)
def _fen_kernel(v, out):  # pragma: no cover - compiled
    for i in range(len(v)):
        c = np.rint(v[i] * 100.0)
        if not (c >= 0.0 and c < 9007199254740992.0 and c / 100.0 == v[i]):  # NaN fails too
            return False
        out[i] = np.int64(c)
    return True


@njit(nogil=True, cache=True)
def _radix_sort_kernel(
    key, key_b, idx_a, idx_b, lo, w, pair_of_row, digit_bits, n_digits, xw, pair_v
):  # pragma: no cover
    # Stable LSD radix sort of the non-negative integer keys (fen - lo; ``key`` is overwritten),
    # row numbers carried along (``key_b``, ``idx_a``, ``idx_b``: buffers); then row j of the
    # value order: value (key + lo) / 100, weight, pair.
    n = len(key)
    nb = 1 << digit_bits
    mask = nb - 1
    counts = np.zeros((n_digits, nb), dtype=np.int64)
    for i in range(n):
        k = key[i]
        for d in range(n_digits):
            counts[d, (k >> (d * digit_bits)) & mask] += 1
    off = np.empty(nb, dtype=np.int64)
    src_k, dst_k, src_i, dst_i = key, key_b, idx_a, idx_b
    for d in range(n_digits):
        shift = d * digit_bits
        total = 0
        for b in range(nb):
            off[b] = total
            total += counts[d, b]
        for i in range(n):
            k = src_k[i]
            b = (k >> shift) & mask
            p = off[b]
            off[b] = p + 1
            dst_k[p] = k
            dst_i[p] = i if d == 0 else src_i[i]
        src_k, dst_k = dst_k, src_k
        src_i, dst_i = dst_i, src_i
    weighted = xw.shape[1] > 1
    for j in range(n):
        i = src_i[j]
        xw[j, 0] = (src_k[j] + lo) / 100.0
        if weighted:
            xw[j, 1] = w[i]
        pair_v[j] = pair_of_row[i]


@njit(nogil=True, cache=True)
def _gather_kernel(order, v_sorted, w, pair_of_row, xw, pair_v):  # pragma: no cover - compiled
    # Row j of the value order: its value (given, already in order), weight and pair.
    weighted = xw.shape[1] > 1
    for j in range(len(order)):
        i = order[j]
        xw[j, 0] = v_sorted[j]
        if weighted:
            xw[j, 1] = w[i]
        pair_v[j] = pair_of_row[i]


# --------------------------------------------------------------------------------------------
# Helpers


def _factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 (int64) and the sorted distinct labels."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iub" and arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 50_000_000:
            shifted = arr.astype(np.int64)
            if lo:
                shifted -= lo
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            labels = np.flatnonzero(present) + lo
            if present.all():  # the codes are already dense
                return shifted, labels.astype(arr.dtype)
            mapping = np.cumsum(present) - 1
            return mapping[shifted], labels.astype(arr.dtype)
    labels, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.int64).reshape(-1), labels


def _combine(codes: Sequence[np.ndarray], sizes: Sequence[int], n: int) -> np.ndarray:
    key = np.zeros(n, dtype=np.int64)
    for c, s in zip(codes, sizes, strict=True):
        key = key * s + c
    return key


def _fen(v: np.ndarray) -> np.ndarray | None:
    """``v`` in fen (0.01 yuan) as int64 when every value is a whole number of fen, ``>= 0`` and
    below 2**53 (so ``fen / 100.0`` gives ``v`` back exactly); otherwise None."""
    v = np.ascontiguousarray(v, dtype=np.float64)
    out = np.empty(len(v), dtype=np.int64)
    return out if len(v) and _fen_kernel(v, out) else None


def _dense_codes(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of ``key`` (non-negative, below ``space``) and the code of
    each entry among them (as ``np.unique(key, return_inverse=True)``)."""
    if space <= max(4 * len(key), 1 << 22):
        present = np.bincount(key, minlength=space) > 0
        remap = np.cumsum(present) - 1
        return np.flatnonzero(present), remap[key]
    n = len(key)
    bits = max(1, int(n - 1).bit_length())
    if space <= 1 << (63 - bits):  # one sort of a packed (key, position) int64, no argsort
        packed = (np.asarray(key, dtype=np.int64) << bits) | np.arange(n, dtype=np.int64)
        packed.sort()
        k = packed >> bits
        first = np.ones(n, dtype=bool)
        first[1:] = k[1:] != k[:-1]
        inv = np.empty(n, dtype=np.int64)
        inv[packed & ((1 << bits) - 1)] = np.cumsum(first) - 1
        return k[first], inv
    u, inv = np.unique(key, return_inverse=True)
    return u, inv.reshape(-1)


# (cell, enterprise) combinations are counted in an array over all possible combinations, without
# sorting, up to this many possible combinations (or this many per pair).
COUNT_MAX_SPACE = 1 << 20
COUNT_MAX_SPACE_PER_PAIR = 2


def _cell_enterprise(cpair, pair_ent, pair_n, n_ent):
    """The distinct (cell, enterprise) combinations of the pairs and their employees, in any order."""
    e = max(n_ent, 1)
    key = cpair * e + pair_ent
    space = (int(cpair.max()) + 1) * e if len(cpair) else 0
    if space <= max(COUNT_MAX_SPACE_PER_PAIR * len(key), COUNT_MAX_SPACE):  # count, no sort
        counts = np.bincount(key, weights=pair_n, minlength=space)
        ce_u = np.flatnonzero(counts)
        return ce_u // e, ce_u % e, counts[ce_u].astype(np.int64)
    n_bits = max(1, int(pair_n.max()).bit_length()) if len(pair_n) else 1
    k_bits = max(1, int(key.max()).bit_length()) if len(key) else 1
    if k_bits + n_bits <= 62:  # one packed sort carries the counts along
        packed = (key << n_bits) | pair_n
        packed.sort()
        k = packed >> n_bits
        first = np.ones(len(k), dtype=bool)
        first[1:] = k[1:] != k[:-1]
        starts = np.flatnonzero(first)
        ce_u = k[starts]
        ce_n = np.add.reduceat(packed & ((1 << n_bits) - 1), starts) if len(starts) else k[:0]
    else:
        ce_u, inv = np.unique(key, return_inverse=True)
        ce_n = np.bincount(inv.reshape(-1), weights=pair_n).astype(np.int64)
    return ce_u // e, ce_u % e, ce_n.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Main entry point


def compute_tables(
    rows: Mapping[str, object],
    enterprises: Mapping[str, object],
    *,
    rules: DisclosureRules | None = None,
    groupings: Sequence[Grouping] = DEFAULT_GROUPINGS,
    previous: TableSet | None = None,
) -> TableSet:
    """Compute every table of the booklet. See the module docstring for the shape of the input.

    Groupings whose dimensions are missing from the input are skipped (e.g. no ``group`` column
    means no group tables). ``previous`` is last year's TableSet: year-on-year changes
    (``yoy_monthly_mean``, ``yoy_monthly_p50``, ``yoy_annual_mean``, ``yoy_annual_p50``, as ratios,
    0.05 = +5%) are filled in where the same cell is published in both years; they compare the
    weighted estimates when both years carry weights, the plain figures otherwise."""
    rules = rules or DisclosureRules()
    clock = _PhaseClock()
    ent = np.asarray(rows["enterprise"], dtype=np.int64)
    n = len(ent)
    occ_codes, occ_labels = _factorize(rows["occupation"])
    lvl_codes, lvl_labels = _factorize(rows["level"])
    pays = {var: np.ascontiguousarray(rows[col], dtype=np.float64) for var, col in VARIABLE_COLUMNS.items()}
    weight = rows.get("weight")
    weighted = weight is not None
    w = np.ascontiguousarray(weight, dtype=np.float64) if weighted else None
    for var, v in pays.items():
        if len(v) != n:
            raise ValueError(f"{var} 的长度与职工记录数不一致")
    if weighted and (len(w) != n or np.any(~(w > 0))):
        raise ValueError("权数必须为正数，且与职工记录一一对应")

    n_ent = int(ent.max()) + 1 if n else 0
    ent_dims: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for d in ENTERPRISE_DIMS:
        if d in enterprises and enterprises[d] is not None:
            arr = np.asarray(enterprises[d])
            if len(arr) < n_ent:
                raise ValueError(f"企业的 {d} 数据不足 {n_ent} 条")
            ent_dims[d] = _factorize(arr[:n_ent])
    n_occ, n_lvl = len(occ_labels), len(lvl_labels)

    # ---- the pair table: (enterprise, occupation, level) -> counts and sums
    pair_full = ent * n_occ  # in place from here: one array of 10 million rows, not four
    pair_full += occ_codes
    pair_full *= n_lvl
    pair_full += lvl_codes
    pair_space = n_ent * n_occ * n_lvl
    if pair_space <= 50_000_000:
        counts_full = np.bincount(pair_full, minlength=pair_space)
        pair_ids = np.flatnonzero(counts_full)
        remap = np.full(pair_space, -1, dtype=np.int64)
        remap[pair_ids] = np.arange(len(pair_ids))
        pair_of_row = remap[pair_full]
        del remap, counts_full
    else:
        pair_ids, pair_of_row = np.unique(pair_full, return_inverse=True)
    del pair_full
    n_pairs = len(pair_ids)
    if n_pairs < 2**31:
        pair_of_row = pair_of_row.astype(np.int32)
    # The two pay variables are independent, and suppression needs the counts only; NumPy
    # releases the GIL in its sorts, gathers and sums: on a multi-core machine, each variable's
    # value order is computed in its own thread while the tables' cells are set up, then the
    # percentiles of each variable in its thread while suppression runs in this one.
    parallel = n >= PARALLEL_MIN_ROWS and (os.cpu_count() or 1) > 1
    pool = ThreadPoolExecutor(max_workers=len(VARIABLES)) if parallel else None
    try:
        sorted_by_value = {
            var: pool.submit(clock.timed(f"value_sort.{var}", _value_sorted), pays[var], w, pair_of_row)
            if pool
            else None
            for var in VARIABLES
        }
        # each pair's employees, and per variable its sum of pay (and of weights, weighted pay):
        # one compiled pass over the rows per variable, the sums in row order as np.bincount's
        pair_n = np.zeros(n_pairs, dtype=np.int64)
        pair_w = np.zeros(n_pairs if weighted else 0)
        pair_sum, pair_wsum = {}, {}
        for var, v in pays.items():
            pair_sum[var] = np.zeros(n_pairs)
            pair_wsum[var] = np.zeros(n_pairs if weighted else 0)
            _pair_sums_kernel(
                pair_of_row,
                np.ascontiguousarray(v),
                np.empty(0) if w is None else np.ascontiguousarray(w),
                var == VARIABLES[0],
                pair_n,
                pair_sum[var],
                pair_w,
                pair_wsum[var],
            )
        pair_ent = pair_ids // (n_occ * n_lvl)
        pair_dim_codes = {
            "occupation": (pair_ids // n_lvl) % n_occ,
            "level": pair_ids % n_lvl,
        }
        dim_labels = {"occupation": occ_labels, "level": lvl_labels}
        for d, (codes, labels) in ent_dims.items():
            pair_dim_codes[d] = codes[pair_ent]
            dim_labels[d] = labels

        clock.stop("setup.pairs")
        active = [g for g in groupings if all(d in pair_dim_codes for d in g.dims)]
        active_names = {g.name for g in active}
        tables: dict[str, Table] = {}
        cell_of_pair: dict[str, np.ndarray] = {}
        raw: dict[str, dict] = {}

        for g in active:
            if g.dims:
                sizes = [len(dim_labels[d]) for d in g.dims]
                key = _combine([pair_dim_codes[d] for d in g.dims], sizes, n_pairs)
                cell, cpair = _dense_codes(key, math.prod(sizes))
                keys = {}
                stride = 1
                for d, size in zip(g.dims[::-1], sizes[::-1], strict=True):
                    keys[d] = dim_labels[d][(cell // stride) % size]
                    stride *= size
                keys = {d: keys[d] for d in g.dims}
            else:
                cpair = np.zeros(n_pairs, dtype=np.int64)
                keys = {}
            n_cells = int(cpair.max()) + 1 if n_pairs else 0
            cell_of_pair[g.name] = cpair
            emp = np.bincount(cpair, weights=pair_n, minlength=n_cells).astype(np.int64)
            # enterprises per cell and the largest enterprise's employees (dominance test); the
            # order of these (cell, enterprise) entries is of no consequence
            if {"occupation", "level"} <= set(g.dims):
                # a pair is one enterprise's employees of one occupation and level: its own entry
                ce_cell, ce_ent, ce_n = cpair, pair_ent, pair_n.astype(np.int64)
            else:
                ce_cell, ce_ent, ce_n = _cell_enterprise(cpair, pair_ent, pair_n, n_ent)
            n_enterprises = np.bincount(ce_cell, minlength=n_cells)
            max_ent = np.zeros(n_cells, dtype=np.int64)
            np.maximum.at(max_ent, ce_cell, ce_n)
            vals: dict[str, np.ndarray] = {}
            for var in VARIABLES:
                vals[f"{var}_mean"] = np.bincount(
                    cpair, weights=pair_sum[var], minlength=n_cells
                ) / np.maximum(emp, 1)
            wemp = np.full(n_cells, np.nan)
            if weighted:
                wemp = np.bincount(cpair, weights=pair_w, minlength=n_cells)
                for var in VARIABLES:
                    vals[f"{var}_wmean"] = (
                        np.bincount(cpair, weights=pair_wsum[var], minlength=n_cells) / wemp
                    )
            primary_ok = (
                (n_enterprises >= rules.min_enterprises)
                & (emp >= rules.min_employees)
                & (max_ent <= rules.max_enterprise_share * emp)
            )
            status = np.where(primary_ok, PUBLISHED, PRIMARY).astype(np.int8)
            raw[g.name] = {"ce_cell": ce_cell, "ce_ent": ce_ent, "ce_n": ce_n, "emp": emp}
            tables[g.name] = Table(
                name=g.name,
                dims=g.dims,
                title=g.title,
                keys=keys,
                parent_index={},
                enterprises=n_enterprises.astype(np.int64),
                employees=emp,
                weighted_employees=wemp,
                values=vals,
                status=status,
                tails_published=emp >= rules.min_employees_for_tails,
            )

        # ---- percentiles: every table, both variables, from one value order per variable
        narrow = {name: _narrow_codes(c, len(tables[name])) for name, c in cell_of_pair.items()}

        def percentiles(var):
            data = sorted_by_value[var]
            if data is None:
                data = clock.timed(f"value_sort.{var}", _value_sorted)(pays[var], w, pair_of_row)
            else:
                with clock.phase(f"wait_value_sort.{var}"):
                    data = data.result()
            return clock.timed(f"percentiles.{var}", _percentiles)(var, *data, narrow, tables)

        def suppression():
            # parent links (child cell -> parent cell), derived from the pair table; then secondary
            # suppression (counts only: independent of the percentiles)
            relations = []
            for g in active:
                for p in g.parents:
                    if p not in active_names:
                        continue
                    child_c, parent_c = cell_of_pair[g.name], cell_of_pair[p]
                    link = np.zeros(len(tables[g.name]), dtype=np.int64)
                    link[child_c] = parent_c
                    tables[g.name].parent_index[p] = link
                    relations.append((g.name, p, link))
            _secondary_suppression(tables, raw, relations, rules, n_ent)

        clock.stop("setup.cells")
        if pool is not None:
            futures = [pool.submit(percentiles, var) for var in VARIABLES]
            clock.timed("suppression", suppression)()
            with clock.phase("wait_percentiles"):
                results = [f.result() for f in futures]
        else:
            results = [percentiles(var) for var in VARIABLES]
            clock.timed("suppression", suppression)()
        clock.stop("percentiles_and_suppression")
        for result in results:  # the same column order as computed one variable after the other
            for name, cols in result.items():
                tables[name].values.update(cols)
        del results

        # ---- mask everything that is not published
        for t in tables.values():
            hidden = t.status != PUBLISHED
            t.enterprises = np.where(hidden, -1, t.enterprises)
            t.employees = np.where(hidden, -1, t.employees)
            t.weighted_employees = np.where(hidden, np.nan, t.weighted_employees)
            t.tails_published = t.tails_published & ~hidden
            for k, v in t.values.items():
                v[hidden] = np.nan
                if k.endswith("p10") or k.endswith("p90"):
                    v[~t.tails_published] = np.nan

    finally:
        if pool is not None:
            pool.shutdown()

    if previous is not None:
        _year_on_year(tables, previous)
    clock.stop("finish")
    return TableSet(tables=tables, rules=rules, weighted=weighted, extra={"seconds": clock.seconds})


def warm_up() -> None:
    """Compile the numba kernels for every argument type :func:`compute_tables` gives them (or
    load them from numba's cache in ``__pycache__``, written by the first compilation on the
    machine), by computing the tables of a small synthetic survey: one cell code type per table
    size, weighted and unweighted, pay in fen and not. Call it once at installation or at a
    worker's start so that no user waits for the compilation (a few seconds); each new process
    still pays numba's own start-up (about half a second) on its first use."""
    rng = np.random.default_rng(0)
    n = 70_000  # > 65536 occupations: int32 cell codes; fewer cells: uint16 and uint8
    rows = {
        "enterprise": rng.integers(0, 300, n),
        "occupation": np.arange(n) % 66_000,
        "level": rng.integers(0, 3, n),
        "monthly_pay": np.round(rng.uniform(2000, 9000, n), 2),
        "annual_pay": rng.uniform(24000, 99000, n),  # not whole fen: the argsort path
        "weight": rng.uniform(0.5, 2.0, n),
    }
    enterprises = {"division": np.arange(300)}  # 300 divisions: uint16 codes; levels: uint8
    compute_tables(rows, enterprises)
    rows.pop("weight")
    compute_tables(rows, enterprises)


class _PhaseClock:
    """Wall and thread CPU seconds of each phase of one computation (``TableSet.extra["seconds"]``:
    ``{phase: {"wall": s, "cpu": s}}``), for the benchmark's breakdown. Phases named ``.monthly``
    or ``.annual`` run in their own threads, at the same time as the main thread's phases."""

    def __init__(self):
        self.seconds: dict[str, dict[str, float]] = {}
        self._mark = (time.perf_counter(), time.thread_time())

    def _add(self, name, wall0, cpu0):
        self.seconds[name] = {
            "wall": round(time.perf_counter() - wall0, 4),
            "cpu": round(time.thread_time() - cpu0, 4),
        }

    def stop(self, name):
        """The main thread's phase since the previous ``stop`` (or the start)."""
        self._add(name, *self._mark)
        self._mark = (time.perf_counter(), time.thread_time())

    @contextmanager
    def phase(self, name):
        wall0, cpu0 = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self._add(name, wall0, cpu0)

    def timed(self, name, fn):
        def run(*args):
            with self.phase(name):
                return fn(*args)

        return run


# From this many rows on, the two pay variables are computed in two threads.
PARALLEL_MIN_ROWS = 200_000


def _value_sorted(v, w, pair_of_row):
    """``v`` in ascending order (position = rank; equal values in row order) with, if weighted,
    the weight of each rank beside it (``xw``: one row per rank), and the pair of each rank.

    Pay recorded to the fen is sorted by a compiled LSD radix sort of the integer fen (stable, a
    few passes of at most 11 bits; the values come back exactly as ``fen / 100``); anything else
    by a stable ``argsort``."""
    n = len(v)
    xw = np.empty((n, 1 if w is None else 2))
    pair_v = np.empty(n, dtype=pair_of_row.dtype)
    w_in = np.empty(0) if w is None else w
    fen = _fen(v)
    if fen is not None:
        lo = int(fen.min())
        fen -= lo
        bits = max(1, int(fen.max()).bit_length())
        n_digits = -(-bits // 11)
        idx = np.empty((2, n), dtype=np.int32 if n < 2**31 else np.int64)
        _radix_sort_kernel(
            fen,
            np.empty_like(fen),
            idx[0],
            idx[1],
            lo,
            w_in,
            pair_of_row,
            -(-bits // n_digits),
            n_digits,
            xw,
            pair_v,
        )
    else:
        order = np.argsort(v, kind="stable")
        _gather_kernel(order, np.take(v, order), w_in, pair_of_row, xw, pair_v)
    return xw, pair_v


def _narrow_codes(codes: np.ndarray, n_cells: int) -> np.ndarray:
    """Cell codes in the narrowest unsigned type: the table looked up for each rank stays small."""
    dtype = np.uint8 if n_cells <= 1 << 8 else np.uint16 if n_cells <= 1 << 16 else np.int64
    if dtype is np.int64 and n_cells < 2**31:
        dtype = np.int32
    return np.ascontiguousarray(codes, dtype=dtype)


def _percentiles(var, xw, pair_v, cell_of_pair, tables) -> dict[str, dict[str, np.ndarray]]:
    """Unweighted (and, with weights, weighted) percentiles of one variable for every table.

    ``xw`` holds the variable in ascending order (one sort of the whole column) with the weights
    beside it. For each table one stable counting sort by cell of that order (a single O(n) pass,
    compiled) puts every cell's values, ascending, in one contiguous segment with their weights;
    the percentiles of all cells are then read off the segments: the unweighted ones by position,
    vectorised, with NumPy's own interpolation arithmetic; the weighted ones by one pass over each
    segment's own weights (see :func:`weighted_quantiles_sorted`).

    Returns ``{table name: {column: values}}``; reads ``tables`` only."""
    weighted = xw.shape[1] > 1
    buf = np.empty_like(xw)
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, t in tables.items():
        emp = t.employees
        n_cells = len(emp)
        starts = np.zeros(n_cells, dtype=np.int64)
        np.cumsum(emp[:-1], out=starts[1:])
        if n_cells <= 1:
            seg = xw  # one cell: the value order is the cell's order
        else:
            _group_by_cell_kernel(cell_of_pair[name], pair_v, xw, starts, buf)
            seg = buf
        vals = out[name] = {}
        for qn, q in zip(QUANTILE_NAMES, QUANTILES, strict=True):
            vals[f"{var}_{qn}"] = linear_quantiles_sorted(seg[:, 0], starts, emp, q)
        if weighted:
            wq = _weighted_quantiles(seg, starts, emp, QUANTILES)
            for j, qn in enumerate(QUANTILE_NAMES):
                vals[f"{var}_w{qn}"] = wq[j]
    return out


@njit(nogil=True, cache=True)
def _pair_sums_kernel(pair_of_row, v, w, first, n_out, s_out, w_out, ws_out):  # pragma: no cover
    # Per pair: sum of v; with weights (len(w) > 0) also sum of w * v; with ``first`` also the
    # number of rows and the sum of w. Rows in order, as np.bincount(pair_of_row, weights=...).
    weighted = len(w) > 0
    for i in range(len(pair_of_row)):
        p = pair_of_row[i]
        s_out[p] += v[i]
        if weighted:
            wv = w[i] * v[i]
            ws_out[p] += wv
        if first:
            n_out[p] += 1
            if weighted:
                w_out[p] += w[i]


@njit(nogil=True, cache=True)
def _residuals_kernel(supp, ce_cell, pe_of_ce, ce_n, pe_par, per_pe, emp, n_e, mx):  # pragma: no cover
    # Employees of each (parent, enterprise) entry in suppressed children, then per parent their
    # sum, the number of enterprises with any, and the largest.
    per_pe[:] = 0.0
    for i in range(len(ce_cell)):
        if supp[ce_cell[i]]:
            per_pe[pe_of_ce[i]] += ce_n[i]
    emp[:] = 0.0
    n_e[:] = 0
    mx[:] = 0.0
    for j in range(len(pe_par)):
        v = per_pe[j]
        if v > 0.0:
            p = pe_par[j]
            emp[p] += v
            n_e[p] += 1
            if v > mx[p]:
                mx[p] = v


class _Residuals:
    """For one (child table, parent table) relation: per parent cell, the union of its suppressed
    children — employees, distinct enterprises, and the employees of its largest enterprise.

    The (child cell, enterprise) entries are mapped once to (parent cell, enterprise) entries;
    each re-check is then one compiled pass over them."""

    def __init__(self, ce_cell, ce_ent, ce_n, link, n_parents: int, n_ent: int):
        e = max(n_ent, 1)
        pe_key = link[ce_cell] * e + ce_ent
        pe_u, pe_of_ce = _dense_codes(pe_key, n_parents * e)
        self.pe_of_ce = np.ascontiguousarray(pe_of_ce, dtype=np.int64)
        self.pe_par = np.ascontiguousarray(pe_u // e, dtype=np.int64)
        self.ce_cell = np.ascontiguousarray(ce_cell, dtype=np.int64)
        self.ce_n = np.ascontiguousarray(ce_n, dtype=np.float64)
        self.per_pe = np.empty(len(pe_u))
        self.n_parents = n_parents

    def __call__(self, suppressed_child: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_par = self.n_parents
        emp, n_e, mx = np.empty(n_par), np.empty(n_par, dtype=np.int64), np.empty(n_par)
        supp = np.ascontiguousarray(suppressed_child, dtype=np.bool_)
        _residuals_kernel(
            supp, self.ce_cell, self.pe_of_ce, self.ce_n, self.pe_par, self.per_pe, emp, n_e, mx
        )
        return emp, n_e, mx


def _passes(emp, n_e, mx, rules: DisclosureRules) -> np.ndarray:
    return (
        (n_e >= rules.min_enterprises)
        & (emp >= rules.min_employees)
        & (mx <= rules.max_enterprise_share * emp)
    )


def _secondary_suppression(tables, raw, relations, rules: DisclosureRules, n_ent: int) -> None:
    """Complementary suppression: for every parent cell of every parent relation, the union of
    its suppressed children (which anyone can compute as parent minus published children) must
    itself pass the primary rules, unless all children are suppressed. Where it does not, the
    published children with the fewest employees are suppressed too, as few as the counts suggest
    will do; the check is repeated over all relations until nothing changes."""
    # The rule for a relation depends only on the child's statuses: re-check a relation only
    # after its child table changed.
    dirty = {child for child, _, _ in relations}
    residuals: dict[tuple[str, str], _Residuals] = {}
    while dirty:
        child_tables, dirty = dirty, set()
        for child, parent, link in relations:
            if child not in child_tables:
                continue
            t = tables[child]
            r = raw[child]
            n_par = len(tables[parent])
            supp = t.status != PUBLISHED
            if not supp.any():
                continue
            res = residuals.get((child, parent))
            if res is None:
                res = residuals[(child, parent)] = _Residuals(
                    r["ce_cell"], r["ce_ent"], r["ce_n"], link, n_par, n_ent
                )
            emp_r, ent_r, max_r = res(supp)
            fails = (emp_r > 0) & ~_passes(emp_r, ent_r, max_r, rules)
            if not fails.any():
                continue
            cand = np.flatnonzero(~supp & fails[link])
            if len(cand) == 0:
                continue
            cemp = r["emp"][cand]
            cpar = link[cand]
            order = np.lexsort((cand, cemp, cpar))
            cand, cemp, cpar = cand[order], cemp[order], cpar[order]
            cent = t.enterprises[cand]
            first = np.ones(len(cand), dtype=bool)
            first[1:] = cpar[1:] != cpar[:-1]
            seg = np.cumsum(first) - 1
            seg_start = np.flatnonzero(first)
            pos = np.arange(len(cand)) - seg_start[seg]
            cum_emp = np.cumsum(cemp)
            cum_emp = cum_emp - (cum_emp[seg_start] - cemp[seg_start])[seg]
            cum_ent = np.cumsum(cent)
            cum_ent = cum_ent - (cum_ent[seg_start] - cent[seg_start])[seg]
            tot = emp_r[cpar] + cum_emp
            enough = (
                (tot >= rules.min_employees)
                & (ent_r[cpar] + cum_ent >= rules.min_enterprises)
                & (max_r[cpar] <= rules.max_enterprise_share * tot)
            )
            stop = np.full(len(seg_start), len(cand), dtype=np.int64)
            np.minimum.at(stop, seg[enough], pos[enough])
            t.status[cand[pos <= stop[seg]]] = SECONDARY
            dirty.add(child)


YOY_COLUMNS = ("monthly_mean", "monthly_p50", "annual_mean", "annual_p50")


def _year_on_year(tables: dict[str, Table], previous: TableSet) -> None:
    for name, t in tables.items():
        prev = previous.tables.get(name)
        if prev is None or prev.dims != t.dims:
            continue
        index = {prev.key(i): i for i in range(len(prev)) if prev.status[i] == PUBLISHED}
        for col in YOY_COLUMNS:
            t.values[f"yoy_{col}"] = np.full(len(t), np.nan)
        # The change of the figure the booklet prints: the weighted estimate when both years carry
        # weights (a weighted survey's plain mean is not its estimate), the plain one otherwise.
        source = {}
        for col in YOY_COLUMNS:
            var, stat = col.split("_", 1)
            wcol = f"{var}_w{stat}"
            source[col] = wcol if wcol in t.values and wcol in prev.values else col
        for i in range(len(t)):
            j = index.get(t.key(i))
            if j is None or t.status[i] != PUBLISHED:
                continue
            for col in YOY_COLUMNS:
                old = prev.values[source[col]][j]
                if old > 0 and not math.isnan(old):
                    t.values[f"yoy_{col}"][i] = t.values[source[col]][i] / old - 1.0


# --------------------------------------------------------------------------------------------
# Benefits summary and the wage guideline


@dataclass(frozen=True)
class WageGuideline:
    """工资指导线 entered by the federation, as growth ratios (0.07 = 7%)."""

    year: int
    baseline: float  # 基准线
    upper: float  # 上线
    lower: float  # 下线


BENEFIT_LABELS = {
    "paid_leave_days": "带薪年休假天数",
    "supplementary_medical": "补充医疗保险",
    "enterprise_annuity": "企业年金（补充养老）",
    "meal_allowance": "餐费补贴",
    "transport_allowance": "交通补贴",
    "housing_allowance": "住房补贴",
    "high_temperature_allowance": "高温津贴",
}


def _plain(x):
    """A NumPy scalar as the Python value (labels of object arrays are Python values already)."""
    return x.item() if isinstance(x, np.generic) else x


def _benefit_column(values) -> np.ndarray:
    """One benefit column as a bool array (offered or not) or a float array (NaN where unknown).
    Object arrays, as the database gives them (``True``/``False``, ``Decimal``, ``int``, ``None``),
    are converted: all booleans stay booleans; booleans with gaps become 1.0 / 0.0 / NaN (the share
    among the enterprises that answered); anything else becomes float, ``None`` as NaN."""
    arr = np.asarray(values)
    if arr.dtype != object:
        return arr
    items = arr.ravel().tolist()
    known = [x for x in items if x is not None]
    if known and all(isinstance(x, bool | np.bool_) for x in known) and len(known) == len(items):
        return np.array(items, dtype=bool)
    return np.array([np.nan if x is None else float(x) for x in items], dtype=np.float64)


def summarize_benefits(division, benefits: Mapping[str, object], *, min_enterprises: int = 3) -> list[dict]:
    """Per division (and an overall row with division None): for each benefit, the share of
    enterprises offering it (boolean columns) or the mean among enterprises (numeric columns).
    Rows with fewer than ``min_enterprises`` enterprises are suppressed (values None). Any array
    type is accepted, object arrays of Python values too (see :func:`_benefit_column`); unknown
    values (``None``, NaN) are left out of a mean.

    Returns ``[{"division": code|None, "enterprises": int|None, "suppressed": bool,
    "<benefit>": float|None, ...}]``."""
    codes, labels = _factorize(division)
    k = len(labels)
    cols = {name: _benefit_column(v) for name, v in benefits.items()}
    out = []
    for j in [*range(k), None]:
        mask = codes == j if j is not None else np.ones(len(codes), dtype=bool)
        m = int(mask.sum())
        row = {
            "division": None if j is None else _plain(labels[j]),
            "enterprises": m,
            "suppressed": m < min_enterprises,
        }
        for name, v in cols.items():
            sub = v[mask]
            if sub.dtype.kind != "b":
                sub = sub.astype(np.float64)
                sub = sub[~np.isnan(sub)]
            if row["suppressed"] or sub.size == 0:
                row[name] = None
            else:
                row[name] = float(sub.mean())
        if row["suppressed"]:
            row["enterprises"] = None
        out.append(row)
    return out


def market_position(row: Mapping[str, object], pay: float, *, variable: str = "monthly") -> dict:
    """Where ``pay`` sits against a published cell (a dict from ``Table.rows()``): the approximate
    percentile rank (linear between the published percentiles, clipped to the published range)
    and whether it falls below the 25th percentile — the workers' side's argument."""
    pts = [(q, row.get(f"{variable}_{qn}")) for q, qn in zip(QUANTILES, QUANTILE_NAMES, strict=True)]
    pts = [(q, v) for q, v in pts if v is not None]
    if not pts:
        return {"rank": None, "below_p25": None, "note": "该单元格未公布，无法比较"}
    qs = np.array([q for q, _ in pts])
    vs = np.array([v for _, v in pts], dtype=np.float64)
    rank = float(np.interp(pay, vs, qs))
    p25 = row.get(f"{variable}_p25")
    below = None if p25 is None else bool(pay < p25)
    if pay < vs[0]:
        note = f"低于已公布的最低分位数（P{round(qs[0] * 100)}）"
    elif pay > vs[-1]:
        note = f"高于已公布的最高分位数（P{round(qs[-1] * 100)}）"
    else:
        note = f"约处于第 {rank * 100:.0f} 百分位"
    return {"rank": rank, "below_p25": below, "note": note}
