"""Builders for the bargaining tests: rounds, filled-in templates, returns with rows, cases."""

import io
import random
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from gonghui.bargaining import imports
from gonghui.bargaining.models import (
    DEFAULT_LEVELS,
    EmployeeRow,
    EnterpriseReturn,
    NegotiationCase,
    SurveyRound,
)

OCCUPATIONS = ["6-28-01-01", "6-28-01-02", "4-02-01-01", "2-02-07-01"]


def make_round(org, year=2025, **extra):
    defaults = dict(
        year=year,
        title=f"{year}年职工薪酬调查",
        scope_union=org,
        reference_month=date(year, 6, 1),
        min_wage=Decimal("2280"),
        levels=list(DEFAULT_LEVELS),
    )
    defaults.update(extra)
    return SurveyRound.objects.create(**defaults)


def good_row(**over):
    row = {
        "职业代码": "6-28-01-01",
        "岗位等级": "生产操作人员",
        "学历": "高中/中专/技校",
        "月基本工资（元）": 3600,
        "月津贴补贴（元）": 400,
        "月加班工资（元）": 300,
        "年奖金（元）": 6000,
        "年工资总额（元）": 57600,
        "周工作小时": 44,
        "权数": "",
    }
    row.update(over)
    return row


def workbook(rnd, credit_code, rows, headcount=None, **facts):
    """A filled-in template as an uploaded file would arrive."""
    wb = load_workbook(io.BytesIO(imports.template_workbook(rnd)))
    sheet = wb[imports.FACTS_SHEET]
    values = {"统一社会信用代码": credit_code, "职工人数": headcount or max(len(rows), 1) + 5}
    values.update(facts)
    for r in range(2, sheet.max_row + 1):
        label = sheet.cell(row=r, column=1).value
        sheet.cell(row=r, column=2).value = values.get(label, sheet.cell(row=r, column=2).value)
    sheet.cell(row=2, column=2).value = credit_code
    rows_ws = wb[imports.ROWS_SHEET]
    rows_ws.delete_rows(2, rows_ws.max_row)
    headers = [c.value for c in rows_ws[1]]
    for row in rows:
        rows_ws.append([row.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "return.xlsx"
    return buf


def varied_rows(n, seed=1, base=4000):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        monthly = round(base * rng.uniform(0.8, 1.3))
        out.append(
            good_row(
                **{
                    "职业代码": OCCUPATIONS[i % 2],
                    "月基本工资（元）": monthly,
                    "月津贴补贴（元）": 0,
                    "月加班工资（元）": 0,
                    "年奖金（元）": 0,
                    "年工资总额（元）": monthly * 12,
                }
            )
        )
    return out


def make_return(rnd, enterprise, n=12, seed=1, base=4000, status=EnterpriseReturn.Status.ACCEPTED):
    """A return written directly (no file), with `n` varied employee rows."""
    ret = EnterpriseReturn.objects.create(
        round=rnd,
        enterprise=enterprise,
        industry_id=enterprise.industry_id,
        town_id=enterprise.town_id,
        headcount=max(n, 1),
        status=status,
        employee_count=n,
        meal_allowance=Decimal("300"),
    )
    rng = random.Random(seed)
    EmployeeRow.objects.bulk_create(
        [
            EmployeeRow(
                ret=ret,
                line=i + 2,
                occupation_id=OCCUPATIONS[i % 2],
                level=DEFAULT_LEVELS[-1],
                education="senior",
                monthly_base_pay=Decimal(round(base * rng.uniform(0.8, 1.3))),
                annual_total_pay=Decimal(round(base * 13 * rng.uniform(0.8, 1.3))),
                weekly_hours=Decimal("44"),
            )
            for i in range(n)
        ]
    )
    return ret


def make_case(org, enterprise=None, **extra):
    defaults = dict(
        title=f"{enterprise or org}工资专项集体协商",
        kind=NegotiationCase.Kind.ENTERPRISE if enterprise else NegotiationCase.Kind.REGIONAL,
        union=enterprise.union if enterprise else org,
        enterprise=enterprise,
        employer_side="" if enterprise else "区域企业代表",
    )
    defaults.update(extra)
    return NegotiationCase.objects.create(**defaults)
