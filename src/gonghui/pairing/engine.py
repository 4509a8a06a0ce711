"""The "大带小" pairing engine: optimal mentor pairing of micro enterprises (pure, no Django).

Public API
==========

``solve(micros, mentors, params=PairingParams(), industry=None, locked=(), excluded=()) -> PairingResult``
    Pair micro enterprises (``MicroTable`` or a sequence of ``Micro``) with mentors (``MentorTable``
    or a sequence of ``Mentor``: big-enterprise unions and 模范职工之家). Objective, in this order:
    (1) cover as many micro enterprises as possible, (2) minimise the total cost of the pairs.
    ``locked`` is an iterable of ``(micro_id, mentor_id)`` kept as they are (they use up the
    mentor's capacity, whatever their distance); ``excluded`` is an iterable of enterprise ids
    (micro or mentor) left out of this run. Ids are ints. Deterministic: the same input gives the
    same plan.

``IndustryTree.from_csv(path)``
    The GB/T 4754-2017 division → section map (and code → name map for explanations) from a CSV
    with columns ``code,name,level,parent``. The engine never reads files by itself.

``group_joint_unions`` / ``group_federations`` live in ``engine_groups`` (re-exported here).

Results are frozen dataclasses with ints, floats and strings only (``PairingResult.to_dict()``):
each ``Pair`` has its ``cost`` broken down (distance / industry / town / model home) and a Chinese
``explanation`` such as "同镇，相距 3.2 公里，同属 305 玻璃制品制造"; each ``Unassigned`` has a
``reason`` code (``excluded``, ``not_micro``, ``no_mentor``, ``mentors_full``, ``own_union``) and
a Chinese ``explanation``.

Cost of a pair (integers, so the flow solver is exact)
======================================================

    cost = round(distance_km * cost_per_km)            (default 100 per km, i.e. 1 per 10 m)
         + industry_penalty[level]                     level 0 same class, 1 same group (3 digits),
                                                       2 same division (2 digits), 3 same section,
                                                       4 other or unknown
         + other_town_penalty   if the towns differ and same_town == "preferred"
         + model_home_step * (4 - model_level)         model level 0 none, 1 县级, 2 市级, 3 省级,
                                                       4 全国 模范职工之家

Pairs farther than ``max_distance_km`` (great-circle, see ``geo``) or, with
``same_town == "required"``, in different towns are not candidates at all.

How it is solved (exactly)
==========================

The problem is a min-cost flow: micro → mentor arcs (capacity 1, the pair cost), mentor → sink
(capacity = the mentor's remaining capacity); the objective is lexicographic (max coverage, then
min cost). Candidate pairs are never an M × N matrix, only the pairs within the radius.

Default path (``solver="auto"`` with numba installed; ``engine_flow``, whose docstring has the
full proof):

* Candidates from a 3-D grid of cells at least as wide as the radius (points on the sphere, see
  ``geo``), computed by compiled kernels in spatial order (micros sorted by cell, mentors sorted by
  cell: this memory locality alone makes the solve several times faster), as a CSR of int32
  mentors and int32 costs sorted by (cost, mentor) per micro. Same pairs and the same float
  formulas as ``_Problem.pairs_of`` (a property test checks them against the k-d tree).
* One maximum-cardinality plan (augmenting paths, costs ignored) splits the problem by
  Gallai–Edmonds (``engine_flow`` docstring has the proof): D = micro enterprises left out by
  some maximum plan, A = their mentors. Every maximum plan fills A's seats from D and covers
  every other micro with a mentor outside A, so the two parts are solved independently (in two
  threads) and the arcs from the rest into A are dropped.
* Each part is a transportation LP ``min Σ c_ij x_ij + b·(uncovered)`` solved by successive
  shortest paths with prices (micros inserted one at a time, Dijkstra on reduced costs that stops
  at the first mentor with a free seat, prices warm-started across insertions), which keeps an
  optimal (plan, prices) pair for the inserted micros at every step. The rest needs no reward
  (every micro there is covered); D × A is solved with a small reward first (searches stay
  local), then the seats of A left empty are filled from the seats' side.
* Certificate: the parts' duals are combined into prices of the whole problem for one reward b,
  and the plan and prices are checked against *every* candidate arc (loads ≤ seats, prices ≥ 0
  and zero on mentors with room, ``u_i ≤ b``, reduced costs ``c_ij + p_j - u_i ≥ 0``). These are
  the LP optimality conditions, so the plan is optimal for reward b; with no augmenting path
  left (one O(arcs) breadth-first search) its coverage is the maximum K, and any plan with
  coverage K costs at least as much. A plan that failed the certificate would raise instead of
  being returned.

Fallback path (``solver="ortools"``, or numba missing): OR-Tools ``SimpleMinCostFlow
.solve_max_flow_with_min_cost`` per connected component of a k-d tree candidate graph
(``scipy.spatial.cKDTree``), components with one mentor or one micro enterprise solved directly.
Optional restricted start (``keep_per_micro=k``, column generation): the restricted problem keeps
each micro enterprise's k cheapest pairs; its optimal plan is checked against *every* candidate
pair by LP duality (the smallest prices by a longest-path fixpoint: ``p_j ≥ B - c_ij`` for an
uncovered i, ``p_j ≥ p_m(i) + c_i,m(i) - c_ij`` for a covered i with mentor m(i)), and the
violated pairs are added (at most ``add_per_round`` per micro and round) before solving the
changed components again; pairs are never removed, so this ends with the exact optimum.

Both paths return optimal plans (same coverage and total cost; among equally good plans the pick
may differ between the two paths, each deterministic for the same input).
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from . import engine_flow
from .geo import chord_to_km, km_to_chord, to_xyz

__all__ = [
    "IndustryTree",
    "Micro",
    "Mentor",
    "MicroTable",
    "MentorTable",
    "PairingParams",
    "Pair",
    "Unassigned",
    "PairingResult",
    "solve",
    "group_joint_unions",
    "group_federations",
    "MODEL_LEVEL_NAMES",
]

MAX_MODEL_LEVEL = 4
MODEL_LEVEL_NAMES = {1: "县级", 2: "市级", 3: "省级", 4: "全国"}
INF_COST = np.iinfo(np.int64).max // 4
INDUSTRY_SAME_CLASS, INDUSTRY_SAME_GROUP, INDUSTRY_SAME_DIVISION, INDUSTRY_SAME_SECTION, INDUSTRY_OTHER = (
    range(5)
)


# --------------------------------------------------------------------------------------------------
# Industry tree (GB/T 4754-2017)


@dataclass(frozen=True)
class IndustryTree:
    """Division → section letter map, plus an optional code → name map (any level) for explanations."""

    division_section: Mapping[str, str]
    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_csv(cls, path: str | Path) -> IndustryTree:
        div_sec: dict[str, str] = {}
        names: dict[str, str] = {}
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                names[row["code"]] = row["name"]
                if row["level"] == "division":
                    div_sec[row["code"]] = row["parent"]
        return cls(division_section=div_sec, names=names)

    def section_index(self) -> np.ndarray:
        """int array of size 100: division number → section letter code point (or -1)."""
        out = np.full(100, -1, dtype=np.int64)
        for div, sec in self.division_section.items():
            if len(div) == 2 and div.isdigit() and sec:
                out[int(div)] = ord(sec[0])
        return out


def class_codes_to_int(codes: Sequence[str | None]) -> np.ndarray:
    """'3054' → 3054; anything that is not a 4-digit string → -1 (unknown industry)."""
    if isinstance(codes, np.ndarray) and codes.dtype.kind in "iu":
        return codes.astype(np.int64)
    return np.fromiter(
        (int(c) if isinstance(c, str) and len(c) == 4 and c.isdigit() else -1 for c in codes),
        dtype=np.int64,
        count=len(codes),
    )


def industry_levels(a: np.ndarray, b: np.ndarray, section_of_division: np.ndarray) -> np.ndarray:
    """Vectorised distance in the GB/T 4754 tree between class codes (ints, -1 unknown): 0..4."""
    known = (a >= 0) & (b >= 0)
    sa = np.where(a >= 0, section_of_division[np.clip(a // 100, 0, 99)], -1)
    sb = np.where(b >= 0, section_of_division[np.clip(b // 100, 0, 99)], -2)
    lvl = np.full(a.shape, INDUSTRY_OTHER, dtype=np.int8)
    lvl[known & (sa == sb) & (sa >= 0)] = INDUSTRY_SAME_SECTION
    lvl[known & (a // 100 == b // 100)] = INDUSTRY_SAME_DIVISION
    lvl[known & (a // 10 == b // 10)] = INDUSTRY_SAME_GROUP
    lvl[known & (a == b)] = INDUSTRY_SAME_CLASS
    return lvl


# --------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Micro:
    id: int
    lng: float
    lat: float
    industry: str | None  # GB/T 4754 4-digit class code, e.g. "3054"
    headcount: int
    town: int  # any int id of the town (e.g. the 9-digit GB/T 2260 town code)


@dataclass(frozen=True)
class Mentor:
    id: int
    lng: float
    lat: float
    industry: str | None
    capacity: int  # how many micro enterprises it can mentor
    town: int
    model_level: int = 0  # 模范职工之家: 0 none, 1 县级, 2 市级, 3 省级, 4 全国


def _col(values, dtype) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype=dtype))


@dataclass(frozen=True, eq=False)
class MicroTable:
    """Column form of micro enterprises (what the benchmark and large runs use)."""

    ids: np.ndarray
    lng: np.ndarray
    lat: np.ndarray
    industry: np.ndarray  # int class codes (3054), -1 unknown
    headcount: np.ndarray
    town: np.ndarray

    def __post_init__(self):
        for name, dt in (
            ("ids", np.int64),
            ("lng", np.float64),
            ("lat", np.float64),
            ("headcount", np.int64),
            ("town", np.int64),
        ):
            object.__setattr__(self, name, _col(getattr(self, name), dt))
        object.__setattr__(self, "industry", class_codes_to_int(self.industry))

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def from_records(cls, records: Sequence[Micro]) -> MicroTable:
        return cls(
            ids=[r.id for r in records],
            lng=[r.lng for r in records],
            lat=[r.lat for r in records],
            industry=[r.industry for r in records],
            headcount=[r.headcount for r in records],
            town=[r.town for r in records],
        )


@dataclass(frozen=True, eq=False)
class MentorTable:
    ids: np.ndarray
    lng: np.ndarray
    lat: np.ndarray
    industry: np.ndarray
    capacity: np.ndarray
    town: np.ndarray
    model_level: np.ndarray

    def __post_init__(self):
        for name, dt in (
            ("ids", np.int64),
            ("lng", np.float64),
            ("lat", np.float64),
            ("capacity", np.int64),
            ("town", np.int64),
            ("model_level", np.int64),
        ):
            object.__setattr__(self, name, _col(getattr(self, name), dt))
        object.__setattr__(self, "industry", class_codes_to_int(self.industry))

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def from_records(cls, records: Sequence[Mentor]) -> MentorTable:
        return cls(
            ids=[r.id for r in records],
            lng=[r.lng for r in records],
            lat=[r.lat for r in records],
            industry=[r.industry for r in records],
            capacity=[r.capacity for r in records],
            town=[r.town for r in records],
            model_level=[r.model_level for r in records],
        )


@dataclass(frozen=True)
class PairingParams:
    max_distance_km: float = 15.0
    same_town: str = "preferred"  # "required" | "preferred" | "ignore"
    other_town_penalty: int = 500
    cost_per_km: int = 100
    # same class, same group, same division, same section, other
    industry_penalty: tuple[int, int, int, int, int] = (0, 150, 300, 600, 1000)
    model_home_step: int = 50  # per level missing below 全国 模范职工之家
    micro_threshold: int = 50  # a micro enterprise has fewer staff than this (local rule)
    own_union_threshold: int = 25  # Trade Union Law §11: this many or more must form their own union
    # OR-Tools path only. Restricted-problem start (column generation): None = all candidates in one solve
    # (fastest with OR-Tools, which cannot warm-start); k = start with each micro's k cheapest.
    # Affects speed only, never the plan's optimality.
    keep_per_micro: int | None = None
    add_per_round: int = 4  # pricing adds at most this many violated pairs per micro and round (speed only)
    chunk_size: int = 50_000  # micro enterprises per spatial query chunk (OR-Tools path; memory bound)
    # "auto": the compiled exact SSP solver (engine_flow) when numba is installed, else OR-Tools;
    # "ssp" / "ortools" force one. Affects speed only: both return an optimal plan.
    solver: str = "auto"

    def __post_init__(self):
        if self.same_town not in ("required", "preferred", "ignore"):
            raise ValueError(f"same_town must be required/preferred/ignore, not {self.same_town!r}")
        if self.max_distance_km <= 0:
            raise ValueError("max_distance_km must be positive")
        if len(self.industry_penalty) != 5 or min(self.industry_penalty) < 0:
            raise ValueError("industry_penalty needs 5 non-negative integers")
        if self.solver not in ("auto", "ssp", "ortools"):
            raise ValueError(f"solver must be auto/ssp/ortools, not {self.solver!r}")
        if self.keep_per_micro is not None and self.keep_per_micro < 1:
            raise ValueError("keep_per_micro must be ≥ 1")


# --------------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class Pair:
    micro_id: int
    mentor_id: int
    cost: int
    distance_km: float
    distance_cost: int
    industry_cost: int
    town_cost: int
    model_cost: int
    same_town: bool
    industry_level: int  # 0 same class … 4 other
    locked: bool
    should_form_own_union: bool
    explanation: str


@dataclass(frozen=True)
class Unassigned:
    micro_id: int
    reason: str  # excluded | not_micro | no_mentor | mentors_full | own_union
    explanation: str
    mentors_in_reach: int
    should_form_own_union: bool


@dataclass(frozen=True)
class PairingResult:
    pairs: tuple[Pair, ...]
    unassigned: tuple[Unassigned, ...]
    total_cost: int
    stats: Mapping[str, float] = field(default_factory=dict)

    @property
    def covered(self) -> int:
        return len(self.pairs)

    def to_dict(self) -> dict:
        return {
            "pairs": [dataclasses.asdict(p) for p in self.pairs],
            "unassigned": [dataclasses.asdict(u) for u in self.unassigned],
            "total_cost": self.total_cost,
            "covered": self.covered,
            "stats": dict(self.stats),
        }


# --------------------------------------------------------------------------------------------------
# Candidate pairs


class _Problem:
    """Arrays shared by candidate generation, the solve and the explanations."""

    def __init__(
        self, micros: MicroTable, mentors: MentorTable, params: PairingParams, industry: IndustryTree | None
    ):
        self.p = params
        self.mi = micros
        self.me = mentors
        self.sec = (industry or IndustryTree({})).section_index()
        self.mxyz = to_xyz(micros.lng, micros.lat)
        self.txyz = to_xyz(mentors.lng, mentors.lat)
        self.tree = cKDTree(self.txyz) if len(mentors) else None
        self.chord = km_to_chord(params.max_distance_km) * (1 + 1e-9) + 1e-9
        pen = np.asarray(params.industry_penalty, dtype=np.int64)
        self.ind_pen = pen
        self.model_cost = params.model_home_step * (
            MAX_MODEL_LEVEL - np.clip(mentors.model_level, 0, MAX_MODEL_LEVEL)
        )
        self.max_cost = (
            int(math.ceil(params.max_distance_km * params.cost_per_km))
            + int(pen.max())
            + (params.other_town_penalty if params.same_town == "preferred" else 0)
            + params.model_home_step * MAX_MODEL_LEVEL
        )

    def components(self, i: np.ndarray, j: np.ndarray, km: np.ndarray | None = None):
        p = self.p
        if km is None:
            km = chord_to_km(np.sqrt(((self.mxyz[i] - self.txyz[j]) ** 2).sum(axis=1)))
        dist_cost = np.rint(km * p.cost_per_km).astype(np.int64)
        lvl = industry_levels(self.mi.industry[i], self.me.industry[j], self.sec)
        same = self.mi.town[i] == self.me.town[j]
        town_cost = np.where(same, 0, p.other_town_penalty if p.same_town == "preferred" else 0).astype(
            np.int64
        )
        return dist_cost, self.ind_pen[lvl], town_cost, self.model_cost[j], km, lvl, same

    def pairs_of(self, micro_idx: np.ndarray):
        """All candidate pairs (i, j, cost) for the given micro indices, within radius and town rule."""
        if self.tree is None or micro_idx.size == 0:
            e = np.empty(0, dtype=np.int64)
            return e, e, e
        sub = cKDTree(self.mxyz[micro_idx])
        sdm = sub.sparse_distance_matrix(self.tree, self.chord, output_type="ndarray")
        i = micro_idx[sdm["i"].astype(np.int64)]
        j = sdm["j"].astype(np.int64)
        km = chord_to_km(sdm["v"])
        ok = km <= self.p.max_distance_km
        if self.p.same_town == "required":
            ok &= self.mi.town[i] == self.me.town[j]
        i, j, km = i[ok], j[ok], km[ok]
        d, ind, town, model, _, _, _ = self.components(i, j, km)
        return i, j, d + ind + town + model


def _group_starts(sorted_keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(sorted_keys, minlength=n)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return counts, starts


def _candidates(prob: _Problem, active: np.ndarray, cap: np.ndarray):
    """Every usable candidate pair of the active micro enterprises, sorted by (micro, cost, mentor).

    Returns (i, j, c, rank, reach): ``rank`` is the position of the pair in its micro enterprise's
    list (0 = cheapest), ``reach`` counts all mentors in reach (including full or excluded ones).
    Pairs are generated in chunks of micro enterprises so memory stays proportional to the pairs.
    """
    n = len(prob.mi)
    reach = np.zeros(n, dtype=np.int64)
    out_i, out_j, out_c = [], [], []
    chunk = max(1, prob.p.chunk_size)
    n_j = max(1, len(prob.me))
    for s in range(0, active.size, chunk):
        idx = active[s : s + chunk]
        i, j, c = prob.pairs_of(idx)
        reach += np.bincount(i, minlength=n)
        usable = cap[j] > 0
        i, j, c = i[usable], j[usable], c[usable]
        # One composite int64 key instead of a 3-key lexsort (all factors are small).
        key = (i * (prob.max_cost + 1) + c) * n_j + j
        order = np.argsort(key, kind="stable")
        out_i.append(i[order].astype(np.int32))
        out_j.append(j[order].astype(np.int32))
        out_c.append(c[order].astype(np.int32))
    cat = lambda xs: np.concatenate(xs) if xs else np.empty(0, dtype=np.int32)  # noqa: E731
    i, j, c = cat(out_i), cat(out_j), cat(out_c)
    _, starts = _group_starts(i, n)
    rank = np.arange(i.size, dtype=np.int64) - starts[i]
    return i, j, c, rank, reach


# --------------------------------------------------------------------------------------------------
# Min-cost flow per component


def _solve_component(
    li: np.ndarray, lj: np.ndarray, c: np.ndarray, cap: np.ndarray, n_i: int, n_j: int
) -> np.ndarray:
    """Return a 0/1 flow per arc: max coverage, then min cost. li/lj are local indices."""
    if n_j == 1 or n_i == 1:
        # One mentor: its cap cheapest micro enterprises. One micro: its cheapest arc. Both exact.
        order = np.lexsort((li, lj, c))
        flow = np.zeros(c.size, dtype=np.int64)
        if n_j == 1:
            flow[order[: int(cap[0])]] = 1
        else:
            flow[order[0]] = 1
        return flow
    smcf = SimpleMinCostFlow()
    sink = n_i + n_j
    tails = np.concatenate([li, n_i + np.arange(n_j, dtype=np.int64)])
    heads = np.concatenate([n_i + lj, np.full(n_j, sink, dtype=np.int64)])
    caps = np.concatenate([np.ones(li.size, dtype=np.int64), np.minimum(cap, n_i)])
    costs = np.concatenate([c, np.zeros(n_j, dtype=np.int64)])
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_i] = 1
    supplies[sink] = -n_i
    smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return np.asarray(smcf.flows(arcs[: li.size]), dtype=np.int64)


def _solve_pruned(ai, aj, ac, cap, n_i, n_j, dirty_micro: np.ndarray | None, prev_flow_by_arc_key):
    """Solve every connected component of the arc graph; reuse flows of untouched components."""
    flow = np.zeros(ai.size, dtype=np.int64)
    if ai.size == 0:
        return flow, 0
    # Components over the nodes that have arcs (micro i → node i, mentor j → node n_i + j).
    g = coo_matrix((np.ones(ai.size, dtype=np.int8), (ai, n_i + aj)), shape=(n_i + n_j, n_i + n_j))
    _, label = connected_components(g, directed=False)
    comp = label[ai]
    order = np.argsort(comp, kind="stable")
    comp_sorted = comp[order]
    bounds = np.flatnonzero(np.diff(comp_sorted)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [comp_sorted.size]])
    dirty_comp = None
    if dirty_micro is not None:
        dirty_comp = np.zeros(label.max() + 1, dtype=bool)
        dirty_comp[label[dirty_micro]] = True
    solved = 0
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        sel = order[s:e]
        if dirty_comp is not None and not dirty_comp[comp_sorted[s]]:
            flow[sel] = prev_flow_by_arc_key(sel)
            continue
        gi, gj, gc = ai[sel], aj[sel], ac[sel]
        ui, li = np.unique(gi, return_inverse=True)
        uj, lj = np.unique(gj, return_inverse=True)
        flow[sel] = _solve_component(li.astype(np.int64), lj.astype(np.int64), gc, cap[uj], ui.size, uj.size)
        solved += 1
    return flow, solved


def _min_prices(ai, aj, ac, flow, cap, n_i, n_j, big_b):
    """Smallest dual prices of mentors (see the module docstring). Returns (p, assign, assigned_cost)."""
    used = flow > 0
    assign = np.full(n_i, -1, dtype=np.int64)
    assign[ai[used]] = aj[used]
    cm = np.zeros(n_i, dtype=np.int64)
    cm[ai[used]] = ac[used]
    load = np.bincount(aj[used], minlength=n_j)
    p = np.zeros(n_j, dtype=np.int64)
    unc = (assign[ai] < 0) & ~used
    if unc.any():
        np.maximum.at(p, aj[unc], big_b - ac[unc])
    # Edges m(i) → j, weight c_i,m(i) - c_ij, for covered i and its other kept arcs.
    e = (~used) & (assign[ai] >= 0)
    src, dst, w = assign[ai[e]], aj[e], cm[ai[e]] - ac[e]
    full = load >= cap
    order = np.argsort(src, kind="stable")
    src, dst, w = src[order], dst[order], w[order]
    _, st = _group_starts(src, n_j)
    frontier = np.unique(src)  # first pass over every edge, then only from raised prices
    for _ in range(10 * n_j + 10):
        if frontier.size == 0:
            break
        lo, hi = st[frontier], st[frontier + 1]
        cnt = hi - lo
        tot = int(cnt.sum())
        if tot == 0:
            break
        idx = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(tot, dtype=np.int64)
        cand = p[src[idx]] + w[idx]
        better = cand > p[dst[idx]]
        if not better.any():
            break
        d, cv = dst[idx[better]], cand[better]
        np.maximum.at(p, d, cv)
        frontier = np.unique(d)
    else:  # pragma: no cover - would mean a positive cycle, i.e. a non-optimal plan
        raise RuntimeError("price fixpoint did not converge")
    if (p[~full] > 0).any():  # pragma: no cover - would contradict optimality of the pruned plan
        raise RuntimeError("pruned plan is not optimal (positive price on a mentor with room)")
    return p, assign, cm, load


# --------------------------------------------------------------------------------------------------
# Explanations


def _fmt_km(km: float) -> str:
    return f"{km:.1f}"


def _industry_phrase(tree: IndustryTree | None, a: int, b: int, lvl: int) -> str:
    names = tree.names if tree is not None else {}
    if lvl == INDUSTRY_SAME_CLASS:
        code = f"{a:04d}"
    elif lvl == INDUSTRY_SAME_GROUP:
        code = f"{a // 10:03d}"
    elif lvl == INDUSTRY_SAME_DIVISION:
        code = f"{a // 100:02d}"
    elif lvl == INDUSTRY_SAME_SECTION:
        code = tree.division_section.get(f"{a // 100:02d}", "") if tree is not None else ""
        name = names.get(code, "")
        return f"同属 {code} 门类 {name}".rstrip() if code else "同一门类"
    else:
        return "行业不同"
    name = names.get(code, "")
    return f"同属 {code} {name}".rstrip()


def _explain_pair(tree, same_town, km, a, b, lvl, model_level, locked) -> str:
    parts = ["同镇" if same_town else "跨镇", f"相距 {_fmt_km(km)} 公里", _industry_phrase(tree, a, b, lvl)]
    if model_level > 0:
        parts.append(f"导师为{MODEL_LEVEL_NAMES.get(int(model_level), '')}模范职工之家")
    if locked:
        parts.append("人工锁定")
    return "，".join(parts)


def _reach_phrase(params: PairingParams) -> str:
    town = "本镇" if params.same_town == "required" else ""
    return f"{town}{params.max_distance_km:g} 公里内"


# --------------------------------------------------------------------------------------------------
# solve


def _as_micros(x) -> MicroTable:
    return x if isinstance(x, MicroTable) else MicroTable.from_records(list(x))


def _as_mentors(x) -> MentorTable:
    return x if isinstance(x, MentorTable) else MentorTable.from_records(list(x))


def solve(
    micros: MicroTable | Sequence[Micro],
    mentors: MentorTable | Sequence[Mentor],
    params: PairingParams = PairingParams(),  # noqa: B008 - frozen, immutable default
    industry: IndustryTree | None = None,
    locked: Iterable[tuple[int, int]] = (),
    excluded: Iterable[int] = (),
    *,
    explain: bool = True,
) -> PairingResult:
    """Maximum-coverage, minimum-cost pairing. See the module docstring for the model and the proof.

    ``explain=False`` skips building the Chinese explanation strings (they are then empty).
    """
    import time

    t0 = time.perf_counter()
    mi, me = _as_micros(micros), _as_mentors(mentors)
    n_i, n_j = len(mi), len(me)
    if np.unique(mi.ids).size != n_i or np.unique(me.ids).size != n_j:
        raise ValueError("duplicate ids")
    excluded_set = {int(x) for x in excluded}
    ex_micro = np.isin(mi.ids, np.fromiter(excluded_set, dtype=np.int64, count=len(excluded_set)))
    ex_mentor = np.isin(me.ids, np.fromiter(excluded_set, dtype=np.int64, count=len(excluded_set)))
    not_micro = mi.headcount >= params.micro_threshold
    own_union = (mi.headcount >= params.own_union_threshold) & ~not_micro

    cap = np.where(ex_mentor, 0, np.maximum(me.capacity, 0)).astype(np.int64)
    locked = list(locked)
    micro_pos = {int(v): k for k, v in enumerate(mi.ids.tolist())} if locked else {}
    mentor_pos = {int(v): k for k, v in enumerate(me.ids.tolist())} if locked else {}
    locked_pairs: dict[int, int] = {}
    for a, b in locked:
        if int(a) not in micro_pos or int(b) not in mentor_pos:
            raise ValueError(f"locked pair ({a}, {b}) names an unknown enterprise")
        ia, jb = micro_pos[int(a)], mentor_pos[int(b)]
        if ex_micro[ia] or ex_mentor[jb] or not_micro[ia]:
            continue  # exclusion wins over a lock
        if ia in locked_pairs:
            raise ValueError(f"micro enterprise {a} is locked twice")
        locked_pairs[ia] = jb
    lock_i = np.fromiter(locked_pairs.keys(), dtype=np.int64, count=len(locked_pairs))
    lock_j = np.fromiter(locked_pairs.values(), dtype=np.int64, count=len(locked_pairs))
    if lock_j.size:
        cap = np.maximum(cap - np.bincount(lock_j, minlength=n_j), 0)

    active_mask = ~(ex_micro | not_micro)
    active_mask[lock_i] = False
    active = np.flatnonzero(active_mask)

    prob = _Problem(mi, me, params, industry)
    big_b = (n_j + 1) * (prob.max_cost + 1)
    if _use_flow(params):
        pi, pj, reach, stats = _solve_flow(prob, active, cap, big_b, t0)
    else:
        pi, pj, reach, stats = _solve_ortools(prob, active, cap, big_b, t0, n_i, n_j)
    t_build = time.perf_counter()
    result = _build_result(
        prob, industry, pi, pj, lock_i, lock_j, reach, ex_micro, not_micro, own_union, explain, stats
    )
    stats["build_seconds"] = time.perf_counter() - t_build
    stats["seconds"] = time.perf_counter() - t0
    return result


def _use_flow(params: PairingParams) -> bool:
    if params.solver == "ortools":
        return False
    if not engine_flow.AVAILABLE:
        if params.solver == "ssp":  # pragma: no cover - only without numba
            raise RuntimeError("solver='ssp' needs numba (pip install numba)")
        return False  # pragma: no cover - only without numba
    return True


def _solve_flow(prob: _Problem, active: np.ndarray, cap: np.ndarray, big_b: int, t0: float):
    """Candidates on a grid, then the exact warm-started SSP with its certificate (engine_flow)."""
    import time

    cand = engine_flow.candidate_csr(prob, active, cap)
    t_cand = time.perf_counter() - t0
    capc = np.minimum(cap[cand.mentors], max(len(prob.mi), 1)).astype(np.int64)
    order = np.arange(cand.rows.size, dtype=np.int64)
    assign, _, _, info = engine_flow.solve_decomposed(cand.rs, cand.col, cand.cst, capc, order, prob.max_cost)
    t_solve = time.perf_counter() - t0 - t_cand
    used = np.flatnonzero(assign >= 0)
    pi = cand.rows[used]
    pj = cand.mentors[assign[used]]
    reach = cand.reach
    stats = {
        "solver": "ssp",
        "candidate_seconds": t_cand,
        "solve_seconds": t_solve,
        "rounds": info["rounds"],
        "components_solved": 0,
        "arcs": int(cand.col.size),
        "candidate_pairs": int(cand.col.size),
        "added_arcs": 0,
        **{k: v for k, v in info.items() if k != "rounds"},
    }
    return pi, pj, reach, stats


def _solve_ortools(prob: _Problem, active, cap, big_b, t0, n_i, n_j):
    """The OR-Tools path (used without numba, or with ``solver="ortools"``)."""
    import time

    params = prob.p
    all_i, all_j, all_c, rank, reach = _candidates(prob, active, cap)
    t_cand = time.perf_counter() - t0
    k0 = params.keep_per_micro
    in_set = rank < k0 if k0 is not None else np.ones(all_i.size, dtype=bool)
    flow_all = np.zeros(all_i.size, dtype=np.int8)

    rounds = 0
    solved_components = 0
    dirty = None
    added_total = 0
    while True:
        rounds += 1
        sel = np.flatnonzero(in_set)
        ai, aj, ac = all_i[sel].astype(np.int64), all_j[sel].astype(np.int64), all_c[sel].astype(np.int64)
        prev = flow_all[sel]
        flow, solved = _solve_pruned(ai, aj, ac, cap, n_i, n_j, dirty, lambda x, _p=prev: _p[x])
        flow_all[sel] = flow
        solved_components += solved
        p, assign, cm, _ = _min_prices(ai, aj, ac, flow, cap, n_i, n_j, big_b)
        u = np.where(assign >= 0, cm + np.append(p, 0)[assign], big_b)  # assign -1 → the appended 0
        # Pricing over every candidate pair: reduced cost c_ij + p_j - u_i must be ≥ 0.
        reduced = all_c + p[all_j] - u[all_i]
        viol = np.flatnonzero((reduced < 0) & ~in_set)
        if viol.size == 0:
            break
        # Add, per micro enterprise, its most violated pairs (at most add_per_round).
        vi = all_i[viol].astype(np.int64)
        order = np.lexsort((viol, reduced[viol], vi))
        viol, vi = viol[order], vi[order]
        _, st = _group_starts(vi, n_i)
        vrank = np.arange(vi.size) - st[vi]
        viol = viol[vrank < params.add_per_round]
        in_set[viol] = True
        added_total += int(viol.size)
        dirty = np.unique(all_i[viol]).astype(np.int64)

    used = flow > 0
    stats = {
        "solver": "ortools",
        "candidate_seconds": t_cand,
        "rounds": rounds,
        "components_solved": solved_components,
        "arcs": int(ai.size),
        "candidate_pairs": int(all_i.size),
        "added_arcs": added_total,
    }
    return ai[used], aj[used], reach, stats


_MODEL_PHRASES = {lvl: f"，导师为{name}模范职工之家" for lvl, name in MODEL_LEVEL_NAMES.items()}


def _km_text(km: np.ndarray) -> np.ndarray:
    """``f"{x:.1f}"`` for every x, vectorised: exact, the few values near a rounding tie are
    formatted one by one."""
    tenths = km * 10.0
    base = np.floor(tenths)
    frac = tenths - base
    t = (base + (frac > 0.5)).astype(np.int64)
    out_idx = np.clip(t, 0, None)
    table = np.array([f"{x // 10}.{x % 10}" for x in range(int(out_idx.max()) + 1)], dtype=object)
    out = table[out_idx]
    odd = np.flatnonzero((np.abs(frac - 0.5) < 1e-6) | (t < 0) | ~np.isfinite(km))
    for k in odd.tolist():
        out[k] = f"{km[k]:.1f}"
    return out


def _explanations(industry, mi, me, pi, pj, km, lvl, same, is_locked) -> list[str]:
    """The Chinese explanation of every pair, e.g. "同镇，相距 3.2 公里，同属 305 玻璃制品制造"
    (same text as ``_explain_pair``), built from a few distinct pieces instead of pair by pair."""
    km_s = _km_text(km)
    town_s = np.where(same, "同镇，相距 ", "跨镇，相距 ").astype(object)
    a = mi.industry[pi]
    ml = me.model_level[pj]
    # Suffix: industry phrase + model home + lock, one string per distinct combination.
    key = ((a + 1) * 8 + lvl) * 2 + is_locked
    key = key * 64 + np.clip(ml, -1, 62) + 1
    uk, inv = np.unique(key, return_inverse=True)
    suf = []
    for k in uk.tolist():
        mlev, k = k % 64 - 1, k // 64
        lock, k = k % 2, k // 2
        lv, code = k % 8, k // 8 - 1
        text = " 公里，" + _industry_phrase(industry, code, -1, lv)
        if mlev > 0:
            text += f"，导师为{MODEL_LEVEL_NAMES.get(int(mlev), '')}模范职工之家"
        if lock:
            text += "，人工锁定"
        suf.append(text)
    suf_s = np.array(suf, dtype=object)[inv]
    return (town_s + km_s + suf_s).tolist()


def _make_pairs(mi, me, pi, pj, cost, km, d, ind, town, model, same, lvl, is_locked, own_union, texts):
    return tuple(
        map(
            Pair,
            mi.ids[pi].tolist(),
            me.ids[pj].tolist(),
            cost.tolist(),
            np.round(km, 3).tolist(),
            d.tolist(),
            ind.tolist(),
            town.tolist(),
            model.tolist(),
            same.tolist(),
            lvl.astype(np.int64).tolist(),
            is_locked.tolist(),
            own_union[pi].tolist(),
            texts,
        )
    )


def _build_result(
    prob, industry, pi, pj, lock_i, lock_j, reach, ex_micro, not_micro, own_union, explain, stats
):
    """Pairs (sorted by micro id) and unassigned enterprises, vectorised where it counts."""
    mi, me, params = prob.mi, prob.me, prob.p
    n_i = len(mi)
    pi = np.concatenate([np.asarray(pi, dtype=np.int64), lock_i])
    pj = np.concatenate([np.asarray(pj, dtype=np.int64), lock_j])
    is_locked = np.zeros(pi.size, dtype=bool)
    is_locked[pi.size - lock_i.size :] = True
    order = np.argsort(mi.ids[pi], kind="stable")
    pi, pj, is_locked = pi[order], pj[order], is_locked[order]
    d, ind, town, model, km, lvl, same = prob.components(pi, pj)
    cost = d + ind + town + model
    n = int(pi.size)
    texts = _explanations(industry, mi, me, pi, pj, km, lvl, same, is_locked) if explain and n else [""] * n
    gc_was_enabled = gc.isenabled()
    gc.disable()  # 100k+ small objects: the cyclic collector would rescan them over and over
    try:
        pairs = _make_pairs(
            mi, me, pi, pj, cost, km, d, ind, town, model, same, lvl, is_locked, own_union, texts
        )
    finally:
        if gc_was_enabled:
            gc.enable()

    covered = np.zeros(n_i, dtype=bool)
    covered[pi] = True
    unassigned = []
    where = _reach_phrase(params)
    left = np.flatnonzero(~covered)
    for i in left[np.argsort(mi.ids[left], kind="stable")].tolist():
        h = int(mi.headcount[i])
        if ex_micro[i]:
            reason, text = "excluded", "已被排除在本次结对之外"
        elif not_micro[i]:
            reason, text = (
                "not_micro",
                f"职工 {h} 人，不属于小微企业（少于 {params.micro_threshold} 人），应单独建会",
            )
        else:
            if reach[i] == 0:
                reason, text = "no_mentor", f"{where}没有导师单位"
            else:
                reason, text = "mentors_full", f"{where}的 {int(reach[i])} 家导师单位名额均已满"
            if own_union[i]:
                reason = "own_union"
                text = (
                    f"职工 {h} 人，达到 {params.own_union_threshold} 人，应依法单独建立工会委员会"
                    f"（《工会法》第十一条），不并入联合工会；{text}"
                )
        unassigned.append(Unassigned(int(mi.ids[i]), reason, text, int(reach[i]), bool(own_union[i])))
    return PairingResult(pairs=pairs, unassigned=tuple(unassigned), total_cost=int(cost.sum()), stats=stats)


def all_candidate_pairs(micros, mentors, params: PairingParams = PairingParams(), industry=None):  # noqa: B008
    """Every candidate pair (micro index, mentor index, cost), unpruned: for baselines and tests."""
    mi, me = _as_micros(micros), _as_mentors(mentors)
    prob = _Problem(mi, me, params, industry)
    cap = np.maximum(me.capacity, 0)
    active = np.flatnonzero(mi.headcount < params.micro_threshold)
    if _use_flow(params):
        return engine_flow.candidate_csr(prob, active, cap).triples()
    ai, aj, ac, _, _ = _candidates(prob, active, cap)
    return ai.astype(np.int64), aj.astype(np.int64), ac.astype(np.int64)


from .engine_groups import group_federations, group_joint_unions  # noqa: E402
