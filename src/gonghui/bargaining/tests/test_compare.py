"""Pure helpers of the market comparison and the wage-guideline verdict."""

import math

from gonghui.bargaining.compare import (
    ABOVE,
    BELOW,
    WITHIN,
    compare_groups,
    group_pay,
    guideline_check,
)
from gonghui.bargaining.stats import WageGuideline

WG = WageGuideline(2025, 0.07, 0.10, 0.03)


def test_guideline_verdicts_and_boundaries():
    assert guideline_check(0.02, WG).flag == BELOW
    assert guideline_check(0.03, WG).flag == WITHIN  # on the line is within it
    assert guideline_check(0.10, WG).flag == WITHIN
    assert guideline_check(0.1001, WG).flag == ABOVE
    assert guideline_check(-0.05, WG).label == "低于下线"
    assert guideline_check(None, WG) is None
    assert guideline_check(math.nan, WG) is None
    assert guideline_check(0.05, None) is None
    assert guideline_check(0.12, WG).text().startswith("+12.0%（高于上线；2025年工资指导线：基准线7.0%")


def _row(key, status="published", monthly=(3000, 3500, 4000, 4500, 5000), annual=None):
    row = {"key": key, "status": status}
    for q, v in zip(("p10", "p25", "p50", "p75", "p90"), monthly, strict=True):
        row[f"monthly_{q}"] = v if status == "published" else None
    for q, v in zip(("p10", "p25", "p50", "p75", "p90"), annual or (None,) * 5, strict=True):
        row[f"annual_{q}"] = v if status == "published" else None
    return row


def test_compare_groups_uses_the_finest_published_cell_only():
    tables = {
        # the finest cell is suppressed: its figures must not be used even if present
        "division_occupation_level": {
            "rows": [
                {
                    **_row({"division": "30", "occupation": "A", "level": "L"}, status="secondary"),
                    "monthly_p25": 1,
                }
            ]
        },
        "occupation_level": {
            "rows": [
                _row(
                    {"occupation": "A", "level": "L"},
                    annual=(40000, 45000, 50000, 55000, 60000),
                )
            ]
        },
        "level": {"rows": [_row({"level": "M"}, monthly=(2000, 2500, 3000, 3500, 4000))]},
    }
    groups = group_pay([("A", "L", 3200.0, 41000.0), ("A", "L", 3400.0, 43000.0), ("B", "M", 5000.0, None)])
    out = compare_groups(groups, "30", tables, {"A": "玻璃制品生产工"})
    a, b = out
    assert a["occupation_name"] == "玻璃制品生产工" and a["employees"] == 2
    assert a["pay"] == 3300.0 and a["basis"] == "全部行业·职业·岗位等级"
    assert a["below_p25"] is True and a["p25"] == 3500
    assert 0.10 < a["rank"] < 0.25
    assert a["annual_pay"] == 42000.0 and a["annual_below_p25"] is True
    assert b["basis"] == "全部行业·岗位等级" and b["below_p25"] is False
    assert b["note"].startswith("高于已公布的最高分位数")
    assert b["annual_pay"] is None and b["annual_rank"] is None


def test_compare_groups_without_any_published_cell():
    out = compare_groups(group_pay([("A", "L", 3000.0, 36000.0)]), "30", {})
    assert out[0]["rank"] is None and out[0]["below_p25"] is None
    assert out[0]["note"] == "没有可比较的已公布数据"


def test_weighted_booklets_are_compared_with_their_weighted_estimates():
    row = _row({"occupation": "A", "level": "L"})
    row.update({"monthly_wp10": 1000, "monthly_wp25": 2000, "monthly_wp50": 3000, "monthly_wp75": 4000})
    row["monthly_wp90"] = 5000
    tables = {"occupation_level": {"rows": [row]}}
    groups = group_pay([("A", "L", 3250.0, None)])
    plain = compare_groups(groups, "30", tables)[0]
    weighted = compare_groups(groups, "30", tables, weighted=True)[0]
    assert plain["below_p25"] is True and plain["p25"] == 3500
    assert weighted["below_p25"] is False and weighted["p25"] == 2000
    assert abs(weighted["rank"] - 0.5625) < 1e-9
