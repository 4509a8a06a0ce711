"""Tests of the compiled exact solver (engine_flow): candidates, SSP with reward escalation,
the optimality certificate and the vectorised explanations (no database, plain pytest)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gonghui.pairing import engine as E
from gonghui.pairing import engine_flow as F
from gonghui.pairing.geo import distance_km
from gonghui.pairing.tests.test_engine import GBT, mentor, micro
from gonghui.pairing.tests.test_engine_decomposed import tight_instance

pytestmark = pytest.mark.skipif(not F.AVAILABLE, reason="numba not installed")

TREE = E.IndustryTree.from_csv(GBT)

points = st.tuples(
    st.lists(
        st.tuples(
            st.floats(-20, 20),
            st.floats(-20, 20),
            st.sampled_from(["3054", "3052", "3011", "1311", "5111", "9999"]),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=16,
    ),
    st.lists(
        st.tuples(
            st.floats(-20, 20),
            st.floats(-20, 20),
            st.sampled_from(["3054", "3011", "5111"]),
            st.integers(0, 3),
            st.integers(0, 4),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["required", "preferred", "ignore"]),
)


def build(inst):
    ms, ts, same_town = inst
    micros = [micro(i + 1, x, y, ind, 10, town) for i, (x, y, ind, town) in enumerate(ms)]
    mentors = [mentor(100 + j, x, y, ind, cap, town, lvl) for j, (x, y, ind, cap, lvl, town) in enumerate(ts)]
    return micros, mentors, E.PairingParams(max_distance_km=12, same_town=same_town)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(points)
def test_grid_candidates_equal_kdtree_candidates(inst):
    micros, mentors, p = build(inst)
    grid = E.all_candidate_pairs(micros, mentors, p, TREE)
    kd = E.all_candidate_pairs(micros, mentors, E.PairingParams(**{**p.__dict__, "solver": "ortools"}), TREE)
    for a, b in zip(grid, kd, strict=True):
        assert a.tolist() == b.tolist()


def _chain(n):
    """n micros on a line, mentor k at micro k's right with one seat, micro k also reaches mentor
    k - 1 (cheaper): covering everyone needs the long chain of moves."""
    micros = [micro(k + 1, 10.0 * k) for k in range(n)]
    mentors = [mentor(100 + k, 10.0 * k + 6.0) for k in range(n)]
    return micros, mentors


def test_a_long_chain_of_moves_is_found():
    micros, mentors = _chain(12)
    p = E.PairingParams(max_distance_km=9.5, industry_penalty=(0, 0, 0, 0, 0), model_home_step=0)
    res = E.solve(micros, mentors, p)
    assert res.covered == 12 and res.total_cost == 12 * 600


def test_certificate_rejects_a_worse_plan():
    # Micro 0 reaches mentors 0 (cost 1) and 1 (cost 5); micro 1 only mentor 0 (cost 2). One seat each.
    rs = np.array([0, 2, 3], dtype=np.int64)
    col = np.array([0, 1, 0], dtype=np.int32)
    cst = np.array([1, 5, 2], dtype=np.int32)
    cap = np.array([1, 1], dtype=np.int64)
    big_b = 3 * 6
    assign, acost, price, info = F.solve_decomposed(rs, col, cst, cap, np.arange(2, dtype=np.int64), 5)
    assert assign.tolist() == [1, 0] and acost.tolist() == [5, 2]
    assert F.certify(rs, col, cst, cap, assign, acost, price, info["reward"]) == 0
    # Micro 1 uncovered: max coverage violated, no prices can prove it.
    bad = np.array([0, -1], dtype=np.int32)
    assert F.augmentable(rs, col, cap, bad)
    assert F.certify(rs, col, cst, cap, bad, np.array([1, 0]), np.zeros(2, dtype=np.int64), big_b) != 0
    assert F.certify(rs, col, cst, cap, assign, acost, np.zeros(2, dtype=np.int64), big_b) == 5
    assert F.certify(rs, col, cst, cap, np.array([0, 0], dtype=np.int32), np.array([1, 2]), price, big_b) == 1


def test_vectorised_explanations_match_the_pair_by_pair_text():
    rng = np.random.default_rng(7)
    n = 400
    micros = [
        micro(
            i + 1, float(rng.uniform(-10, 10)), float(rng.uniform(-10, 10)), ind, 10, int(rng.integers(0, 3))
        )
        for i, ind in enumerate(rng.choice(["3054", "3052", "3011", "1311", "5111", None], size=n))
    ]
    mentors = [
        mentor(1000 + j, float(rng.uniform(-10, 10)), float(rng.uniform(-10, 10)), ind, 10, j % 3, j % 7 - 1)
        for j, ind in enumerate(rng.choice(["3054", "3011", "5111", None], size=60))
    ]
    res = E.solve(micros, mentors, E.PairingParams(), TREE, locked=[(1, 1000), (2, 1059)])
    mpos = {m.id: m for m in micros}
    tpos = {m.id: m for m in mentors}
    codes = E.class_codes_to_int
    for pair in res.pairs:
        a, b = mpos[pair.micro_id], tpos[pair.mentor_id]
        km = float(distance_km(a.lng, a.lat, b.lng, b.lat)[0])
        expected = E._explain_pair(
            TREE,
            a.town == b.town,
            km,
            int(codes([a.industry])[0]),
            int(codes([b.industry])[0]),
            pair.industry_level,
            b.model_level,
            pair.locked,
        )
        assert pair.explanation == expected
        assert pair.distance_km == round(km, 3)


def test_km_text_is_exact_near_ties():
    km = np.concatenate([np.arange(2000) * 0.05, np.random.default_rng(1).uniform(0, 30, 5000), [0.25, 0.35]])
    assert E._km_text(km).tolist() == [f"{x:.1f}" for x in km]


@pytest.mark.parametrize("seed", [3, 11])
def test_tight_clustered_instance_same_optimum_as_ortools(seed):
    """Seats ≈ micros in clustered towns (like the large benchmark instance): long searches through
    full mentors, where the SSP skips members by their cached lower bounds; the plan must stay optimal."""
    n_i = 3000
    mi, me = tight_instance(seed, n_i, n_j=150, side=60.0, towns=20, spread=3.0)
    assert abs(int(me.capacity.sum()) - n_i) < 0.1 * n_i
    ssp = E.solve(mi, me, E.PairingParams(), TREE, explain=False)
    ort = E.solve(mi, me, E.PairingParams(solver="ortools"), TREE, explain=False)
    assert ssp.stats["solver"] == "ssp" and ssp.stats["settled_nodes"] > n_i
    assert (ssp.covered, ssp.total_cost) == (ort.covered, ort.total_cost)
    assert ssp.covered < n_i  # some towns are over-subscribed: the instance is really tight


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 50)), min_size=1, max_size=40))
def test_heap_room_drops_only_stale_entries(pushes):
    """The searches' heap never grows: when full, ``_heap_room`` drops the stale keys (a settled
    node, or a key above the node's distance) and keeps a heap of the live ones."""
    nn = 8
    sid = 3
    dist = np.full(nn, 10**9, dtype=np.int64)
    done = np.zeros(nn, dtype=np.int64)
    heap = np.empty(2 * nn + 2 + len(pushes), dtype=np.int64)
    size = 0
    for node, d in pushes:  # like the searches: push only on a strictly shorter distance
        if d < dist[node]:
            dist[node] = d
            size = F._heap_push(heap, size, d * nn + node)
    done[[1, 4]] = sid
    size = F._heap_room(heap, size, dist, done, sid, nn)
    live = sorted(int(dist[j] * nn + j) for j in range(nn) if dist[j] < 10**9 and done[j] != sid)
    popped = []
    while size:
        popped.append(int(heap[0]))
        size = F._heap_pop(heap, size)
    assert popped == live
