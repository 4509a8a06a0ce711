"""Salary statistics for the salary reference booklet (蓝宝书). Pure: NumPy only, no Django.

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
  (a few hundred thousand entries), never from the rows again;
* each pay variable is ranked once (a single sort of the whole column); for each grouping the
  ranks are then ordered by ``(cell, rank)``: a table whose cells are unions of a few cells of a
  finer table merges that table's sorted runs (a stable sort of nearly sorted keys), a table of at
  most 256 cells radix-sorts one-byte cell codes, any other sorts one packed 64-bit key; the sorted
  ranks give unweighted and weighted percentiles of every cell in one vectorised pass;
* the two variables run in two threads (NumPy releases the GIL), secondary suppression (counts
  only) alongside them. Every path gives bit for bit the same values.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

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
    "记 s(j) 为前 j 个取值的累计权数、W 为总权数；若 pW 严格介于 s(j) 与 s(j+1) 之间，"
    "分位数取第 j+1 个取值；若 pW=s(j)，取第 j 与第 j+1 个取值的平均数；若 pW<s(1)，取最小值。"
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


def weighted_quantiles_sorted(
    x_sorted: np.ndarray, cumw: np.ndarray, starts: np.ndarray, counts: np.ndarray, q: float
) -> np.ndarray:
    """SAS weighted quantile (as statsmodels ``DescrStatsW.quantile``) of every segment.

    ``x_sorted`` is ascending within each segment, ``cumw`` the running (global) cumulative sum of
    the weights in the same order. A cumulative weight equal to ``q * W`` (within a relative
    tolerance of 1e-9 of the segment's total weight) is an exact hit: the mean of that value and
    the next is returned."""
    ends = starts + counts - 1
    base = np.where(starts > 0, cumw[np.maximum(starts - 1, 0)], 0.0)
    total = cumw[ends] - base
    target = base + q * total
    tol = 1e-9 * total + 8 * np.finfo(np.float64).eps * np.abs(cumw[ends])
    ii = np.searchsorted(cumw, target - tol, side="left")
    ii = np.clip(ii, starts, ends)
    hit = (np.abs(cumw[ii] - target) <= tol) & (ii < ends)
    out = x_sorted[ii].astype(np.float64)
    nxt = np.minimum(ii + 1, ends)
    out[hit] = (x_sorted[ii[hit]] + x_sorted[nxt[hit]]) / 2
    return out


def _weighted_quantiles_ranks(v_sorted, r, cumw, starts, counts, q):
    """:func:`weighted_quantiles_sorted` where the segments hold global ranks into ``v_sorted``."""
    ends = starts + counts - 1
    base = np.where(starts > 0, cumw[np.maximum(starts - 1, 0)], 0.0)
    total = cumw[ends] - base
    target = base + q * total
    tol = 1e-9 * total + 8 * np.finfo(np.float64).eps * np.abs(cumw[ends])
    ii = np.searchsorted(cumw, target - tol, side="left")
    ii = np.clip(ii, starts, ends)
    hit = (np.abs(cumw[ii] - target) <= tol) & (ii < ends)
    out = v_sorted[r[ii]]
    nxt = np.minimum(ii + 1, ends)
    out[hit] = (out[hit] + v_sorted[r[nxt[hit]]]) / 2
    return out


# --------------------------------------------------------------------------------------------
# Helpers


def _factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 (int64) and the sorted distinct labels."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iub" and arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 50_000_000:
            shifted = arr.astype(np.int64) - lo
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            mapping = np.cumsum(present) - 1
            labels = np.flatnonzero(present) + lo
            return mapping[shifted], labels.astype(arr.dtype)
    labels, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.int64).reshape(-1), labels


def _combine(codes: Sequence[np.ndarray], sizes: Sequence[int], n: int) -> np.ndarray:
    key = np.zeros(n, dtype=np.int64)
    for c, s in zip(codes, sizes, strict=True):
        key = key * s + c
    return key


def _value_order(v: np.ndarray) -> np.ndarray:
    """Stable ascending order of ``v``. Pay recorded to the fen (0.01 yuan) is sorted through a
    packed integer key, much faster than ``argsort``; anything else falls back to argsort."""
    n = len(v)
    bits = max(1, int(n - 1).bit_length())
    if n and np.all(np.isfinite(v)):
        cents = np.rint(v * 100.0)
        lo, hi = float(cents.min()), float(cents.max())
        if lo >= 0 and hi < 2.0 ** (62 - bits) and np.array_equal(cents / 100.0, v):
            key = (cents.astype(np.int64) << bits) | np.arange(n, dtype=np.int64)
            key.sort()
            return key & ((1 << bits) - 1)
    return np.argsort(v, kind="stable")


def _dense_codes(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of ``key`` (non-negative, below ``space``) and the code of
    each entry among them (as ``np.unique(key, return_inverse=True)``)."""
    if space <= max(4 * len(key), 1 << 22):
        present = np.bincount(key, minlength=space) > 0
        remap = np.cumsum(present) - 1
        return np.flatnonzero(present), remap[key]
    u, inv = np.unique(key, return_inverse=True)
    return u, inv.reshape(-1)


def _cell_enterprise(cpair, pair_ent, pair_n, n_ent):
    """The distinct (cell, enterprise) combinations of the pairs and their employees, in any order."""
    e = max(n_ent, 1)
    key = cpair * e + pair_ent
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
    0.05 = +5%) are filled in where the same cell is published in both years."""
    rules = rules or DisclosureRules()
    ent = np.asarray(rows["enterprise"], dtype=np.int64)
    n = len(ent)
    occ_codes, occ_labels = _factorize(rows["occupation"])
    lvl_codes, lvl_labels = _factorize(rows["level"])
    pays = {var: np.asarray(rows[col], dtype=np.float64) for var, col in VARIABLE_COLUMNS.items()}
    weight = rows.get("weight")
    weighted = weight is not None
    w = np.asarray(weight, dtype=np.float64) if weighted else None
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
    pair_full = (ent * n_occ + occ_codes) * n_lvl + lvl_codes
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
            var: pool.submit(_value_sorted, pays[var], w, pair_of_row) if pool else None for var in VARIABLES
        }
        pair_n = np.bincount(pair_of_row, minlength=n_pairs)
        pair_sum = {var: np.bincount(pair_of_row, weights=v, minlength=n_pairs) for var, v in pays.items()}
        if weighted:
            pair_w = np.bincount(pair_of_row, weights=w, minlength=n_pairs)
            pair_wsum = {
                var: np.bincount(pair_of_row, weights=w * v, minlength=n_pairs) for var, v in pays.items()
            }
        pair_ent = pair_ids // (n_occ * n_lvl)
        pair_dim_codes = {
            "occupation": (pair_ids // n_lvl) % n_occ,
            "level": pair_ids % n_lvl,
        }
        dim_labels = {"occupation": occ_labels, "level": lvl_labels}
        for d, (codes, labels) in ent_dims.items():
            pair_dim_codes[d] = codes[pair_ent]
            dim_labels[d] = labels

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
        plan = _percentile_plan(active, cell_of_pair, {name: len(t) for name, t in tables.items()})

        def percentiles(var):
            data = sorted_by_value[var]
            data = data.result() if data is not None else _value_sorted(pays[var], w, pair_of_row)
            return _percentiles(var, *data, plan, cell_of_pair, tables)

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

        if pool is not None:
            futures = [pool.submit(percentiles, var) for var in VARIABLES]
            suppression()
            results = [f.result() for f in futures]
        else:
            results = [percentiles(var) for var in VARIABLES]
            suppression()
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
    return TableSet(tables=tables, rules=rules, weighted=weighted)


# Derive a table's (cell, rank) order from a finer table's when each of its cells is the union of
# at most this many of the finer table's cells on average: the finer order is then a sequence of
# short sorted runs per cell, which a stable (run-merging) sort puts together in one or two passes.
MAX_RUNS_PER_CELL = 8
# Tables with at most this many cells are ordered by a stable radix argsort of one-byte cell codes.
RADIX_MAX_CELLS = 256
# From this many rows on, the two pay variables are computed in two threads.
PARALLEL_MIN_ROWS = 200_000


def _percentile_plan(active, cell_of_pair, n_cells):
    """The order in which the tables' percentiles are computed (finest first) and, for each, the
    finer table whose (cell, rank) order it is derived from (or None: sorted afresh) with the
    link from the finer table's cells to its own."""
    plan = []
    done: list[str] = []
    for g in sorted(active, key=lambda g: -n_cells[g.name]):
        cg = cell_of_pair[g.name]
        best = None
        if g.dims and n_cells[g.name] > 1:
            for f in done:
                runs = n_cells[f] / n_cells[g.name]
                if runs > MAX_RUNS_PER_CELL or (best is not None and runs >= best[0]):
                    continue
                cf = cell_of_pair[f]
                link = np.zeros(n_cells[f], dtype=np.int64)
                link[cf] = cg
                if np.array_equal(link[cf], cg):  # every cell of f lies in one cell of g
                    best = (runs, f, link)
        plan.append((g.name, None, None) if best is None else (g.name, best[1], best[2]))
        done.append(g.name)
    last_use = {}
    for i, (_, source, _) in enumerate(plan):
        if source is not None:
            last_use[source] = i
    return [(name, source, link, last_use.get(name, -1)) for name, source, link in plan]


def _value_sorted(v, w, pair_of_row):
    """``v`` in ascending order (position = rank), with the weights and the pair of each rank."""
    order = _value_order(v)
    v_sorted = np.take(v, order)
    w_sorted = np.take(w, order) if w is not None else None
    pair_v = np.take(pair_of_row, order)
    return v_sorted, w_sorted, pair_v


def _percentiles(
    var, v_sorted, w_sorted, pair_v, plan, cell_of_pair, tables
) -> dict[str, dict[str, np.ndarray]]:
    """Unweighted (and, with ``w``, weighted) percentiles of ``v`` for every table of ``plan``.

    ``v`` is put in ascending order once; position j in that order is the value's rank. A table's
    rows are then ordered by (cell, rank), either by sorting one packed 64-bit key (cell << bits |
    rank) built from the value order, or, when the table's cells are unions of few cells of a finer
    table already done, by a stable sort of the finer table's order (a merge of sorted runs). The
    result is the same either way: the ranks sorted by (cell, rank). (With at most 256 cells, a
    stable radix argsort of the one-byte cell codes by rank is faster than the packed sort.)

    Returns ``{table name: {column: values}}``; reads ``tables`` only."""
    n = len(v_sorted)
    weighted = w_sorted is not None
    bits = max(1, int(n - 1).bit_length())
    mask = (1 << bits) - 1
    ranks = np.arange(n, dtype=np.int64)
    kept: dict[str, np.ndarray] = {}
    last = {name: last_use for name, _, _, last_use in plan}
    out: dict[str, dict[str, np.ndarray]] = {}
    for i, (name, source, link, last_use) in enumerate(plan):
        t = tables[name]
        emp = t.employees
        n_cells = len(emp)
        starts = np.zeros(n_cells, dtype=np.int64)
        np.cumsum(emp[:-1], out=starts[1:])
        if n_cells <= 1:
            r = ranks  # one cell: the global order is the cell's order
        elif source is not None:
            r = np.repeat(link, tables[source].employees)  # cell of each position of the finer order
            r <<= bits
            r |= kept[source]
            r.sort(kind="stable")
            r &= mask
        elif n_cells <= RADIX_MAX_CELLS:
            # few cells: a stable radix sort of one byte per rank gives the ranks in cell order
            r = np.argsort(np.take(cell_of_pair[name].astype(np.uint8), pair_v), kind="stable")
        else:
            cells = cell_of_pair[name]
            cells = cells.astype(np.int32) if n_cells < 2**31 else cells
            r = np.take(cells, pair_v).astype(np.int64)
            r <<= bits
            r |= ranks
            r.sort()
            r &= mask
        vals = out[name] = {}
        for qn, q in zip(QUANTILE_NAMES, QUANTILES, strict=True):
            vals[f"{var}_{qn}"] = linear_quantiles_sorted_ranks(v_sorted, r, starts, emp, q)
        if weighted:
            cumw = np.take(w_sorted, r)
            np.cumsum(cumw, out=cumw)
            for qn, q in zip(QUANTILE_NAMES, QUANTILES, strict=True):
                vals[f"{var}_w{qn}"] = _weighted_quantiles_ranks(v_sorted, r, cumw, starts, emp, q)
            del cumw
        if last_use > i:
            kept[name] = r
        for src in [s for s in kept if last[s] <= i]:
            del kept[src]
        del r
    return out


def linear_quantiles_sorted_ranks(
    v_sorted: np.ndarray, r: np.ndarray, starts: np.ndarray, counts: np.ndarray, q: float
) -> np.ndarray:
    """Like :func:`linear_quantiles_sorted` where the segments hold global ranks ``r`` into the
    globally sorted values ``v_sorted`` (only the needed ranks are looked up)."""
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
    empty = counts == 0
    a_pos = np.where(empty, 0, starts + prev_i)
    b_pos = np.where(empty, 0, starts + next_i)
    if len(r) == 0:
        return np.full(len(counts), np.nan)
    a = v_sorted[r[a_pos]]
    b = v_sorted[r[b_pos]]
    out = _lerp(a, b, gamma)
    out[empty] = np.nan
    return out


class _Residuals:
    """For one (child table, parent table) relation: per parent cell, the union of its suppressed
    children — employees, distinct enterprises, and the employees of its largest enterprise.

    The (child cell, enterprise) entries are mapped once to (parent cell, enterprise) entries;
    each re-check is then a few bincounts over them."""

    def __init__(self, ce_cell, ce_ent, ce_n, link, n_parents: int, n_ent: int):
        e = max(n_ent, 1)
        pe_key = link[ce_cell] * e + ce_ent
        pe_u, self.pe_of_ce = _dense_codes(pe_key, n_parents * e)
        self.pe_par = pe_u // e  # sorted
        first = np.ones(len(pe_u), dtype=bool)
        first[1:] = self.pe_par[1:] != self.pe_par[:-1]
        self.pstart = np.flatnonzero(first)
        self.ce_cell, self.ce_n = ce_cell, ce_n.astype(np.float64)
        self.n_parents = n_parents

    def __call__(self, suppressed_child: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_par = self.n_parents
        m = suppressed_child[self.ce_cell]
        if not m.any():
            return np.zeros(n_par), np.zeros(n_par, dtype=np.int64), np.zeros(n_par)
        per_pe = np.bincount(self.pe_of_ce, weights=np.where(m, self.ce_n, 0.0), minlength=len(self.pe_par))
        emp = np.bincount(self.pe_par, weights=per_pe, minlength=n_par)
        n_e = np.bincount(self.pe_par[per_pe > 0], minlength=n_par)
        mx = np.zeros(n_par)
        if len(self.pstart):
            mx[self.pe_par[self.pstart]] = np.maximum.reduceat(per_pe, self.pstart)
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
        for i in range(len(t)):
            j = index.get(t.key(i))
            if j is None or t.status[i] != PUBLISHED:
                continue
            for col in YOY_COLUMNS:
                old = prev.values[col][j]
                if old > 0 and not math.isnan(old):
                    t.values[f"yoy_{col}"][i] = t.values[col][i] / old - 1.0


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


def summarize_benefits(division, benefits: Mapping[str, object], *, min_enterprises: int = 3) -> list[dict]:
    """Per division (and an overall row with division None): for each benefit, the share of
    enterprises offering it (boolean columns) or the mean among enterprises (numeric columns).
    Rows with fewer than ``min_enterprises`` enterprises are suppressed (values None).

    Returns ``[{"division": code|None, "enterprises": int|None, "suppressed": bool,
    "<benefit>": float|None, ...}]``."""
    codes, labels = _factorize(division)
    k = len(labels)
    cols = {name: np.asarray(v) for name, v in benefits.items()}
    out = []
    for j in [*range(k), None]:
        mask = codes == j if j is not None else np.ones(len(codes), dtype=bool)
        m = int(mask.sum())
        row = {
            "division": None if j is None else labels[j].item(),
            "enterprises": m,
            "suppressed": m < min_enterprises,
        }
        for name, v in cols.items():
            sub = v[mask]
            if row["suppressed"] or sub.size == 0:
                row[name] = None
            elif sub.dtype.kind == "b":
                row[name] = float(sub.mean())
            else:
                row[name] = float(np.nanmean(sub.astype(np.float64)))
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
