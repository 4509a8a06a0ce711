"""Booklet: the PDF embeds a CJK font and its Chinese text is extractable; the .xlsx has the tables."""

import io

import numpy as np
import pytest

from gonghui.bargaining import booklet
from gonghui.bargaining.stats import SUPPRESSION_SYMBOL, WageGuideline, compute_tables, summarize_benefits

LEVELS = {0: "中层管理", 1: "专业技术人员", 2: "职能人员", 3: "服务人员", 4: "生产操作人员"}


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(7)
    n, n_ent = 6000, 40
    ent = rng.integers(0, n_ent, n)
    pay = np.round(rng.lognormal(8.6, 0.4, n), 2)
    rows = {
        "enterprise": ent,
        "occupation": rng.choice(np.array(["6-28-01-01", "4-01-02-01", "2-02-07-04"]), n, p=[0.6, 0.3, 0.1]),
        "level": rng.integers(0, 5, n),
        "monthly_pay": pay,
        "annual_pay": np.round(pay * 13.2, 2),
        "weight": rng.uniform(1, 5, n),
    }
    ents = {
        "division": np.where(np.arange(n_ent) < 36, 30, 13),  # division 13: 4 enterprises only
        "region": np.where(np.arange(n_ent) % 2 == 0, "320923115", "320923116"),
    }
    ts = compute_tables(rows, ents)
    benefits = summarize_benefits(
        ents["division"],
        {
            "paid_leave_days": rng.integers(5, 15, n_ent),
            "high_temperature_allowance": rng.random(n_ent) < 0.7,
        },
    )
    return ts, benefits


NAMES = {
    "division": {30: "非金属矿物制品业", 13: "农副食品加工业"},
    "occupation": {"6-28-01-01": "玻璃制品生产工"},
    "level": LEVELS,
    "region": {"320923115": "益林镇", "320923116": "东沟镇"},
}


def test_font_ships_in_a_python_package():
    path = booklet.cjk_font_path()
    assert path.endswith(".ttc")
    with open(path, "rb") as f:
        assert f.read(4) == b"ttcf"


def test_pdf_chinese_text_is_extractable(tables):
    from pypdf import PdfReader

    ts, benefits = tables
    pdf = booklet.render_pdf(
        ts,
        year=2025,
        issuer="某某县总工会",
        names=NAMES,
        benefits=benefits,
        guideline=WageGuideline(2025, 0.07, 0.1, 0.03),
    )
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "2025年主要行业职工薪酬福利集体协商参考信息" in text
    assert "某某县总工会" in text
    assert "加权分位数采用 SAS 加权分位数定义" in text  # method page
    assert "非金属矿物制品业" in text and "玻璃制品生产工" in text
    assert "生产操作人员" in text and "中位数" in text
    assert "分区域工资水平" in text and "益林镇" in text and "东沟镇" in text
    assert "福利情况汇总" in text and "高温津贴" in text
    assert "数据保密说明" in text and SUPPRESSION_SYMBOL in text
    assert "工资指导线：基准线7.0%" in text
    # monthly and annual pay in the one rendering: table lines and a chart of each per occupation
    assert "月工资分布（元）" in text and "年工资分布（元）" in text
    assert "月工资中位数" in text and "年工资中位数" in text
    detail = ts["division_occupation_level"]
    i = next(i for i in range(len(detail)) if detail.status[i] == 0)
    # the survey is weighted: the booklet prints the weighted estimates and says so
    assert ts.weighted and "按调查权数加权的估计值" in text
    for variable in ("monthly", "annual"):
        assert f"{detail.values[f'{variable}_wp50'][i]:,.0f}" in text, variable
    # the font is embedded
    fonts = set()
    for page in reader.pages:
        for f in page["/Resources"]["/Font"].values():
            f = f.get_object()
            fonts.add(f["/BaseFont"])
            desc = f.get("/DescendantFonts")
            if desc:
                fd = desc[0].get_object()["/FontDescriptor"].get_object()
                assert "/FontFile2" in fd
    assert any("WenQuanYi" in str(n) or "WenQuanYiMicroHei" in str(n) for n in fonts), fonts


def test_pdf_has_no_figure_of_a_suppressed_industry(tables):
    from pypdf import PdfReader

    ts, _ = tables
    # division 13 (4 small enterprises) is suppressed or published; either way its chapter only
    # appears when published
    div = ts["division"]
    i13 = list(div.keys["division"]).index(13)
    pdf = booklet.render_pdf(ts, names=NAMES)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert ("农副食品加工业（13）" in text) == (div.status[i13] == 0)


def test_xlsx_tables(tables):
    from openpyxl import load_workbook

    ts, _ = tables
    data = booklet.render_xlsx(ts, names=NAMES)
    wb = load_workbook(io.BytesIO(data))
    assert "说明" in wb.sheetnames and "分行业职业等级" in wb.sheetnames
    ws = wb["分行业职业等级"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["行业大类代码", "行业大类", "职业代码", "职业", "岗位等级代码", "岗位等级"]
    assert "月工资中位数" in header and "月工资（加权）低位数" in header
    t = ts["division_occupation_level"]
    assert ws.max_row == len(t) + 1
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    suppressed = [r for r in values if r[6] == SUPPRESSION_SYMBOL]
    assert len(suppressed) == int((t.status != 0).sum())
    published = [r for r in values if r[6] != SUPPRESSION_SYMBOL]
    k = header.index("月工资中位数")
    assert all(isinstance(r[k], float) for r in published)


def test_growth_is_printed_beside_the_guideline():
    """With last year's round, every growth figure in the PDF and the workbook carries the wage
    guideline's verdict: the growth of 6% is within 3%–10%, a growth of 12% is above 上线."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    rng = np.random.default_rng(3)
    n, n_ent = 3000, 20
    ent = rng.integers(0, n_ent, n)
    pay = np.round(rng.lognormal(8.6, 0.3, n), 2)
    rows = {
        "enterprise": ent,
        "occupation": np.full(n, "6-28-01-01"),
        "level": np.full(n, "生产操作人员"),
        "monthly_pay": pay,
        "annual_pay": np.round(pay * 13, 2),
    }
    ents = {"division": np.where(np.arange(n_ent) < 10, 30, 13)}
    previous = compute_tables(rows, ents)
    grown = dict(rows, monthly_pay=np.where(ents["division"][ent] == 30, pay * 1.06, pay * 1.12))
    grown["annual_pay"] = np.round(grown["monthly_pay"] * 13, 2)
    ts = compute_tables(grown, ents, previous=previous)
    wg = WageGuideline(2025, 0.07, 0.10, 0.03)
    pdf = booklet.render_pdf(ts, year=2025, names=NAMES, guideline=wg)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "工资增长与工资指导线" in text
    assert "月工资中位数比上年增长+6.0%（在指导线区间内）" in text.replace("\n", "")
    assert "+12.0%（高于上线）" in text.replace("\n", "")

    wb = load_workbook(io.BytesIO(booklet.render_xlsx(ts, names=NAMES, guideline=wg)))
    ws = wb["分行业"]
    header = [c.value for c in ws[1]]
    k = header.index("比上年增长·月工资中位数")
    assert header[k + 1] == "比上年增长·月工资中位数·对照指导线"
    verdicts = {r[0]: (round(r[k], 3), r[k + 1]) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert verdicts[30] == (0.06, "在指导线区间内")
    assert verdicts[13] == (0.12, "高于上线")
    assert any("2025年工资指导线" in str(r[0]) for r in wb["说明"].iter_rows(values_only=True))
