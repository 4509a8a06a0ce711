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
stops at the first terminal, and arcs whose cost alone already reaches the best terminal found
are cut (rows are sorted by cost, prices are ≥ 0).

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


@njit(cache=True)
def _heap_push(heap, size, key):
    if size == heap.size:
        bigger = np.empty(heap.size * 2, dtype=np.int64)
        bigger[:size] = heap[:size]
        heap = bigger
    k = size
    heap[k] = key
    while k > 0:
        parent = (k - 1) >> 1
        if heap[parent] <= key:
            break
        heap[k] = heap[parent]
        k = parent
    heap[k] = key
    return heap, size + 1


@njit(cache=True)
def _heap_pop(heap, size):
    top = heap[0]
    size -= 1
    if size > 0:
        last = heap[size]
        k = 0
        while True:
            c = 2 * k + 1
            if c >= size:
                break
            if c + 1 < size and heap[c + 1] < heap[c]:
                c += 1
            if heap[c] >= last:
                break
            heap[k] = heap[c]
            k = c
        heap[k] = last
    return top, size


@njit(cache=True)
def ssp(rs, col, cst, cap, order, big_b, assign, acost, price):
    """Insert the micros of ``order`` one by one along shortest paths (module docstring).

    Warm start: ``assign`` (mentor of each micro, -1 none), ``acost`` (cost of its arc) and
    ``price`` (mentor prices, length n_mentors + 1, the last one the dummy's, always 0) hold a
    state satisfying the invariant (all -1 / 0 to start from scratch); they are updated in place.
    ``cap`` int64 (≤ number of micros). Returns the number of mentors settled (work done).
    """
    n_i = rs.size - 1
    n_j = cap.size
    dummy = n_j
    nn = n_j + 1
    off = np.zeros(n_j + 1, dtype=np.int64)
    for j in range(n_j):
        off[j + 1] = off[j] + cap[j]
    slots = np.empty(max(off[n_j], 1), dtype=np.int32)
    load = np.zeros(n_j, dtype=np.int64)
    pos = np.full(n_i, -1, dtype=np.int64)
    for i in range(n_i):
        j = assign[i]
        if j >= 0:
            k = off[j] + load[j]
            slots[k] = i
            pos[i] = k
            load[j] += 1
    dist = np.zeros(nn, dtype=np.int64)
    stamp = np.zeros(nn, dtype=np.int64)
    done = np.zeros(nn, dtype=np.int64)
    pred_i = np.zeros(nn, dtype=np.int64)
    pred_f = np.zeros(nn, dtype=np.int64)
    pred_c = np.zeros(nn, dtype=np.int64)
    settled = np.zeros(nn, dtype=np.int64)
    heap = np.empty(1024, dtype=np.int64)
    # alt[i]: a lower bound of min(c_ij' + p_j') over the arcs of covered micro i to mentors j'
    # other than its own. Prices only rise, so a bound stays valid until i moves (then reset to 0).
    alt = np.zeros(n_i, dtype=np.int64)
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
        for a in range(rs[s], rs[s + 1]):
            c = np.int64(cst[a])
            if c >= bound:
                break
            j = np.int64(col[a])
            d = c + price[j]
            if d >= bound:
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
                heap, hsize = _heap_push(heap, hsize, d * nn + j)
        nset = 0
        while hsize > 0:
            key, hsize = _heap_pop(heap, hsize)
            d = key // nn
            j = key - d * nn
            if d >= bound:
                break
            if done[j] == sid or d != dist[j]:
                continue
            done[j] = sid
            settled[nset] = j
            nset += 1
            pj = price[j]
            for k in range(off[j], off[j] + load[j]):
                i2 = np.int64(slots[k])
                base = d - (acost[i2] + pj)
                cd = base + big_b
                if cd < bound:
                    bound = cd
                    bnode = dummy
                    pred_i[dummy] = i2
                    pred_f[dummy] = j
                    pred_c[dummy] = big_b
                if base + alt[i2] >= bound:
                    continue  # no other mentor of i2 can be reached below the bound
                lo_alt = INF
                for a in range(rs[i2], rs[i2 + 1]):
                    c = np.int64(cst[a])
                    if base + c >= bound:
                        if c < lo_alt:
                            lo_alt = c
                        break
                    j2 = np.int64(col[a])
                    if j2 == j:
                        continue
                    nd = c + price[j2]
                    if nd < lo_alt:
                        lo_alt = nd
                    if done[j2] == sid:
                        continue
                    nd += base
                    if nd >= bound:
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
                        heap, hsize = _heap_push(heap, hsize, nd * nn + j2)
                alt[i2] = lo_alt
        settled_total += nset
        for k in range(nset):
            j = settled[k]
            price[j] += bound - dist[j]
        cur = bnode
        while True:
            i2 = pred_i[cur]
            f = pred_f[cur]
            alt[i2] = 0
            if f >= 0:
                k = pos[i2]
                last = off[f] + load[f] - 1
                moved = slots[last]
                slots[k] = moved
                pos[moved] = k
                load[f] -= 1
            if cur == dummy:
                assign[i2] = -1
                pos[i2] = -1
                acost[i2] = 0
            else:
                k = off[cur] + load[cur]
                slots[k] = i2
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


def solve_exact(rs, col, cst, cap, order, big_b: int, first_b: int):
    """Optimal plan of the lexicographic problem, with its proof. Returns
    ``(assign, acost, price, info)``; raises if the certificate fails.

    Starts with the reward ``b = first_b`` for covering a micro (a small reward keeps the searches
    of micros that cannot be covered local: they stop once the path costs reach b), then:
    while b < big_b and an augmenting path exists (``augmentable``), the uncovered micros are
    taken out (the plan and prices of the covered ones stay optimal for any larger reward: their
    values are ≤ b) and inserted again with the reward multiplied by 8 (at most big_b).
    At the end ``certify`` proves the plan optimal for reward b. If b == big_b that is the
    lexicographic optimum (module docstring). If b < big_b, no augmenting path exists, so the
    coverage K is the maximum; and any plan y with coverage K has cost(y) + b(n - K) ≥
    cost(plan) + b(n - K), so the plan also has the least cost among maximum-coverage plans.
    """
    n_i, n_j = rs.size - 1, cap.size
    assign = np.full(n_i, -1, dtype=np.int32)
    acost = np.zeros(n_i, dtype=np.int64)
    price = np.zeros(n_j + 1, dtype=np.int64)
    b = int(min(first_b, big_b))
    settled = ssp(rs, col, cst, cap, order, b, assign, acost, price)
    rounds = 1
    while b < big_b and augmentable(rs, col, cap, assign):
        b = int(min(big_b, b * 8))
        redo = order[assign[order] < 0]
        settled += ssp(rs, col, cst, cap, redo, b, assign, acost, price)
        rounds += 1
    code = certify(rs, col, cst, cap, assign, acost, price[:n_j], b)
    if code != 0:  # pragma: no cover - would be a bug in ssp; never return an unproven plan
        raise RuntimeError(f"pairing plan failed its optimality certificate (code {code})")
    return assign, acost, price[:n_j], {"rounds": rounds, "settled_nodes": int(settled), "reward": b}
