"""Tests of the pure pairing engine (no database, plain pytest)."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gonghui.pairing import engine as E
from gonghui.pairing.engine_groups import Enterprise, FederationParams, JointUnionParams, lead_score
from gonghui.pairing.geo import distance_km

LNG0, LAT0 = 119.8, 33.8
GBT = Path(__file__).resolve().parents[5] / "shared" / "data" / "gbt4754_2017.csv"
if not GBT.exists():
    GBT = Path("/work/shared/data/gbt4754_2017.csv")


def at(dx_km: float, dy_km: float) -> tuple[float, float]:
    """lng/lat of a point dx km east and dy km north of the origin."""
    return (LNG0 + dx_km / (111.195 * math.cos(math.radians(LAT0))), LAT0 + dy_km / 111.195)


def micro(id, x, y=0.0, industry="3054", headcount=10, town=1):
    return E.Micro(id, *at(x, y), industry, headcount, town)


def mentor(id, x, y=0.0, industry="3054", capacity=1, town=1, model_level=0):
    return E.Mentor(id, *at(x, y), industry, capacity, town, model_level)


PLAIN = E.PairingParams(industry_penalty=(0, 0, 0, 0, 0), model_home_step=0, other_town_penalty=0)
# The compiled exact SSP solver (the default), and the OR-Tools path: all candidates at once, and
# column generation from the k cheapest.
STRATEGIES = [
    {"solver": "ssp"},
    {"solver": "ortools"},
    {"solver": "ortools", "keep_per_micro": 1},
    {"solver": "ortools", "keep_per_micro": 2},
]


def params(**kw):
    return E.PairingParams(**{**PLAIN.__dict__, **kw})


def greedy(micros, mentors, p):
    """Each micro in id order takes the nearest mentor with room (the manual practice)."""
    room = {m.id: m.capacity for m in mentors}
    out = {}
    for mi in sorted(micros, key=lambda m: m.id):
        best = None
        for me in mentors:
            d = float(distance_km(mi.lng, mi.lat, me.lng, me.lat)[0])
            if d <= p.max_distance_km and room[me.id] > 0 and (best is None or d < best[0]):
                best = (d, me.id)
        if best:
            room[best[1]] -= 1
            out[mi.id] = best[1]
    return out


@pytest.mark.parametrize("k", STRATEGIES)
def test_greedy_loses_coverage_engine_does_not(k):
    # A is nearest to X, but B can only reach X: greedy gives X to A and leaves B out.
    micros = [micro(1, 0.0), micro(2, 4.0)]
    mentors = [mentor(10, 1.0), mentor(11, -2.0)]
    p = params(max_distance_km=5, **k)
    assert len(greedy(micros, mentors, p)) == 1
    res = E.solve(micros, mentors, p)
    assert res.covered == 2
    assert {(x.micro_id, x.mentor_id) for x in res.pairs} == {(1, 11), (2, 10)}
    assert res.unassigned == ()


@pytest.mark.parametrize("k", STRATEGIES)
def test_greedy_costs_more_engine_is_optimal(k):
    # A: X at 1 km, Y at 2 km. B: X at 2 km, Y at 10 km. Greedy 1 + 10 km, optimum 2 + 2 km.
    micros = [micro(1, 0.0), micro(2, 3.0)]
    mentors = [mentor(10, 1.0), mentor(11, -2.0)]
    p = params(max_distance_km=12, **k)
    assert greedy(micros, mentors, p) == {1: 10, 2: 11}
    res = E.solve(micros, mentors, p)
    assert {(x.micro_id, x.mentor_id) for x in res.pairs} == {(1, 11), (2, 10)}
    assert res.total_cost == 400  # 2 km + 2 km at 100 per km


def test_explanation_names_the_group_and_town():
    tree = E.IndustryTree.from_csv(GBT)
    res = E.solve(
        [micro(1, 0, industry="3054")],
        [mentor(10, 3.2, industry="3052", model_level=3)],
        E.PairingParams(),
        tree,
    )
    (pair,) = res.pairs
    assert pair.explanation.startswith("同镇，相距 3.2 公里，同属 305 玻璃制品制造")
    assert "省级模范职工之家" in pair.explanation
    assert pair.industry_level == E.INDUSTRY_SAME_GROUP
    assert pair.cost == pair.distance_cost + pair.industry_cost + pair.town_cost + pair.model_cost
    assert pair.industry_cost == 150 and pair.model_cost == 50 and pair.distance_cost == 320


def test_industry_levels_follow_the_tree():
    tree = E.IndustryTree.from_csv(GBT)
    a = E.class_codes_to_int(["3054", "3054", "3054", "3054", "3054", None])
    b = E.class_codes_to_int(["3054", "3059", "3011", "1311", "5111", "3054"])
    assert E.industry_levels(a, b, tree.section_index()).tolist() == [0, 1, 2, 3, 4, 4]


def test_same_industry_beats_slightly_nearer_mentor():
    tree = E.IndustryTree.from_csv(GBT)
    res = E.solve(
        [micro(1, 0, industry="3054")],
        [mentor(10, 1.0, industry="5111"), mentor(11, 2.0, industry="3054")],
        E.PairingParams(),
        tree,
    )
    assert res.pairs[0].mentor_id == 11


def test_same_town_required_and_preferred():
    micros = [micro(1, 0, town=1)]
    mentors = [mentor(10, 1.0, town=2), mentor(11, 4.0, town=1)]
    assert E.solve(micros, mentors, E.PairingParams(same_town="required")).pairs[0].mentor_id == 11
    assert E.solve(micros, mentors, E.PairingParams(same_town="preferred")).pairs[0].mentor_id == 11
    assert E.solve(micros, mentors, E.PairingParams(same_town="ignore")).pairs[0].mentor_id == 10
    res = E.solve([micro(1, 0, town=1)], [mentor(10, 1.0, town=2)], E.PairingParams(same_town="required"))
    assert res.unassigned[0].reason == "no_mentor" and "本镇" in res.unassigned[0].explanation


def test_model_home_preferred_at_equal_distance():
    res = E.solve([micro(1, 0)], [mentor(10, 2.0), mentor(11, -2.0, model_level=4)], E.PairingParams())
    assert res.pairs[0].mentor_id == 11


@pytest.mark.parametrize("k", STRATEGIES)
def test_unassigned_reasons(k):
    micros = [
        micro(1, 0.0),  # takes the only seat of mentor 10
        micro(2, 0.5),  # mentor 10 in reach but full
        micro(3, 100.0),  # nobody within 15 km
        micro(4, 0.2),  # excluded
        micro(5, 0.3, headcount=30),  # §11: should form its own union; nothing left for it
        micro(6, 0.1, headcount=80),  # not a micro enterprise at all
    ]
    res = E.solve(micros, [mentor(10, 1.0, capacity=1)], E.PairingParams(**k), excluded=[4])
    reasons = {u.micro_id: u.reason for u in res.unassigned}
    covered = [x.micro_id for x in res.pairs]
    assert len(covered) == 1 and covered[0] in (1, 2, 5)
    expected = {3: "no_mentor", 4: "excluded", 6: "not_micro"}
    for i, r in expected.items():
        assert reasons[i] == r
    for i in {1, 2, 5} - set(covered):
        assert reasons[i] == ("own_union" if i == 5 else "mentors_full")
    text = {u.micro_id: u.explanation for u in res.unassigned}
    assert text[3] == "15 公里内没有导师单位"
    assert "名额均已满" in next(
        u.explanation for u in res.unassigned if u.reason in ("mentors_full", "own_union")
    )
    assert all(u.should_form_own_union == (u.micro_id == 5) for u in res.unassigned)


def test_own_union_flag_on_pairs():
    res = E.solve([micro(1, 0, headcount=25), micro(2, 0.1, headcount=24)], [mentor(10, 1.0, capacity=5)])
    flags = {x.micro_id: x.should_form_own_union for x in res.pairs}
    assert flags == {1: True, 2: False}
    res = E.solve([micro(1, 0, headcount=25)], [], E.PairingParams(own_union_threshold=30))
    assert res.unassigned[0].reason == "no_mentor" and not res.unassigned[0].should_form_own_union


@pytest.mark.parametrize("k", STRATEGIES)
def test_locked_pairs_kept_and_use_capacity(k):
    micros = [micro(1, 0.0), micro(2, 0.5), micro(3, 40.0)]
    mentors = [mentor(10, 1.0, capacity=2), mentor(11, 30.0, capacity=1)]
    # 3 is locked to 10 although 39 km away; that leaves one seat of 10 for 1 and 2.
    res = E.solve(micros, mentors, params(**k), locked=[(3, 10)])
    pairs = {x.micro_id: (x.mentor_id, x.locked) for x in res.pairs}
    assert pairs[3] == (10, True)
    assert sum(1 for m, _ in pairs.values() if m == 10) == 2
    assert res.covered == 2
    with pytest.raises(ValueError):
        E.solve(micros, mentors, locked=[(99, 10)])


def test_excluded_mentor_is_not_used():
    res = E.solve([micro(1, 0)], [mentor(10, 1.0), mentor(11, 5.0)], excluded=[10])
    assert res.pairs[0].mentor_id == 11


def test_deterministic_and_serialisable():
    micros = [
        micro(i, (i * 7) % 13 - 6, (i * 5) % 11 - 5, industry=["3054", "3052", "1311"][i % 3])
        for i in range(1, 40)
    ]
    mentors = [mentor(100 + j, j * 3 - 6, (j * 2) % 5, capacity=3, model_level=j % 5) for j in range(5)]
    a = E.solve(micros, mentors)
    b = E.solve(list(reversed(micros)), mentors)
    assert a.pairs == E.solve(micros, mentors).pairs
    assert [(x.micro_id, x.mentor_id) for x in a.pairs] == sorted((x.micro_id, x.mentor_id) for x in a.pairs)
    assert a.total_cost == b.total_cost and a.covered == b.covered
    d = a.to_dict()
    assert d["covered"] == a.covered and isinstance(d["pairs"][0]["explanation"], str)


# -- property tests against networkx ---------------------------------------------------------------


def nx_optimum(micros, mentors, p, tree=None):
    ai, aj, ac = E.all_candidate_pairs(micros, mentors, p, tree)
    g = nx.DiGraph()
    g.add_node("s")
    g.add_node("t")
    for i in range(len(micros)):
        g.add_edge("s", ("i", i), capacity=1, weight=0)
    for j, m in enumerate(mentors):
        g.add_edge(("j", j), "t", capacity=m.capacity, weight=0)
    for i, j, c in zip(ai.tolist(), aj.tolist(), ac.tolist(), strict=True):
        g.add_edge(("i", i), ("j", j), capacity=1, weight=c)
    flow = nx.max_flow_min_cost(g, "s", "t")
    value = sum(flow["s"].values())
    # Maximum matching size, independently, by Hopcroft-Karp on seat-expanded mentors.
    b = nx.Graph()
    left = [("i", i) for i in range(len(micros))]
    b.add_nodes_from(left)
    for i, j in zip(ai.tolist(), aj.tolist(), strict=True):
        for s in range(mentors[j].capacity):
            b.add_edge(("i", i), ("seat", j, s))
    matching = nx.bipartite.hopcroft_karp_matching(b, top_nodes=left)
    size = sum(1 for n in left if n in matching)
    assert size == value
    return value, nx.cost_of_flow(g, flow), ai, aj


instance = st.tuples(
    st.lists(
        st.tuples(
            st.floats(-20, 20),
            st.floats(-20, 20),
            st.sampled_from(["3054", "3052", "3011", "1311", "5111"]),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=14,
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
        max_size=5,
    ),
    st.sampled_from(["required", "preferred", "ignore"]),
    st.sampled_from(STRATEGIES),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance)
def test_optimal_against_networkx(inst):
    ms, ts, same_town, k = inst
    micros = [micro(i + 1, x, y, ind, 10, town) for i, (x, y, ind, town) in enumerate(ms)]
    mentors = [mentor(100 + j, x, y, ind, cap, town, lvl) for j, (x, y, ind, cap, lvl, town) in enumerate(ts)]
    tree = E.IndustryTree.from_csv(GBT)
    p = E.PairingParams(max_distance_km=12, same_town=same_town, **k)
    res = E.solve(micros, mentors, p, tree)
    value, cost, ai, aj = nx_optimum(micros, mentors, p, tree)
    assert res.covered == value
    assert res.total_cost == cost
    load: dict[int, int] = {}
    for x in res.pairs:
        load[x.mentor_id] = load.get(x.mentor_id, 0) + 1
        assert x.distance_km <= p.max_distance_km + 1e-6
        if same_town == "required":
            assert x.same_town
    caps = {m.id: m.capacity for m in mentors}
    assert all(load[m] <= caps[m] for m in load)
    assert len(res.pairs) + len(res.unassigned) == len(micros)
    reach = {
        mi.id
        for mi in micros
        for me in mentors
        if float(distance_km(mi.lng, mi.lat, me.lng, me.lat)[0]) <= p.max_distance_km
        and (same_town != "required" or mi.town == me.town)
    }  # mentors in reach count even with no seats: they are "full"
    for u in res.unassigned:
        assert u.reason == ("mentors_full" if u.micro_id in reach else "no_mentor")


# -- joint unions and federations -------------------------------------------------------------------


def ent(id, x, headcount=10, industry="3054", town=1, **kw):
    return Enterprise(id, *at(x, 0), industry, headcount, town, **kw)


def test_joint_unions_respect_bounds_and_section_11():
    items = [
        ent(i, i * 0.3, headcount=5 + i % 7, industry="3054" if i % 2 else "1311", town=1 + i // 20)
        for i in range(1, 41)
    ]
    items.append(ent(99, 0.0, headcount=30))  # §11: must form its own union
    p = JointUnionParams(min_members=3, max_members=6, max_staff=50, max_distance_km=10)
    res = E.group_joint_unions(items, p)
    grouped = [m for g in res.groups for m in g.member_ids]
    assert len(grouped) == len(set(grouped))
    assert 99 not in grouped and {x.id: x.reason for x in res.leftovers}[99] == "own_union"
    by_id = {e.id: e for e in items}
    for g in res.groups:
        assert p.min_members <= len(g.member_ids) <= p.max_members
        assert g.total_staff == sum(by_id[m].headcount for m in g.member_ids) <= p.max_staff
        assert len({by_id[m].town for m in g.member_ids}) == 1
        assert g.lead_id in g.member_ids
    assert len(grouped) + len(res.leftovers) == len(items)
    assert res == E.group_joint_unions(list(reversed(items)), p)


def test_joint_union_lead_and_same_division_first():
    items = [
        ent(1, 0.0, headcount=20, industry="3054"),
        ent(2, 0.1, headcount=8, industry="3054", has_venue=True),
        ent(3, 0.2, headcount=9, industry="3052"),
        ent(4, 0.3, headcount=9, industry="1311"),
        ent(5, 0.4, headcount=10, industry="1311", has_union=True),
        ent(6, 0.5, headcount=11, industry="1320"),
    ]
    res = E.group_joint_unions(items, JointUnionParams(min_members=3, max_members=3))
    groups = {g.member_ids: g.lead_id for g in res.groups}
    assert groups == {(1, 2, 3): 2, (4, 5, 6): 5}
    assert lead_score(items[1]) == 48
    assert "龙头企业 2" in next(g.explanation for g in res.groups if g.lead_id == 2)


def test_joint_union_too_few_is_reported():
    res = E.group_joint_unions([ent(1, 0), ent(2, 30.0)], JointUnionParams(min_members=2))
    assert res.groups == () and {x.reason for x in res.leftovers} == {"too_few"}


def test_federations_around_cores():
    members = [ent(1, 0.0), ent(2, 0.5), ent(3, 1.0), ent(4, 50.0), ent(5, 0.2, headcount=26)]
    cores = [ent(50, 0.3, headcount=40, has_venue=True)]
    res = E.group_federations(members, cores, FederationParams(max_members=3))
    (g,) = res.groups
    assert g.lead_id == 50 and len(g.member_ids) == 3 and g.kind == "federation"
    left = {x.id: x.reason for x in res.leftovers}
    assert left[4] == "no_core" and left[5] == "own_union"
    assert len(left) == 3
