"""Compiled kernels of the pairing engine: candidate pairs on a grid, and an exact warm-started
min-cost flow (successive shortest paths with prices), plus an optimality certificate.

Pure (NumPy + numba, no Django). Used by ``engine.solve``; if numba is not installed,
``AVAILABLE`` is False and the engine falls back to its OR-Tools path (same plans' coverage and
cost, slower).

The model (see also ``engine``'s docstring)
===========================================

Micro enterprise ``i`` may take mentor ``j`` over a candidate arc of integer cost ``c_ij ≥ 0``;
mentor ``j`` has ``cap_j`` seats. With ``B = (n_mentors + 1) * (max_cost + 1)`` the lexicographic
objective (max coverage, then min cost) is the transportation LP

    min Σ c_ij x_ij + B y_i   s.t.  Σ_j x_ij + y_i = 1 (each micro i),  Σ_i x_ij ≤ cap_j,  x, y ≥ 0

(``y_i = 1``: i uncovered, think of it as i sitting on a "dummy" mentor with infinite seats and
cost B). Why B is large enough: if a plan covers fewer than the maximum, the symmetric difference
with a maximum one holds an augmenting path, simple in the mentors, so with at most n_mentors
forward arcs of cost ≤ max_cost and backward arcs of cost ≥ 0; applying it changes the objective
by at most ``-B + n_mentors * max_cost < 0``. So every optimum of the LP has maximum coverage, and
among those the minimum cost. The constraint matrix is totally unimodular, so an integral optimum
exists and the algorithm below produces one.

Dual: prices ``p_j ≥ 0`` on mentors, values ``u_i`` on micros with ``u_i ≤ B`` and
``u_i ≤ c_ij + p_j`` on every arc. Complementary slackness (CS): ``u_i = c_ij + p_j`` on the arc
used by i, ``u_i = B`` if i is uncovered, ``p_j = 0`` unless mentor j is full.

Algorithm (``ssp``): micro enterprises are inserted one at a time. Before each insertion, (plan of
the inserted ones, prices) satisfy primal feasibility, dual feasibility and CS, i.e. the plan is
optimal for the inserted micros. Inserting s is a shortest path (Dijkstra, costs reduced by the
prices, all ≥ 0 by dual feasibility) from s to a *terminal*: a mentor with a free seat or the
dummy. A step "mentor j → mentor j'" moves a micro i' from j to j' (reduced cost
``c_i'j' + p_j' - u_i'``), "j → dummy" uncovers i' (``B - u_i'``). With D the length of the
shortest path, every mentor settled before the terminal gets ``p_j += D - d_j`` (the classical
potential update, which keeps all reduced costs ≥ 0 and makes the path tight), then the path is
applied. Only full mentors are ever settled (a mentor with a free seat is a terminal) and a full
mentor stays full, so ``p_j > 0`` only on full mentors. Hence the invariant holds after every
insertion, and after the last one the plan is optimal for the whole LP. The search is local: it
stops at the first terminal, and arcs whose ``c + p_j`` already reaches the best terminal found
are cut (each row is sorted by a lower bound of it, its value when the row was last sorted:
prices only rise; ``ssp_rows``).

Decomposition (``solve_decomposed``, what the engine runs). Split each mentor into its seats:
a plan is a matching of micros to seats. One maximum matching M0 (``max_matching``, costs
ignored) gives D = micros reachable from a micro uncovered by M0 by an alternating path (arc to a
mentor, then a micro held there, ...) = the micros left uncovered by *some* maximum plan, and
A = the mentors of D's arcs (``deficient_side``). The Gallai–Edmonds structure theorem
(Lovász–Plummer, Matching Theory, 3.2.1) says that every maximum matching matches every vertex
of A (here: every seat of A) to a vertex of D. Hence in every maximum plan: A's seats are all
filled from D; a micro outside D is covered (else it would be left out by a maximum plan, i.e.
in D), and not in A (A's seats go to D), so its arcs into A are
never used; D micros have arcs only into A. So the maximum plans are exactly the pairs (P_a, P_b)
with P_a filling all seats of A from D and P_b covering every micro outside D on mentors outside
A, and the least cost is min cost(P_a) + min cost(P_b): two independent problems, neither of
which needs the large reward B:
(b) the rest: ``ssp`` inserts the micros outside D; every search ends at a free seat.
(a) D × A: ``ssp`` with a small reward b1 first (an optimal plan for b1, searches stay local),
    then ``fill_seats`` fills the seats left empty from the seats' side, warm-started with the
    same duals seen from the seats (q_i = b1 - u_i ≥ 0 on micros, 0 on uncovered ones,
    v_j = b1 - p_j on mentors); each search ends at an uncovered micro of D.
Components and threads: D × A is itself a union of independent problems, the connected components
of its arcs (``_deficient_components``, a union-find over the mentors), which share no micro and no
mentor; each one's final duals (q_i on its micros, the seat values m_j below on its mentors)
satisfy the conditions below on its own arcs whatever b1 it started from (b1 only sets the fill's
warm start), so they combine as they are. On the large benchmark the largest component holds ~89 %
of D × A's arcs, and its micro side then fill is the longest chain of work (7 + 11 s against the
rest's 11 s on the other thread, 2026-11-25), so the calling thread takes it at once, with
its micro side in two halves on both threads: its mentors (numbered in spatial order) are cut where
half of its arcs lie on each side, the micros with arcs on one side only are inserted by that
side's thread, then the micros crossing the cut by the calling thread (``ssp``'s invariant holds in
any insertion order, and the two halves share no micro and no mentor until a crossing micro is
inserted). The second thread then builds the fill's view of the arcs and takes the remaining jobs,
longest first by arcs: (b) and the other components (packed into a few jobs); the calling thread
joins in when its fill is done. The fill itself stays sequential: its searches are long and cross
the cut (confined to one side, 2,550 of the largest component's 3,147 empty seats' searches, 81 %,
would have to stop there); run speculatively on two threads with commits in seat order, 8.5 % of
them had to be redone (a search reads a median 1,350 of the component's 24,330 mentors), and with
the second thread busy with the rest meanwhile it was slower (78-86 s against 67-77 s in all).
Duals of the whole problem: with m_j the common value of A's seats (c_ij + q_i = m_j on used
arcs, ≥ m_j on all arcs of j: so all seats of j have the same value), set p_j = b - m_j on A,
u_i = b - q_i on D and keep the rest's prices, where b is the least reward making them feasible
(b ≥ m_j, b ≥ u_i of the rest, b ≥ u_i + m_j - c_ij on the unused arcs from the rest into A:
``_cross_reward``). ``certify`` then checks them on every arc and ``augmentable`` checks that no
augmenting path exists, which proves the plan lexicographically optimal: the certificate makes it
optimal for reward b, so its coverage K is the maximum (no augmenting path) and any plan y with
coverage K has cost(y) + b(n - K) ≥ cost(plan) + b(n - K), i.e. the plan also has the least cost
among maximum-coverage plans.

Certificate (``certify``): independently of the algorithm, the final plan and prices are checked
against *every* candidate arc: load ≤ cap, prices ≥ 0 and zero on mentors with room, each used
arc exists with its cost, ``u_i ≤ B`` and ``c_ij + p_j ≥ u_i`` on all arcs. These are exactly the
LP optimality conditions, so a plan that passes is optimal, whatever produced it.
"""

from __future__ import annotations

import numpy as np

try:  # numba is optional: without it the engine uses OR-Tools
    from numba import njit, prange

    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only without numba
    AVAILABLE = False

    def njit(*args, **kwargs):
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

    prange = range


# --------------------------------------------------------------------------------------------------
# Candidate pairs on a 3-D grid of cells of side ≥ the chord radius


@njit(cache=True)
def _cells(xyz, h, lo):
    n = xyz.shape[0]
    out = np.empty((n, 3), dtype=np.int64)
    for k in range(n):
        for d in range(3):
            out[k, d] = np.int64(np.floor((xyz[k, d] - lo[d]) / h)) + 1
    return out


@njit(cache=True)
def _industry_level(a, b, sec):
    if a < 0 or b < 0:
        return 4
    if a == b:
        return 0
    if a // 10 == b // 10:
        return 1
    da = min(max(a // 100, 0), 99)
    db = min(max(b // 100, 0), 99)
    if a // 100 == b // 100:
        return 2
    sa = sec[da]
    if sa >= 0 and sa == sec[db]:
        return 3
    return 4


@njit(parallel=True, cache=True)
def _scan(
    fill,
    mxyz,
    mcell,
    txyz,
    tkeys,
    dims,
    chord,
    chord_in,
    max_km,
    radius,
    cost_per_km,
    mind,
    tind,
    sec,
    ind_pen,
    mtown,
    ttown,
    town_rule,
    town_pen,
    model_cost,
    cap,
    n_j,
    rs,
    keys,
    counts,
    reach,
):
    """Count (fill=False) or write (fill=True) each row's sorted candidate keys ``cost * n_j + j``.

    Rows are micros (already in spatial order), mentors are sorted by cell key (``tkeys``).
    A pair is a candidate iff its great-circle distance ``2R asin(chord / 2R)`` is at most
    ``max_km`` (the asin is skipped where the chord is clearly inside, below ``chord_in``).
    town_rule: 0 ignore, 1 preferred (penalty), 2 required (filter).
    """
    two_r = 2.0 * radius
    for r in prange(mxyz.shape[0]):
        cx, cy, cz = mcell[r, 0], mcell[r, 1], mcell[r, 2]
        x0, y0, z0 = mxyz[r, 0], mxyz[r, 1], mxyz[r, 2]
        nr = 0
        nu = 0
        pos = rs[r]
        for dx in range(-1, 2):
            for dy in range(-1, 2):
                base = ((cx + dx) * dims[1] + (cy + dy)) * dims[2]
                lo = np.searchsorted(tkeys, base + cz - 1)
                hi = np.searchsorted(tkeys, base + cz + 1, side="right")
                for j in range(lo, hi):
                    ex = x0 - txyz[j, 0]
                    ey = y0 - txyz[j, 1]
                    ez = z0 - txyz[j, 2]
                    ch = np.sqrt((ex * ex + ey * ey) + ez * ez)
                    if ch > chord:
                        continue
                    km = -1.0
                    if ch > chord_in or fill:
                        q = ch / two_r
                        if q > 1.0:
                            q = 1.0
                        km = two_r * np.arcsin(q)
                        if km > max_km:
                            continue
                    same = mtown[r] == ttown[j]
                    if town_rule == 2 and not same:
                        continue
                    nr += 1
                    if cap[j] <= 0:
                        continue
                    nu += 1
                    if fill:
                        c = np.int64(np.rint(km * cost_per_km))
                        c += ind_pen[_industry_level(mind[r], tind[j], sec)]
                        if town_rule == 1 and not same:
                            c += town_pen
                        c += model_cost[j]
                        keys[pos] = c * n_j + j
                        pos += 1
        if fill:
            keys[rs[r] : pos].sort()
        else:
            counts[r] = nu
            reach[r] = nr


@njit(parallel=True, cache=True)
def _decode(keys, n_j, col, cst):
    for k in prange(keys.size):
        col[k] = keys[k] % n_j
        cst[k] = keys[k] // n_j


class Candidates:
    """Candidate arcs in the solver's own numbering (spatial order, for memory locality).

    ``rows[r]`` is the micro index of row r (the active micros, sorted by grid cell) and
    ``mentors[k]`` the mentor index of solver mentor k (sorted by grid cell). The arcs of row r
    are ``rs[r]:rs[r+1]``, sorted by (cost, solver mentor): ``col`` int32 solver mentor, ``cst``
    int32 cost. ``reach[i]`` (by micro index) counts every mentor in reach, full or excluded.
    """

    def __init__(self, rows, mentors, rs, col, cst, reach):
        self.rows, self.mentors, self.rs, self.col, self.cst, self.reach = rows, mentors, rs, col, cst, reach

    def triples(self):
        """(micro, mentor, cost) int64 in the engine's numbering, sorted by (micro, cost, mentor)."""
        i = np.repeat(self.rows, np.diff(self.rs))
        j = self.mentors[self.col]
        c = self.cst.astype(np.int64)
        order = np.lexsort((j, c, i))
        return i[order], j[order], c[order]


def candidate_csr(prob, active: np.ndarray, cap: np.ndarray) -> Candidates:
    """Every usable candidate pair of the active micros (see ``Candidates``): exactly the pairs
    and costs of ``engine._Problem.pairs_of`` (same float formulas), never the M × N matrix."""
    from .geo import EARTH_RADIUS_KM, km_to_chord

    p = prob.p
    n_i, n_j = len(prob.mi), len(prob.me)
    reach = np.zeros(n_i, dtype=np.int64)
    if n_j == 0 or active.size == 0:
        e = np.empty(0, np.int32)
        return Candidates(
            active.astype(np.int64), np.arange(n_j), np.zeros(active.size + 1, np.int64), e, e, reach
        )
    mxyz_all, txyz_all = prob.mxyz[active], prob.txyz
    lo = np.minimum(mxyz_all.min(axis=0), txyz_all.min(axis=0))
    hi = np.maximum(mxyz_all.max(axis=0), txyz_all.max(axis=0))
    # Cells at least as wide as the radius, and few enough that the linear key fits in int64.
    h = max(float(prob.chord), float((hi - lo).max()) / 1_000_000.0, 1e-9)
    mcell = _cells(mxyz_all, h, lo)
    tcell = _cells(txyz_all, h, lo)
    dims = (np.maximum(mcell.max(axis=0), tcell.max(axis=0)) + 2).astype(np.int64)
    tk = (tcell[:, 0] * dims[1] + tcell[:, 1]) * dims[2] + tcell[:, 2]
    tord = np.argsort(tk, kind="stable")
    mk = (mcell[:, 0] * dims[1] + mcell[:, 1]) * dims[2] + mcell[:, 2]
    rord = np.argsort(mk, kind="stable")
    rows = active[rord].astype(np.int64)
    town_rule = {"ignore": 0, "preferred": 1, "required": 2}[p.same_town]
    n_rows = rows.size
    counts = np.zeros(n_rows, dtype=np.int64)
    reach_r = np.zeros(n_rows, dtype=np.int64)
    rs = np.zeros(n_rows + 1, dtype=np.int64)
    args = (
        np.ascontiguousarray(mxyz_all[rord]),
        np.ascontiguousarray(mcell[rord]),
        np.ascontiguousarray(txyz_all[tord]),
        np.ascontiguousarray(tk[tord]),
        dims,
        float(prob.chord),
        float(km_to_chord(p.max_distance_km)) * (1.0 - 1e-9),
        float(p.max_distance_km),
        float(EARTH_RADIUS_KM),
        float(p.cost_per_km),
        np.ascontiguousarray(prob.mi.industry[rows]),
        np.ascontiguousarray(prob.me.industry[tord]),
        prob.sec,
        prob.ind_pen.astype(np.int64),
        np.ascontiguousarray(prob.mi.town[rows]),
        np.ascontiguousarray(prob.me.town[tord]),
        town_rule,
        int(p.other_town_penalty),
        np.ascontiguousarray(prob.model_cost[tord]).astype(np.int64),
        np.ascontiguousarray(cap[tord]).astype(np.int64),
        n_j,
    )
    dummy = np.empty(0, dtype=np.int64)
    _scan(False, *args, rs, dummy, counts, reach_r)
    np.cumsum(counts, out=rs[1:])
    keys = np.empty(int(rs[-1]), dtype=np.int64)
    _scan(True, *args, rs, keys, counts, reach_r)
    col = np.empty(keys.size, dtype=np.int32)
    cst = np.empty(keys.size, dtype=np.int32)
    _decode(keys, n_j, col, cst)
    del keys
    reach[rows] = reach_r
    return Candidates(rows, tord.astype(np.int64), rs, col, cst, reach)


# --------------------------------------------------------------------------------------------------
# Successive shortest paths with prices (exact; see the module docstring)


INF = 1 << 62


@njit(cache=True, nogil=True, inline="always")
def _heap_push(heap, size, key):
    """Push onto the binary min-heap ``heap[:size]`` (the caller keeps room: ``_heap_room``);
    returns the new size. The heap is never returned nor rebound: when it was (grown by
    doubling), numba counted references to it (atomic increments) in the loops around every
    push, and the large benchmark's fill took 29.5 s instead of 10.9 s, the micro side likewise."""
    k = size
    while k > 0:
        parent = (k - 1) >> 1
        if heap[parent] <= key:
            break
        heap[k] = heap[parent]
        k = parent
    heap[k] = key
    return size + 1


@njit(cache=True, nogil=True)
def _heap_pop(heap, size):
    """Drop the top of the heap (read ``heap[0]`` first); returns the new size."""
    size -= 1
    if size > 0:
        _sift_down(heap, 0, heap[size], size)
    return size


@njit(cache=True, nogil=True, inline="always")
def _sift_down(heap, k, x, size):
    """Put key ``x`` at node ``k`` of the heap ``heap[:size]`` and move it down to its place."""
    while True:
        c = 2 * k + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] < heap[c]:
            c += 1
        if heap[c] >= x:
            break
        heap[k] = heap[c]
        k = c
    heap[k] = x


@njit(cache=True, nogil=True)
def _heap_room(heap, size, dist, done, sid, nn):
    """Make room in a full heap of keys ``d * nn + node`` by dropping its stale entries (settled
    nodes, or a key above the node's distance): at most one entry per node is live, so with
    ``heap.size ≥ 2 * nn`` at least half of it is freed. Returns the new size; the live keys are
    distinct, so the search pops them in the same order as before."""
    n = 0
    for t in range(size):
        key = heap[t]
        d = key // nn
        j = key - d * nn
        if done[j] != sid and d == dist[j]:
            heap[n] = key
            n += 1
    for k in range(n // 2 - 1, -1, -1):
        _sift_down(heap, k, heap[k], n)
    return n


def ssp(rs, col, cst, cap, order, big_b, assign, acost, price, arcs=None):
    """Insert the micros of ``order`` one by one along shortest paths (module docstring).

    Warm start: ``assign`` (mentor of each micro, -1 none), ``acost`` (cost of its arc) and
    ``price`` (mentor prices, length n_mentors + 1, the last one the dummy's, always 0) hold a
    state satisfying the invariant (all -1 / 0 to start from scratch); they are updated in place.
    ``cap`` int64 (≤ number of micros). Returns the number of mentors settled (work done).

    The arcs (``rs``, ``col``, ``cst``) are only read, to build ssp's own sorted rows in
    ``arcs`` (``_own_rows``), so other threads may read them meanwhile. ``arcs``: None for a new
    array, or one that earlier calls on these rows left, holding the rows of the micros already
    placed (so only the rows of ``order`` are written; calls on disjoint micros may share it).
    """
    if arcs is None:
        arcs = np.empty((rs[-1], 2), dtype=np.int64)
        order_and_placed = np.union1d(order, np.flatnonzero(assign >= 0))
        _own_rows(rs, col, cst, order_and_placed, arcs, price)
    else:
        _own_rows(rs, col, cst, order, arcs, price)
    return ssp_rows(rs, arcs, cap, order, big_b, assign, acost, price, SSP_ROW_STALE)


@njit(cache=True, nogil=True, inline="always")
def _sort_row(a0, a1, arcs, price):
    """Set the bound ``arcs[a, 0]`` to ``c + price`` on the arcs ``a0:a1`` and sort them by it,
    ties by mentor (insertion sort: a row sorted again is nearly sorted already)."""
    for a in range(a0, a1):
        x = arcs[a, 1]
        arcs[a, 0] = (x & 0xFFFFFFFF) + price[x >> 32]
    for a in range(a0 + 1, a1):
        w = arcs[a, 0]
        x = arcs[a, 1]
        b = a - 1
        while b >= a0 and (arcs[b, 0] > w or (arcs[b, 0] == w and arcs[b, 1] > x)):
            arcs[b + 1, 0] = arcs[b, 0]
            arcs[b + 1, 1] = arcs[b, 1]
            b -= 1
        arcs[b + 1, 0] = w
        arcs[b + 1, 1] = x


@njit(cache=True, nogil=True)
def _own_rows(rs, col, cst, rows, arcs, price):
    """Write the given rows into ssp's own arcs, at the same places as in ``rs``: each arc a
    pair (``c + price`` at the row's last sort, ``mentor << 32 | c``: one cache line for both),
    the row sorted by the first. Only these rows are written (others may be in use elsewhere)."""
    for i in rows:
        for a in range(rs[i], rs[i + 1]):
            arcs[a, 1] = (np.int64(col[a]) << 32) | np.int64(cst[a])
        _sort_row(rs[i], rs[i + 1], arcs, price)


@njit(cache=True, nogil=True)
def ssp_rows(rs, arcs, cap, order, big_b, assign, acost, price, row_stale):
    """``ssp`` on its own rows (``_own_rows``: only those of ``order`` and of the micros placed
    are read; compiled to release the GIL, so the two parts of ``solve_decomposed`` run on two
    cores).

    The key of an arc in a search is ``c + p_j``, and ``arcs[a, 0]`` is a lower bound of it (its
    value when the row was last sorted: prices only rise), by which each row is sorted, so a scan
    stops at the first arc whose bound reaches the best terminal found. As prices rise the
    bounds go stale and scans read arcs already past that terminal; a row whose scan read more
    than ``row_stale`` (``SSP_ROW_STALE``) of them is sorted again by the current values at once
    (-1: after every scan). Only the rows the searches keep reading get sorted; sorting all rows
    every 5 or 20 × the mentors settled on top of that was slower. On the large benchmark's left
    half of the largest part (236,075 micros, 6.7 M arcs), alone, one sitting: rows cut by cost
    (before) 950 M arcs scanned, 8.2–8.4 s; never sorted again 6.6–6.8 s; ``row_stale`` 0: 188 M
    arcs, 15.9 M row sorts, 6.0 s; 4: 242 M arcs, 2.75 M row sorts, 4.9–5.1 s; 8: 306 M, 5.1 s.
    """
    n_i = rs.size - 1
    n_j = cap.size
    dummy = n_j
    nn = n_j + 1
    off = np.zeros(n_j + 1, dtype=np.int64)
    for j in range(n_j):
        off[j + 1] = off[j] + cap[j]
    # The micros of mentor j at slots[off[j]:off[j] + load[j]], with their arc's cost and alt
    # kept by the slot, where a settled mentor's loop reads them in a row.
    n_slots = max(off[n_j], 1)
    slots = np.empty(n_slots, dtype=np.int32)
    scost = np.empty(n_slots, dtype=np.int64)
    # salt: a lower bound of min(c_ij' + p_j') over the arcs of the slot's micro i to mentors j'
    # other than its own (whatever the row's order). Prices only rise, so a bound stays valid
    # until i moves (then reset to 0).
    salt = np.zeros(n_slots, dtype=np.int64)
    load = np.zeros(n_j, dtype=np.int64)
    pos = np.full(n_i, -1, dtype=np.int64)
    for i in range(n_i):
        j = assign[i]
        if j >= 0:
            k = off[j] + load[j]
            slots[k] = i
            scost[k] = acost[i]
            pos[i] = k
            load[j] += 1
    dist = np.zeros(nn, dtype=np.int64)
    stamp = np.zeros(nn, dtype=np.int64)
    done = np.zeros(nn, dtype=np.int64)
    pred_i = np.zeros(nn, dtype=np.int64)
    pred_f = np.zeros(nn, dtype=np.int64)
    pred_c = np.zeros(nn, dtype=np.int64)
    settled = np.zeros(nn, dtype=np.int64)
    heap = np.empty(2 * nn + 2, dtype=np.int64)
    sid = 0
    settled_total = 0
    for s in order:
        if rs[s] == rs[s + 1]:
            continue
        sid += 1
        bound = big_b
        bnode = dummy
        pred_i[dummy] = s
        pred_f[dummy] = -1
        pred_c[dummy] = big_b
        hsize = 0
        stale = 0
        for a in range(rs[s], rs[s + 1]):
            if arcs[a, 0] >= bound:
                break
            x = arcs[a, 1]
            c = x & 0xFFFFFFFF
            j = x >> 32
            d = c + price[j]
            if d >= bound:
                stale += 1
                continue
            if stamp[j] == sid and d >= dist[j]:
                continue
            stamp[j] = sid
            dist[j] = d
            pred_i[j] = s
            pred_f[j] = -1
            pred_c[j] = c
            if load[j] < cap[j]:
                bound = d
                bnode = j
            else:
                if hsize == heap.size:
                    hsize = _heap_room(heap, hsize, dist, done, sid, nn)
                hsize = _heap_push(heap, hsize, d * nn + j)
        if stale > row_stale:
            _sort_row(rs[s], rs[s + 1], arcs, price)
        nset = 0
        while hsize > 0:
            key = heap[0]
            hsize = _heap_pop(heap, hsize)
            d = key // nn
            j = key - d * nn
            if d >= bound:
                break
            if done[j] == sid or d != dist[j]:
                continue
            done[j] = sid
            settled[nset] = j
            nset += 1
            dj = d - price[j]
            for k in range(off[j], off[j] + load[j]):
                base = dj - scost[k]  # d_j - u_i2: i2's arcs cost base + c + p from here
                cd = base + big_b
                if cd < bound:
                    bound = cd
                    bnode = dummy
                    pred_i[dummy] = slots[k]
                    pred_f[dummy] = j
                    pred_c[dummy] = big_b
                if base + salt[k] >= bound:
                    continue  # no other mentor of this micro can be reached below the bound
                i2 = np.int64(slots[k])
                lo_alt = INF
                stale = 0
                for a in range(rs[i2], rs[i2 + 1]):
                    w = arcs[a, 0]
                    if base + w >= bound:
                        if w < lo_alt:
                            lo_alt = w  # a lower bound of this arc and of all after it
                        break
                    x = arcs[a, 1]
                    j2 = x >> 32
                    if j2 == j:
                        continue
                    c = x & 0xFFFFFFFF
                    nd = c + price[j2]
                    if nd < lo_alt:
                        lo_alt = nd
                    nd += base
                    if nd >= bound:
                        stale += 1
                        continue
                    if done[j2] == sid:
                        continue
                    if stamp[j2] == sid and nd >= dist[j2]:
                        continue
                    stamp[j2] = sid
                    dist[j2] = nd
                    pred_i[j2] = i2
                    pred_f[j2] = j
                    pred_c[j2] = c
                    if load[j2] < cap[j2]:
                        bound = nd
                        bnode = j2
                    else:
                        if hsize == heap.size:
                            hsize = _heap_room(heap, hsize, dist, done, sid, nn)
                        hsize = _heap_push(heap, hsize, nd * nn + j2)
                salt[k] = lo_alt
                if stale > row_stale:
                    _sort_row(rs[i2], rs[i2 + 1], arcs, price)
        settled_total += nset
        for k in range(nset):
            j = settled[k]
            price[j] += bound - dist[j]
        cur = bnode
        while True:
            i2 = pred_i[cur]
            f = pred_f[cur]
            if f >= 0:
                k = pos[i2]
                last = off[f] + load[f] - 1
                moved = slots[last]
                slots[k] = moved
                scost[k] = scost[last]
                salt[k] = salt[last]
                pos[moved] = k
                load[f] -= 1
            if cur == dummy:
                assign[i2] = -1
                pos[i2] = -1
                acost[i2] = 0
            else:
                k = off[cur] + load[cur]
                slots[k] = i2
                scost[k] = pred_c[cur]
                salt[k] = 0
                pos[i2] = k
                load[cur] += 1
                assign[i2] = cur
                acost[i2] = pred_c[cur]
            if f < 0:
                break
            cur = f
    return settled_total


@njit(cache=True)
def augmentable(rs, col, cap, assign):
    """True if some uncovered micro has an augmenting path (alternating path to a mentor with a
    free seat) in the residual graph, i.e. iff the coverage is not maximum (Berge; max-flow min-cut).
    One breadth-first search from all uncovered micros at once: O(arcs)."""
    n_i = rs.size - 1
    n_j = cap.size
    load = np.zeros(n_j + 1, dtype=np.int64)
    for i in range(n_i):
        if assign[i] >= 0:
            load[assign[i] + 1] += 1
    start = np.cumsum(load)  # members of mentor j: mem[start[j]:start[j + 1]]
    mem = np.empty(max(start[n_j], 1), dtype=np.int64)
    fill = start[:n_j].copy()
    for i in range(n_i):
        j = assign[i]
        if j >= 0:
            mem[fill[j]] = i
            fill[j] += 1
    seen = np.zeros(n_j, dtype=np.bool_)
    queue = np.empty(n_j, dtype=np.int64)
    qh = 0
    qt = 0
    for i in range(n_i):
        if assign[i] >= 0:
            continue
        for a in range(rs[i], rs[i + 1]):
            j = col[a]
            if not seen[j]:
                if start[j + 1] - start[j] < cap[j]:
                    return True
                seen[j] = True
                queue[qt] = j
                qt += 1
    while qh < qt:
        j = queue[qh]
        qh += 1
        for k in range(start[j], start[j + 1]):
            i = mem[k]
            for a in range(rs[i], rs[i + 1]):
                j2 = col[a]
                if not seen[j2]:
                    if start[j2 + 1] - start[j2] < cap[j2]:
                        return True
                    seen[j2] = True
                    queue[qt] = j2
                    qt += 1
    return False


@njit(cache=True)
def certify(rs, col, cst, cap, assign, acost, price, big_b):
    """Check the LP optimality conditions on every arc (module docstring). Returns an error code:
    0 optimal; 1 overloaded mentor; 2 bad price; 3 used arc missing; 4 u > B; 5 negative reduced cost.
    """
    n_i = rs.size - 1
    n_j = cap.size
    load = np.zeros(n_j, dtype=np.int64)
    for i in range(n_i):
        if assign[i] >= 0:
            load[assign[i]] += 1
    for j in range(n_j):
        if load[j] > cap[j]:
            return 1
        if price[j] < 0 or (price[j] > 0 and load[j] < cap[j]):
            return 2
    for i in range(n_i):
        if rs[i] == rs[i + 1]:
            continue
        if assign[i] >= 0:
            u = acost[i] + price[assign[i]]
            found = False
            for a in range(rs[i], rs[i + 1]):
                if col[a] == assign[i] and cst[a] == acost[i]:
                    found = True
                    break
            if not found:
                return 3
        else:
            u = big_b
        if u > big_b:
            return 4
        for a in range(rs[i], rs[i + 1]):
            if np.int64(cst[a]) + price[col[a]] < u:
                return 5
    return 0


# --------------------------------------------------------------------------------------------------
# Decomposition after one maximum matching (Gallai–Edmonds / Dulmage–Mendelsohn)


@njit(cache=True)
def max_matching(rs, col, cap):
    """A maximum-cardinality plan (costs ignored), Hopcroft–Karp style: a greedy start, then
    phases of (1) one breadth-first search backwards from the mentors with a free seat, labelling
    each mentor with its distance (in moves) to a free seat, and (2) a depth-first search from each
    uncovered micro along strictly decreasing labels, applying every augmenting path found (a
    mentor whose search failed is not searched again in the phase). A phase that applies none leaves no uncovered micro with a
    labelled mentor, i.e. no augmenting path (Berge): the plan is maximum. Returns ``assign``
    (int32 mentor per micro, -1 uncovered)."""
    n_i = rs.size - 1
    n_j = cap.size
    assign = np.full(n_i, -1, dtype=np.int32)
    load = np.zeros(n_j, dtype=np.int64)
    off = np.zeros(n_j + 1, dtype=np.int64)
    for j in range(n_j):
        off[j + 1] = off[j] + cap[j]
    slots = np.empty(max(off[n_j], 1), dtype=np.int32)
    pos = np.full(n_i, -1, dtype=np.int64)
    for i in range(n_i):
        for a in range(rs[i], rs[i + 1]):
            j = col[a]
            if load[j] < cap[j]:
                k = off[j] + load[j]
                slots[k] = i
                pos[i] = k
                load[j] += 1
                assign[i] = j
                break
    # Micros with an arc to each mentor (transposed arcs), for the backward search.
    tst = np.zeros(n_j + 1, dtype=np.int64)
    for a in range(rs[n_i]):
        tst[col[a] + 1] += 1
    for j in range(n_j):
        tst[j + 1] += tst[j]
    trow = np.empty(max(rs[n_i], 1), dtype=np.int32)
    fill = tst[:n_j].copy()
    for i in range(n_i):
        for a in range(rs[i], rs[i + 1]):
            j = col[a]
            trow[fill[j]] = i
            fill[j] += 1
    big = np.int64(n_j + 1)
    lab = np.empty(n_j, dtype=np.int64)
    queue = np.empty(n_j, dtype=np.int64)
    visited = np.zeros(n_j, dtype=np.int64)
    stk_node = np.empty(2 * n_j + 2, dtype=np.int64)
    stk_ptr = np.empty(2 * n_j + 2, dtype=np.int64)
    hopeless = np.zeros(n_i, dtype=np.bool_)  # no augmenting path from it, now or later
    phase = 0
    while True:
        phase += 1
        qt = 0
        for j in range(n_j):
            if load[j] < cap[j]:
                lab[j] = 0
                queue[qt] = j
                qt += 1
            else:
                lab[j] = big
        qh = 0
        while qh < qt:
            j = queue[qh]
            qh += 1
            for e in range(tst[j], tst[j + 1]):
                j2 = assign[trow[e]]
                if j2 >= 0 and lab[j2] == big:
                    lab[j2] = lab[j] + 1
                    queue[qt] = j2
                    qt += 1
        augmented = 0
        for s in range(n_i):
            if assign[s] >= 0 or hopeless[s] or rs[s] == rs[s + 1]:
                continue
            reach = False
            for a in range(rs[s], rs[s + 1]):
                if lab[col[a]] < big:
                    reach = True
                    break
            if not reach:
                hopeless[s] = True  # augmentations never create a path from an unreachable micro
                continue
            top = 0
            stk_node[0] = s
            stk_ptr[0] = rs[s]
            found = -1
            while top >= 0:
                if top % 2 == 0:
                    i = stk_node[top]
                    limit = big if top == 0 else lab[stk_node[top - 1]]
                    pushed = False
                    while stk_ptr[top] < rs[i + 1]:
                        j = np.int64(col[stk_ptr[top]])
                        stk_ptr[top] += 1
                        if visited[j] == phase or lab[j] >= limit:
                            continue
                        visited[j] = phase
                        if load[j] < cap[j]:
                            found = j
                            break
                        top += 1
                        stk_node[top] = j
                        stk_ptr[top] = off[j]
                        pushed = True
                        break
                    if found >= 0:
                        break
                    if not pushed:
                        top -= 1
                else:
                    j = stk_node[top]
                    if stk_ptr[top] < off[j] + load[j]:
                        i2 = np.int64(slots[stk_ptr[top]])
                        stk_ptr[top] += 1
                        top += 1
                        stk_node[top] = i2
                        stk_ptr[top] = rs[i2]
                    else:
                        top -= 1
            if found < 0:
                continue
            augmented += 1
            # Mentors on the path stay open for later searches of this phase (only mentors whose
            # whole subtree failed stay marked).
            visited[found] = 0
            for d in range(1, top, 2):
                visited[stk_node[d]] = 0
            # The micro at depth d moves to the mentor at depth d + 1 (the top one to ``found``),
            # into the slot freed by the micro at depth d + 2.
            i = stk_node[top]
            vac = pos[i]
            k = off[found] + load[found]
            load[found] += 1
            slots[k] = i
            pos[i] = k
            assign[i] = found
            d = top - 2
            while d >= 0:
                i = stk_node[d]
                k = vac
                vac = pos[i]
                slots[k] = i
                pos[i] = k
                assign[i] = stk_node[d + 1]
                d -= 2
        if augmented == 0:
            break
    return assign


@njit(cache=True)
def deficient_side(rs, col, cap, assign):
    """Gallai–Edmonds sets of a maximum plan: ``in_d`` marks the micros reachable from an uncovered
    micro (with arcs) by an alternating path (uncovered in some maximum plan), ``in_a`` their
    mentors (every arc of a D micro leads into A)."""
    n_i = rs.size - 1
    n_j = cap.size
    cnt = np.zeros(n_j + 1, dtype=np.int64)
    for i in range(n_i):
        if assign[i] >= 0:
            cnt[assign[i] + 1] += 1
    for j in range(n_j):
        cnt[j + 1] += cnt[j]
    mem = np.empty(max(cnt[n_j], 1), dtype=np.int64)
    fill = cnt[:n_j].copy()
    for i in range(n_i):
        j = assign[i]
        if j >= 0:
            mem[fill[j]] = i
            fill[j] += 1
    in_d = np.zeros(n_i, dtype=np.bool_)
    in_a = np.zeros(n_j, dtype=np.bool_)
    queue = np.empty(max(n_i, 1), dtype=np.int64)
    qh = 0
    qt = 0
    for i in range(n_i):
        if assign[i] < 0 and rs[i + 1] > rs[i]:
            in_d[i] = True
            queue[qt] = i
            qt += 1
    while qh < qt:
        i = queue[qh]
        qh += 1
        for a in range(rs[i], rs[i + 1]):
            j = col[a]
            if not in_a[j]:
                in_a[j] = True
                for k in range(cnt[j], cnt[j + 1]):
                    i2 = mem[k]
                    if not in_d[i2]:
                        in_d[i2] = True
                        queue[qt] = i2
                        qt += 1
    return in_d, in_a


@njit(cache=True)
def _rest_rows(rs, col, in_d, in_a):
    """Row starts of the arcs of micros outside D to mentors outside A (D rows left empty)."""
    n_i = rs.size - 1
    rs2 = np.zeros(n_i + 1, dtype=np.int64)
    for i in range(n_i):
        c = 0
        if not in_d[i]:
            for a in range(rs[i], rs[i + 1]):
                if not in_a[col[a]]:
                    c += 1
        rs2[i + 1] = rs2[i] + c
    return rs2


@njit(cache=True, nogil=True)
def _rest_arcs(rs, col, cst, in_a, rs2):
    """Those arcs (``_rest_rows``) directly as ssp's own rows for zero prices (``_own_rows``:
    bound c, the rows already in (cost, mentor) order)."""
    arcs = np.empty((rs2[-1], 2), dtype=np.int64)
    for i in range(rs2.size - 1):
        k = rs2[i]
        if k == rs2[i + 1]:
            continue
        for a in range(rs[i], rs[i + 1]):
            if not in_a[col[a]]:
                arcs[k, 0] = cst[a]
                arcs[k, 1] = (np.int64(col[a]) << 32) | np.int64(cst[a])
                k += 1
    return arcs


def _rest_side(rs, col, cst, in_a, rs2, cap, order, big_b, assign, acost, price, row_stale):
    """ssp on the rest, its arcs built only when its job starts (they are large, and the job
    often waits for the largest part's first steps on the other thread)."""
    arcs = _rest_arcs(rs, col, cst, in_a, rs2)
    return ssp_rows(rs2, arcs, cap, order, big_b, assign, acost, price, row_stale)


@njit(cache=True, nogil=True)
def _seat_arcs(rs, col, cst, n_a):
    """A part's arcs (``_sub_arcs``: its micros and its ``n_a`` mentors numbered from 0) seen from
    the mentors: row k lists the micros of mentor k sorted by (cost, micro)."""
    n_d = rs.size - 1
    trs = np.zeros(n_a + 1, dtype=np.int64)
    for a in range(rs[n_d]):
        trs[col[a] + 1] += 1
    for k in range(n_a):
        trs[k + 1] += trs[k]
    keys = np.empty(trs[n_a], dtype=np.int64)
    fill = trs[:n_a].copy()
    for t in range(n_d):
        for a in range(rs[t], rs[t + 1]):
            k = col[a]
            keys[fill[k]] = np.int64(cst[a]) * n_d + t
            fill[k] += 1
    tcol = np.empty(keys.size, dtype=np.int32)
    tcst = np.empty(keys.size, dtype=np.int32)
    for k in range(n_a):
        keys[trs[k] : trs[k + 1]].sort()
        for e in range(trs[k], trs[k + 1]):
            tcol[e] = keys[e] % n_d
            tcst[e] = keys[e] // n_d
    return trs, tcol, tcst


@njit(cache=True)
def _cross_reward(rs, col, cst, in_d, in_a, assign, acost, price, m):
    """The smallest reward b that makes the combined duals feasible: b ≥ m_j (prices of A mentors
    are b - m_j ≥ 0), b ≥ u_i of every covered micro outside D, and b ≥ u_i + m_j - c_ij on each
    arc from a micro outside D into A (its reduced cost c_ij + (b - m_j) - u_i ≥ 0)."""
    n_i = rs.size - 1
    b = np.int64(0)
    for j in range(m.size):
        if in_a[j] and m[j] > b:
            b = m[j]
    for i in range(n_i):
        if in_d[i] or assign[i] < 0:
            continue
        u = acost[i] + price[assign[i]]
        if u > b:
            b = u
        for a in range(rs[i], rs[i + 1]):
            j = col[a]
            if in_a[j]:
                v = u + m[j] - np.int64(cst[a])
                if v > b:
                    b = v
    return b


@njit(cache=True)
def _find(parent, x):
    """Root of x in the union-find forest ``parent`` (with path compression)."""
    r = x
    while parent[r] != r:
        r = parent[r]
    while parent[x] != r:
        nxt = parent[x]
        parent[x] = r
        x = nxt
    return r


@njit(cache=True)
def _deficient_components(rs, col, in_d, in_a):
    """Connected components of the D × A arcs: ``lab[j]`` the component of mentor j of A (-1
    outside A; a D micro's component is that of any of its mentors) and the arc count of each
    component. Union-find over the mentors: each D micro joins its mentors."""
    n_i = rs.size - 1
    n_j = in_a.size
    parent = np.arange(n_j)
    for i in range(n_i):
        if not in_d[i] or rs[i] == rs[i + 1]:
            continue
        r0 = _find(parent, np.int64(col[rs[i]]))
        for a in range(rs[i] + 1, rs[i + 1]):
            r = _find(parent, np.int64(col[a]))
            if r != r0:
                parent[r] = r0
    lab = np.full(n_j, -1, dtype=np.int64)
    n_c = 0
    for j in range(n_j):
        if in_a[j]:
            r = _find(parent, j)
            if lab[r] < 0:
                lab[r] = n_c
                n_c += 1
            lab[j] = lab[r]
    arcs = np.zeros(n_c, dtype=np.int64)
    for i in range(n_i):
        if in_d[i] and rs[i + 1] > rs[i]:
            arcs[lab[col[rs[i]]]] += rs[i + 1] - rs[i]
    return lab, arcs


@njit(cache=True, nogil=True)
def _sub_arcs(rs, col, cst, rows, loc):
    """The CSR of the given rows with mentor j renumbered ``loc[j]``. ``loc`` increases on the
    mentors involved, so each row keeps its (cost, mentor) order (``ssp``'s own sort of a row with
    zero prices is then one pass)."""
    n = rows.size
    rs2 = np.zeros(n + 1, dtype=np.int64)
    for t in range(n):
        i = rows[t]
        rs2[t + 1] = rs2[t] + rs[i + 1] - rs[i]
    col2 = np.empty(rs2[n], dtype=np.int32)
    cst2 = np.empty(rs2[n], dtype=np.int32)
    for t in range(n):
        i = rows[t]
        k = rs2[t]
        for a in range(rs[i], rs[i + 1]):
            col2[k] = loc[col[a]]
            cst2[k] = cst[a]
            k += 1
    return rs2, col2, cst2


@njit(cache=True, nogil=True)
def _halves(prs, pcol, n_a):
    """Cut a part's mentors (numbered in spatial order) where half of its arcs lie on each side:
    returns the cut and each micro's side, 0 (all its mentors before the cut), 1 (all after) or 2
    (both: a crossing micro)."""
    per = np.zeros(n_a, dtype=np.int64)
    for a in range(pcol.size):
        per[pcol[a]] += 1
    acc = 0
    cut = n_a
    for k in range(n_a):
        acc += per[k]
        if 2 * acc >= pcol.size:
            cut = k + 1
            break
    n = prs.size - 1
    side = np.empty(n, dtype=np.int8)
    for t in range(n):
        lo = n_a
        hi = -1
        for a in range(prs[t], prs[t + 1]):
            k = pcol[a]
            lo = min(lo, k)
            hi = max(hi, k)
        side[t] = 0 if hi < cut else (1 if lo >= cut else 2)
    return cut, side


FIRST_REWARD_FACTOR = 3
SSP_ROW_STALE = 4  # ssp sorts a row again after a scan of it read more stale arcs than this
RESORT_SETTLED = 50  # fill_seats sorts its rows again after settling this many times its mentors
SMALL_PART_SHARE = 8  # components after the largest are packed into jobs of ≥ 1/8 of D × A's arcs


class _Task:
    """One job for either of the two threads: runs once, keeps its result (or error) and its
    seconds, and can be waited for."""

    def __init__(self, fn, *args):
        import threading

        self.fn, self.args, self.done = fn, args, threading.Event()
        self.result = self.error = None
        self.seconds = 0.0

    def run(self):
        import time

        t = time.perf_counter()
        try:
            self.result = self.fn(*self.args)
        except BaseException as exc:  # pragma: no cover - re-raised by wait()
            self.error = exc
        finally:
            self.args = None  # frees the job's arrays as soon as it is done
            self.seconds = time.perf_counter() - t
            self.done.set()

    def wait(self):
        self.done.wait()
        if self.error is not None:  # pragma: no cover - a failure inside a kernel
            raise self.error
        return self.result


def _drain(queue, lock):
    """Run the queue's jobs, first come first served, until it is empty (both threads call it)."""
    while True:
        with lock:
            if not queue:
                return
            task = queue.pop(0)
        task.run()


def _deficient_parts(rs, col, in_d, in_a, order):
    """The D × A part split into independent problems: the components of its arcs (they share no
    micro and no mentor), the largest first and alone, the others packed into a few jobs of at
    least 1/``SMALL_PART_SHARE`` of the arcs each (many tiny components would cost more in calls
    than in work). Returns ``a_loc`` (each A mentor's number inside its part) and a list of
    (D micros in insertion order, A mentors in increasing order, arc count) per part."""
    lab, arcs = _deficient_components(rs, col, in_d, in_a)
    if arcs.size == 0:
        return np.full(in_a.size, -1, dtype=np.int64), []
    part_of = np.empty(arcs.size, dtype=np.int64)
    part_arcs = []
    for c in np.argsort(-arcs, kind="stable"):
        if len(part_arcs) < 2 or part_arcs[-1] * SMALL_PART_SHARE >= arcs.sum():
            part_arcs.append(0)
        part_of[c] = len(part_arcs) - 1
        part_arcs[-1] += int(arcs[c])
    d_rows = order[in_d[order]]
    d_part = part_of[lab[col[rs[d_rows]]]]
    a_idx = np.flatnonzero(in_a)
    a_part = part_of[lab[a_idx]]
    d_sorted = d_rows[np.argsort(d_part, kind="stable")]
    a_sorted = a_idx[np.argsort(a_part, kind="stable")]
    d_cut = np.cumsum(np.bincount(d_part, minlength=len(part_arcs)))[:-1]
    a_cut = np.cumsum(np.bincount(a_part, minlength=len(part_arcs)))[:-1]
    a_loc = np.full(in_a.size, -1, dtype=np.int64)
    parts = []
    for d_p, a_p, n_arcs in zip(np.split(d_sorted, d_cut), np.split(a_sorted, a_cut), part_arcs, strict=True):
        a_loc[a_p] = np.arange(a_p.size)
        parts.append((d_p, a_p, n_arcs))
    return a_loc, parts


def _micro_side(prs, pcol, pcst, pcap, b1, rows, arcs=None):
    """``ssp`` with the small reward b1 inserting the part's micros ``rows`` (in this order) into an
    empty plan (``arcs``: see ``ssp``). Returns (assign, acost, price, settled) in the part's
    numbering."""
    n_d, n_a = prs.size - 1, pcap.size
    assign = np.full(n_d, -1, dtype=np.int32)
    acost = np.zeros(n_d, dtype=np.int64)
    price = np.zeros(n_a + 1, dtype=np.int64)
    settled = ssp(prs, pcol, pcst, pcap, rows, b1, assign, acost, price, arcs)
    return assign, acost, price, settled


def _fill(seats, pcap, b1, assign, acost, price):
    """``fill_seats`` of a part after its micro side (``seats``: its ``_seat_arcs``): the micro
    side's duals seen from the seats (q = b1 - u on micros, v = b1 - p on mentors) satisfy its
    invariant. Returns (holder of each micro, its arc cost, the seat value m_j of each mentor,
    settled, empty seats before)."""
    trs, tcol, tcst = seats
    n_a = pcap.size
    covered = assign >= 0
    hold = assign.copy()
    hc = np.where(covered, acost, 0).astype(np.int64)
    q = np.where(covered, b1 - (acost + price[np.maximum(assign, 0)]), 0).astype(np.int64)
    v = (b1 - price[:n_a]).astype(np.int64)
    low = np.empty(tcol.size, dtype=np.int64)
    _sort_rows_by_value(trs, tcol, tcst, q, low)
    settled = fill_seats(trs, tcol, tcst, low, pcap, hold, hc, q, v, RESORT_SETTLED)
    if settled < 0:
        raise RuntimeError("pairing decomposition: a seat of A was left empty")
    return hold, hc, v, settled, int(pcap.sum() - covered.sum())


def _small_part(rs, col, cst, cap, b1, d_rows, a_idx, a_loc):
    """Micro side then fill of a part in one go (the parts after the largest)."""
    prs, pcol, pcst = _sub_arcs(rs, col, cst, d_rows, a_loc)
    pcap = cap[a_idx]
    assign, acost, price, s_d = _micro_side(prs, pcol, pcst, pcap, b1, np.arange(d_rows.size))
    seats = _seat_arcs(prs, pcol, pcst, pcap.size)
    hold, hc, v, s_a, empty = _fill(seats, pcap, b1, assign, acost, price)
    return hold, hc, v, s_d + s_a, empty


def solve_decomposed(rs, col, cst, cap, order, max_cost: int, first_b: int | None = None):
    """Optimal plan of the lexicographic problem through the Gallai–Edmonds decomposition (module
    docstring), with its proof. Returns ``(assign, acost, price, info)``; raises if the
    certificate fails. ``order``: the insertion order of the micros (a permutation of the rows)."""
    import threading
    import time

    times = {}
    t0 = time.perf_counter()
    n_i, n_j = rs.size - 1, cap.size
    cap = np.ascontiguousarray(cap, dtype=np.int64)
    m0 = max_matching(rs, col, cap)
    times["matching_seconds"] = time.perf_counter() - t0
    in_d, in_a = deficient_side(rs, col, cap, m0)
    del m0
    big_rest = (n_j + 1) * (max_cost + 1)
    # b1 = 3 × (max cost + 1): a larger b1 moves work from the fill to the micro side, a smaller
    # the reverse; measured on the large benchmark (1,000,000 / 50,000, idle machine, before the
    # components were split) 3× took 58.6, 60.7, 63.2 and 65.0 s, 3.5× 60.9 s, 4× 65.9 and 69.0 s,
    # 6× 79.7 s (at 250,000: 25.0 / 26.0 / 23.7 s for 3 / 3.5 / 4×).
    b1 = min(first_b or FIRST_REWARD_FACTOR * (max_cost + 1), big_rest)
    t0 = time.perf_counter()
    a_loc, parts = _deficient_parts(rs, col, in_d, in_a, order)
    times["components_seconds"] = time.perf_counter() - t0
    # (b) micros outside D on mentors outside A: every one of them is covered.
    assign = np.full(n_i, -1, dtype=np.int32)
    acost = np.zeros(n_i, dtype=np.int64)
    price = np.zeros(n_j + 1, dtype=np.int64)
    rest = order[~in_d[order]]
    rs2 = _rest_rows(rs, col, in_d, in_a)
    rest_task = _Task(
        _rest_side, rs, col, cst, in_a, rs2, cap, rest, big_rest, assign, acost, price, SSP_ROW_STALE
    )
    # The jobs share no micro and no mentor, and the kernels release the GIL: two threads take
    # them longest first (by arcs). The largest part is the critical path (its fill cannot be
    # split), so this thread starts it at once, and the other thread first does the right half
    # of its micro side, then the queue.
    queue = [(int(rs2[-1]), rest_task)]
    del rs2
    small = []
    for d_rows, a_idx, n_arcs in parts[1:]:
        small.append(_Task(_small_part, rs, col, cst, cap, b1, d_rows, a_idx, a_loc))
        queue.append((n_arcs, small[-1]))
    queue = [task for _, task in sorted(queue, key=lambda t: -t[0])]
    lock = threading.Lock()
    right = None
    if parts:
        t0 = time.perf_counter()
        d_big, a_big, _ = parts[0]
        prs, pcol, pcst = _sub_arcs(rs, col, cst, d_big, a_loc)
        pcap = cap[a_big]
        # The micro side in two halves on the two threads, then the micros crossing the cut:
        # any insertion order keeps ssp's invariant, and micros with arcs on one side only never
        # meet those of the other side (nor their mentors) until a crossing one is inserted.
        cut, side = _halves(prs, pcol, pcap.size)
        halves = [np.flatnonzero(side == s) for s in range(3)]
        # One array for ssp's own rows on both threads (they write disjoint rows) and then for
        # the crossing micros, which reuse the sorted rows of the halves.
        parcs = np.empty((pcol.size, 2), dtype=np.int64)
        right = _Task(_micro_side, prs, pcol, pcst, pcap, b1, halves[1], parcs)
        # The fill's view of the arcs does not depend on the micro side: the other thread builds
        # it while this one inserts the crossing micros (ssp only reads prs, pcol, pcst, to copy
        # the rows it sorts: both threads only read them).
        seats = _Task(_seat_arcs, prs, pcol, pcst, pcap.size)

    def run_worker():
        if right is not None:
            right.run()
            seats.run()
        _drain(queue, lock)

    worker = threading.Thread(target=run_worker, name="pairing-worker")
    worker.start()
    settled = 0
    m = np.zeros(n_j, dtype=np.int64)
    if parts:
        d_as, d_ac, d_pr, s_l = _micro_side(prs, pcol, pcst, pcap, b1, halves[0], parcs)
        r_as, r_ac, r_pr, s_r = right.wait()
        d_as[halves[1]] = r_as[halves[1]]
        d_ac[halves[1]] = r_ac[halves[1]]
        d_pr[cut:] = r_pr[cut:]
        del r_as, r_ac, r_pr
        t1 = time.perf_counter()
        s_x = ssp(prs, pcol, pcst, pcap, halves[2], b1, d_as, d_ac, d_pr, parcs)
        del parcs
        times["deficient_cross_seconds"] = time.perf_counter() - t1
        times["deficient_micro_side_seconds"] = time.perf_counter() - t0
        times["deficient_halves"] = [int(h.size) for h in halves]
        t0 = time.perf_counter()
        big = _fill(seats.wait(), pcap, b1, d_as, d_ac, d_pr)
        del prs, pcol, pcst, d_as, d_ac, d_pr
        times["deficient_seconds"] = time.perf_counter() - t0
        settled += s_l + s_r + s_x
    _drain(queue, lock)
    worker.join()
    # Written only now: the rest's job reads ``assign`` when it starts.
    results = ([big] + [task.wait() for task in small]) if parts else []
    empty = 0
    for (d_rows, a_idx, _), (hold, hc, v, s, e) in zip(parts, results, strict=True):
        held = np.flatnonzero(hold >= 0)
        assign[d_rows[held]] = a_idx[hold[held]]
        acost[d_rows[held]] = hc[held]
        m[a_idx] = v
        settled += s
        empty += e
    if parts:
        times["deficient_parts"] = len(parts)
        times["deficient_other_parts_seconds"] = sum(task.seconds for task in small)
        times["deficient_settled"] = int(settled)
        times["deficient_empty_seats"] = empty
    rest_settled = rest_task.wait()
    settled += rest_settled
    times["rest_seconds"] = rest_task.seconds
    times["rest_settled"] = int(rest_settled)
    if (assign[rest] < 0).any() and (np.diff(rs)[rest[assign[rest] < 0]] > 0).any():
        raise RuntimeError("pairing decomposition: a micro outside D was left uncovered")
    b = int(_cross_reward(rs, col, cst, in_d, in_a, assign, acost, price, m))
    a_all = np.flatnonzero(in_a)
    price = price[:n_j].copy()
    price[a_all] = b - m[a_all]
    code = certify(rs, col, cst, cap, assign, acost, price, b)
    if code != 0 or augmentable(rs, col, cap, assign):  # pragma: no cover - would be a bug
        raise RuntimeError(f"pairing plan failed its optimality certificate (code {code})")
    info = {
        "rounds": 1,
        "settled_nodes": int(settled),
        "reward": b,
        "deficient_micros": int(in_d.sum()),
        "deficient_mentors": int(a_all.size),
        **times,
    }
    return assign, acost, price, info


@njit(cache=True, nogil=True)
def fill_seats(trs, tcol, tcst, low, cap, hold, hc, q, v, resort_settled):
    """Fill every empty seat of the A mentors with micros of D at the least total cost
    (successive shortest paths from the seats' side; a free micro is always reachable, by
    Gallai–Edmonds).

    Row k (a mentor of A) has its arcs at ``trs[k]:trs[k+1]`` (local micro ``tcol``, cost ``tcst``,
    sorted by cost) and ``cap[k]`` seats. Warm start, updated in place: ``hold`` (holder of each
    micro, -1 free), ``hc`` (cost of its arc), duals ``q`` ≥ 0 on micros (0 on free ones) and
    ``v`` on mentors, with ``c + q_i - v_k ≥ 0`` on every arc of a mentor holding micros and
    equality on the arcs in use (all seats of one mentor have the same value, see
    ``solve_decomposed``). Empty seats are inserted one at a time; the Dijkstra runs over mentors:
    a step k → h takes micro i from its holder h (length ``c_ki + q_i - v_k``), a free micro ends
    the search. Returns the number of mentors settled, or -1 if a seat could not be filled.

    ``low[a]`` is a lower bound of ``c + q_i`` on arc a, and each row is sorted by it (the value
    of ``c + q_i`` when the rows were last sorted: ``q`` only rises), so a scan stops at the first
    arc whose bound already reaches the search's limit. The limit starts small and grows ×4 until
    a free micro is found below it (paths in tight parts are short in reduced cost but cross large
    regions of near-zero reduced cost, where an unlimited scan would read every arc).

    As ``q`` rises the bounds go stale and scans read further, so the rows are sorted again by
    the current values once the searches since the last sort have settled ``resort_settled``
    (``RESORT_SETTLED``) times the mentors: a sort costs about one pass over the arcs, the
    searches in between scan far more. On the large benchmark's biggest component (24,333
    mentors, 13.7 M arcs, 3,515 empty seats) 20× cut the arcs scanned from 2.87 to 1.33 billion
    and the fill from 42.8 to 28–32 s; 8× scanned 0.84 billion in 30.8 s, 50× 1.96 billion in
    31.0 s. Since ``_heap_push`` stopped costing reference counts a scanned arc is cheaper, and
    50× is best (the solve alone, alternately: 8× 12.5–13.9 s, 20× 10.7–11.8 s, 50× 10.1–11.2 s,
    100× 11.7–11.9 s, 200× 11.7–11.8 s). Any sort order gives the same least cost; the plan is
    still deterministic (ties go to the first micro in the row).
    """
    n_a = cap.size
    n_d = hold.size
    off = np.zeros(n_a + 1, dtype=np.int64)
    for k in range(n_a):
        off[k + 1] = off[k] + cap[k]
    slots = np.empty(max(off[n_a], 1), dtype=np.int32)
    load = np.zeros(n_a, dtype=np.int64)
    pos = np.full(n_d, -1, dtype=np.int64)
    for i in range(n_d):
        k = hold[i]
        if k >= 0:
            z = off[k] + load[k]
            slots[z] = i
            pos[i] = z
            load[k] += 1
    dist = np.zeros(n_a, dtype=np.int64)
    stamp = np.zeros(n_a, dtype=np.int64)
    done = np.zeros(n_a, dtype=np.int64)
    pred_m = np.zeros(n_a, dtype=np.int64)
    pred_i = np.zeros(n_a, dtype=np.int64)
    pred_c = np.zeros(n_a, dtype=np.int64)
    settled = np.zeros(n_a, dtype=np.int64)
    nn = n_a + 1
    heap = np.empty(2 * nn + 2, dtype=np.int64)
    sid = 0
    settled_total = 0
    since_sort = 0
    for s in range(n_a):
        for _ in range(cap[s] - load[s]):
            if since_sort > resort_settled * n_a:
                _sort_rows_by_value(trs, tcol, tcst, q, low)
                since_sort = 0
            # The new seat's value: its cheapest arc at current prices (= v[s] if s has seats).
            d0 = INF
            for a in range(trs[s], trs[s + 1]):
                if low[a] >= d0:
                    break
                w = np.int64(tcst[a]) + q[tcol[a]]
                if w < d0:
                    d0 = w
            if d0 == INF:
                return -1
            v[s] = d0
            limit = np.int64(256)
            while True:
                sid += 1
                bound = limit
                t_micro = -1
                t_from = -1
                t_cost = 0
                stamp[s] = sid
                dist[s] = 0
                heap[0] = s  # key 0 * nn + s
                hsize = 1
                nset = 0
                while hsize > 0:
                    key = heap[0]
                    hsize = _heap_pop(heap, hsize)
                    d = key // nn
                    k = key - d * nn
                    if d >= bound:
                        break
                    if done[k] == sid or d != dist[k]:
                        continue
                    done[k] = sid
                    settled[nset] = k
                    nset += 1
                    base = d - v[k]
                    for a in range(trs[k], trs[k + 1]):
                        if base + low[a] >= bound:
                            break
                        c = np.int64(tcst[a])
                        i = tcol[a]
                        h = np.int64(hold[i])
                        if h == k:
                            continue
                        nd = base + c + q[i]
                        if nd >= bound:
                            continue
                        if h < 0:
                            bound = nd
                            t_micro = i
                            t_from = k
                            t_cost = c
                        elif done[h] != sid and (stamp[h] != sid or nd < dist[h]):
                            stamp[h] = sid
                            dist[h] = nd
                            pred_m[h] = k
                            pred_i[h] = i
                            pred_c[h] = c
                            if hsize == heap.size:
                                hsize = _heap_room(heap, hsize, dist, done, sid, nn)
                            hsize = _heap_push(heap, hsize, nd * nn + h)
                if t_micro >= 0:
                    break
                if limit >= INF:
                    return -1
                limit = INF if limit > INF // 8 else limit * 4
            settled_total += nset
            since_sort += nset
            for t in range(nset):
                k = settled[t]
                delta = bound - dist[k]
                v[k] += delta
                for z in range(off[k], off[k] + load[k]):
                    q[slots[z]] += delta
            take = np.int64(t_micro)
            k = t_from
            ctake = t_cost
            while True:
                if k == s:
                    z = off[s] + load[s]
                    load[s] += 1
                    slots[z] = take
                    pos[take] = z
                    hold[take] = s
                    hc[take] = ctake
                    break
                lost = pred_i[k]
                z = pos[lost]
                slots[z] = take
                pos[take] = z
                hold[take] = k
                hc[take] = ctake
                take = lost
                ctake = pred_c[k]
                k = pred_m[k]
    return settled_total


@njit(cache=True, nogil=True)
def _sort_rows_by_value(trs, tcol, tcst, q, low):
    """Sort each row's arcs by ``c + q_micro`` (ties by micro) in place and write those values
    into ``low`` (one per arc; the fill sorts again into the same array)."""
    n_d = max(q.size, 1)
    for k in range(trs.size - 1):
        lo, hi = trs[k], trs[k + 1]
        keys = np.empty(hi - lo, dtype=np.int64)
        for a in range(lo, hi):
            keys[a - lo] = (np.int64(tcst[a]) + q[tcol[a]]) * n_d + tcol[a]
        keys.sort()
        for a in range(lo, hi):
            i = keys[a - lo] % n_d
            w = keys[a - lo] // n_d
            tcol[a] = i
            tcst[a] = w - q[i]
            low[a] = w
