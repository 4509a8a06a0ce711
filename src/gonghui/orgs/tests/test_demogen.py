"""Tests of the demo-county generator and its reference data (pure: no database, no Django)."""

import csv
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from gonghui.core.codes import is_valid_credit_code, is_valid_id_number, is_valid_mobile
from gonghui.orgs import demogen


@pytest.fixture(scope="module")
def county():
    return demogen.generate()


def test_regions_csv():
    rows = demogen.load_regions()
    by_level = Counter(r["level"] for r in rows)
    assert by_level == {"province": 1, "city": 13, "county": 95, "town": 17}
    codes = {r["code"] for r in rows}
    assert len(codes) == len(rows)
    for r in rows:
        assert r["parent"] == "" or r["parent"] in codes
        assert 116 < float(r["lng"]) < 122.5 and 30.7 < float(r["lat"]) < 35.2, r
    yilin = next(r for r in rows if r["code"] == "320923115")
    assert yilin["name"] == "益林镇" and yilin["level"] == "town" and yilin["approximate"] == "1"
    assert next(r for r in rows if r["code"] == "320923")["name"] == "阜宁县"


def test_town_centres_inside_outline():
    towns = demogen.load_towns()
    assert len(towns) == 17
    for t in towns:
        assert demogen.point_in_outline(t.lng, t.lat), t


def test_point_in_outline():
    assert demogen.point_in_outline(119.7974, 33.7607)  # the county seat
    assert not demogen.point_in_outline(120.16, 33.35)  # 盐城市区
    assert not demogen.point_in_outline(118.76, 32.06)  # 南京


def test_industry_table_copy():
    here = Path(demogen.__file__).parent / "data" / "gbt4754_2017.csv"
    shared = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "gbt4754_2017.csv"
    table = demogen.load_industries()
    assert Counter(v[1] for v in table.values()) == {
        "section": 20,
        "division": 97,
        "group": 473,
        "class": 1381,
    }
    if shared.exists():
        assert here.read_bytes() == shared.read_bytes()
    with open(here, encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["code", "name", "level", "parent"]


def test_deterministic():
    a, b = demogen.generate(7), demogen.generate(7)
    assert a.enterprises == b.enterprises
    assert a.unions == b.unions
    assert a.venues == b.venues
    assert a.members == b.members
    assert demogen.generate(8).enterprises != a.enterprises


def test_fast():
    start = time.perf_counter()
    demogen.generate(11)
    assert time.perf_counter() - start < 3.0


def test_counts(county):
    sizes = Counter(e.size for e in county.enterprises)
    assert sizes["micro"] == 790
    assert 50 <= sizes["large"] <= 70
    assert sizes["medium"] > 0
    for e in county.enterprises:
        assert (e.headcount < 50) == (e.size == "micro")
        assert (e.headcount >= 300) == (e.size == "large")
    assert 23_000 <= len(county.members) <= 27_000
    assert len(county.towns) == 17


def test_codes_valid_and_unique(county):
    credit = [e.credit_code for e in county.enterprises] + [u.credit_code for u in county.unions]
    assert len(set(credit)) == len(credit)
    assert all(is_valid_credit_code(c) for c in credit)
    assert all(u.credit_code.startswith("81") for u in county.unions)  # 工会 / 基层工会
    ids = [m.id_number for m in county.members]
    phones = [m.phone for m in county.members]
    assert len(set(ids)) == len(ids) and len(set(phones)) == len(phones)
    assert all(is_valid_id_number(i) for i in ids)
    assert all(is_valid_mobile(p) for p in phones)
    for m in county.members:
        assert m.id_number.startswith("3209")
        assert date(1965, 1, 1) <= m.birth_date <= date(2004, 12, 31)
        assert m.id_number[6:14] == m.birth_date.strftime("%Y%m%d")
        assert int(m.id_number[16]) % 2 == (m.gender == "M")


def test_industry_classes_real_and_mix(county):
    table = demogen.load_industries()
    for e in county.enterprises:
        assert table[e.industry_code][1] == "class", e.industry_code
    prefixes = Counter(e.industry_code[:2] for e in county.enterprises)
    for p in ("30", "17", "18", "34", "35", "13", "14", "54", "52"):
        assert prefixes[p] > 0, p
    assert sum(1 for e in county.enterprises if e.industry_code.startswith("305")) >= 80


def test_all_points_inside_outline(county):
    for item in [*county.enterprises, *county.venues]:
        assert county.contains(item.lng, item.lat), item


def test_names(county):
    names = [e.name for e in county.enterprises]
    assert len(set(names)) == len(names)
    town_names = {t.code: t.name for t in county.towns}
    for e in county.enterprises:
        if e.size != "large":
            assert e.name.startswith("阜宁县" + town_names[e.town_code]), e.name


def test_union_tree(county):
    unions = {u.key: u for u in county.unions}
    assert len(unions) == len(county.unions)
    kinds = Counter(u.kind for u in county.unions)
    assert kinds["county"] == 1 and kinds["town"] == 17
    assert kinds["joint"] >= 3 and kinds["federation"] >= 2
    assert unions["U-COUNTY"].name == "阜宁县总工会" and unions["U-COUNTY"].parent_key is None
    assert unions["U-T320923115"].name == "益林镇工会"
    ents = {e.key: e for e in county.enterprises}
    for u in county.unions:
        if u.kind != "county":
            assert u.parent_key in unions, u
            # walking up reaches the county federation
            node, steps = u, 0
            while node.parent_key:
                node, steps = unions[node.parent_key], steps + 1
            assert node.key == "U-COUNTY" and steps <= 4
        if u.kind == "enterprise":
            assert ents[u.enterprise_key].has_own_union
        if u.kind == "joint":
            assert len(u.covered_enterprise_keys) >= 2
            assert u.lead_enterprise_key in u.covered_enterprise_keys
            assert all(
                ents[k].size == "micro" and not ents[k].has_own_union for k in u.covered_enterprise_keys
            )
    for e in county.enterprises:
        assert e.has_own_union == (f"U-{e.key}" in unions)
        if e.size == "large":
            assert e.has_own_union
    micro_own = sum(e.has_own_union for e in county.enterprises if e.size == "micro")
    assert 0 < micro_own < 790
    levels = Counter(u.model_home_level for u in county.unions if u.model_home_level)
    assert set(levels) == set(demogen.TITLE_LEVELS)


def test_venues(county):
    unions = {u.key: u for u in county.unions}
    kinds = Counter(v.kind for v in county.venues)
    assert kinds["home"] > 0 and kinds["small_home"] > 0
    for v in county.venues:
        assert v.owner_union_key in unions
        assert v.capacity > 0 and v.facilities
    owners = {v.owner_union_key for v in county.venues}
    assert all(u.key in owners for u in county.unions if u.kind == "town")


def test_members_link(county):
    unions = {u.key: u for u in county.unions}
    ents = {e.key: e for e in county.enterprises}
    members_per_ent = Counter(m.enterprise_key for m in county.members if m.enterprise_key)
    for m in county.members:
        assert m.union_key in unions
        assert m.joined <= demogen.REFERENCE_DATE
        assert m.joined.year - m.birth_date.year >= 17
        if m.enterprise_key:
            assert m.enterprise_key in ents
    for key, n in members_per_ent.items():
        assert n <= ents[key].headcount
    new_form = [m for m in county.members if m.is_new_form]
    assert 500 <= len(new_form) <= 1500
    assert set(m.new_form_kind for m in new_form) == set(demogen.NEW_FORM_KINDS)
    assert all(unions[m.union_key].kind in ("town", "joint") for m in new_form)


def test_module_is_pure():
    import subprocess
    import sys

    script = "import sys, gonghui.orgs.demogen; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
