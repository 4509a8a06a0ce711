"""The shipped reference tables: GB/T 4754-2017 industries and GB/T 2260 regions of 阜宁县."""

import csv
from pathlib import Path

import pytest

from gonghui.orgs.models import Industry, Region

REPO_ROOT = Path(__file__).resolve().parents[4]
SHARED_INDUSTRY_CSV = REPO_ROOT.parent / "shared" / "data" / "gbt4754_2017.csv"

FUNING_TOWNS = {
    "320923001": "阜城街道",
    "320923002": "金沙湖街道",
    "320923003": "花园街道",
    "320923004": "吴滩街道",
    "320923101": "沟墩镇",
    "320923104": "陈良镇",
    "320923106": "三灶镇",
    "320923107": "郭墅镇",
    "320923108": "新沟镇",
    "320923109": "陈集镇",
    "320923110": "羊寨镇",
    "320923111": "芦蒲镇",
    "320923113": "板湖镇",
    "320923114": "东沟镇",
    "320923115": "益林镇",
    "320923118": "古河镇",
    "320923119": "罗桥镇",
}

pytestmark = pytest.mark.django_db


def test_industry_table_has_the_published_counts_per_level():
    counts = {level: Industry.objects.filter(level=level).count() for level in Industry.Level.values}
    assert counts == {"section": 20, "division": 97, "group": 473, "class": 1381}


@pytest.mark.skipif(not SHARED_INDUSTRY_CSV.exists(), reason="../shared/data is not beside the repository")
def test_industry_table_equals_the_verified_reference_copy():
    with open(SHARED_INDUSTRY_CSV, encoding="utf-8", newline="") as fh:
        reference = {(r["code"], r["name"], r["level"], r["parent"]) for r in csv.DictReader(fh)}
    loaded = {
        (code, name, level, parent or "")
        for code, name, level, parent in Industry.objects.values_list("code", "name", "level", "parent_id")
    }
    assert loaded - reference == set(), "rows in the database but not in the reference"
    assert reference - loaded == set(), "rows in the reference but not in the database"


def test_industry_codes_nest_by_prefix():
    for cls in Industry.objects.filter(level="class").select_related("parent__parent__parent"):
        group = cls.parent
        division = group.parent
        assert cls.code[:3] == group.code and group.level == "group"
        assert group.code[:2] == division.code and division.level == "division"
        assert division.parent.level == "section"


def test_glass_products_class_is_there_for_the_demo_county():
    assert Industry.objects.get(code="3054").name == "日用玻璃制品制造"


def test_funing_has_its_seventeen_real_towns_and_streets():
    towns = dict(Region.objects.filter(parent_id="320923").values_list("code", "name"))
    assert towns == FUNING_TOWNS
    assert set(Region.objects.filter(parent_id="320923").values_list("level", flat=True)) == {"town"}


def test_yilin_town_sits_under_funing_county_in_yancheng_in_jiangsu():
    yilin = Region.objects.get(code="320923115")
    assert yilin.name == "益林镇"
    chain = [yilin.parent, yilin.parent.parent, yilin.parent.parent.parent]
    assert [(r.code, r.name, r.level) for r in chain] == [
        ("320923", "阜宁县", "county"),
        ("320900", "盐城市", "city"),
        ("320000", "江苏省", "province"),
    ]


def test_town_centres_are_marked_approximate_and_lie_near_the_county():
    county = Region.objects.get(code="320923")
    assert county.lng is not None and not county.approximate
    for town in Region.objects.filter(parent=county):
        assert town.approximate, town.name
        assert abs(town.lng - county.lng) < 0.5 and abs(town.lat - county.lat) < 0.5, town.name


def test_every_county_of_jiangsu_is_shipped():
    assert Region.objects.filter(level="province").count() >= 1
    jiangsu_cities = Region.objects.filter(parent_id="320000", level="city")
    assert jiangsu_cities.count() == 13
    counties = Region.objects.filter(parent__parent_id="320000", level="county")
    assert counties.count() >= 90
