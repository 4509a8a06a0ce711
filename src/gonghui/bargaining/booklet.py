"""The salary reference booklet (蓝宝书) as a PDF in Chinese and the same tables as ``.xlsx``.
Pure: no Django import; input is a :class:`gonghui.bargaining.stats.TableSet` (only published
figures are in it) plus names for the codes.

The PDF is drawn with ReportLab and embeds (as a subset) the WenQuanYi Micro Hei font shipped
inside the PyPI package ``paperang-p2-fonts-cjk``, so Chinese renders and can be extracted on any
machine, with nothing installed from the operating system.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from xml.sax.saxutils import escape

from .compare import ABOVE, BELOW, guideline_check
from .stats import (
    BENEFIT_LABELS,
    PUBLISHED,
    QUANTILE_LABELS,
    QUANTILE_NAMES,
    SUPPRESSION_SYMBOL,
    Table,
    TableSet,
    WageGuideline,
)

FONT_NAME = "WenQuanYiMicroHei"
_registered = False


def cjk_font_path() -> str:
    """Path of the embedded CJK font (a TrueType collection inside an installed PyPI package)."""
    return str(resources.files("paperang_p2_fonts_cjk").joinpath("fonts", "wqy-microhei.ttc"))


def _register_font() -> None:
    global _registered
    if _registered:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, cjk_font_path(), subfontIndex=0))
    _registered = True


Names = Mapping[str, Mapping[object, str]]


def _name(names: Names | None, dim: str, code) -> str:
    if names and dim in names and code in names[dim]:
        return str(names[dim][code])
    return str(code)


def _fmt(v, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return SUPPRESSION_SYMBOL
    return f"{v:,.{digits}f}"


def _pct(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v * 100:+.1f}%"


def _stat(t: Table, variable: str, stat: str) -> str:
    """The column of ``variable``'s ``stat`` the booklet prints: the weighted estimate
    (``monthly_wp50``) when the survey carries weights, the plain one otherwise."""
    weighted = f"{variable}_w{stat}"
    return weighted if weighted in t.values else f"{variable}_{stat}"


def _row_cells(t: Table, i: int, variable: str) -> list[str]:
    if t.status[i] != PUBLISHED:
        return [SUPPRESSION_SYMBOL] * (3 + len(QUANTILE_NAMES))
    vals = [str(int(t.enterprises[i])), str(int(t.employees[i]))]
    for qn in QUANTILE_NAMES:
        v = t.values[_stat(t, variable, qn)][i]
        vals.append("—" if math.isnan(v) and qn in ("p10", "p90") and not t.tails_published[i] else _fmt(v))
    vals.append(_fmt(t.values[_stat(t, variable, "mean")][i]))
    return vals


VAR_LABELS = {"monthly": "月工资", "annual": "年工资（工资价位）"}
VAR_SHORT = {"monthly": "月工资", "annual": "年工资"}
YOY_SHOWN = (
    ("yoy_monthly_p50", "月工资中位数"),
    ("yoy_monthly_mean", "月工资平均数"),
    ("yoy_annual_p50", "年工资中位数"),
    ("yoy_annual_mean", "年工资平均数"),
)
GUIDELINE_COLOURS = {BELOW: "#f8d7da", ABOVE: "#fff3cd"}


def _growth_text(v, guideline: WageGuideline | None) -> str:
    """A growth figure with the guideline's verdict beside it, e.g. "+2.1%（低于下线）"."""
    check = guideline_check(None if v is None or math.isnan(v) else float(v), guideline)
    if check is None:
        return _pct(v)
    return f"{_pct(v)}（{check.label}）"


def _box_chart(
    labels: Sequence[str], stats: Sequence[Sequence[float] | None], width: float = 460, title: str = ""
):
    """A horizontal box-plot-style chart: whiskers P10-P90, box P25-P75, a bar at the median."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    row_h, left, right_pad, top = 16, 64, 14, 12 if title else 0
    height = row_h * len(labels) + 24 + top
    d = Drawing(width, height)
    if title:
        d.add(String(2, height - 9, title, fontName=FONT_NAME, fontSize=7.5))
    known = [x for s in stats if s for x in s if not math.isnan(x)]
    if not known:
        d.add(String(left, height / 2, "数据不足，未绘制", fontName=FONT_NAME, fontSize=8))
        return d
    lo, hi = min(known), max(known)
    span = (hi - lo) or 1.0
    lo, hi = lo - 0.05 * span, hi + 0.05 * span

    def xpos(v):
        return left + (v - lo) / (hi - lo) * (width - left - right_pad)

    d.add(Line(left, 12, width - right_pad, 12, strokeColor=colors.HexColor("#bbbbbb"), strokeWidth=0.4))
    for k, (label, s) in enumerate(zip(labels, stats, strict=True)):
        y = height - top - 14 - k * row_h
        d.add(String(2, y - 3, label[:9], fontName=FONT_NAME, fontSize=7))
        if not s:
            d.add(String(left, y - 3, SUPPRESSION_SYMBOL, fontName=FONT_NAME, fontSize=7))
            continue
        p10, p25, p50, p75, p90 = s
        if not math.isnan(p10) and not math.isnan(p90):
            d.add(Line(xpos(p10), y, xpos(p90), y, strokeColor=colors.grey))
            for v in (p10, p90):
                d.add(Line(xpos(v), y - 3, xpos(v), y + 3, strokeColor=colors.grey))
        d.add(
            Rect(
                xpos(p25),
                y - 5,
                max(xpos(p75) - xpos(p25), 0.5),
                10,
                fillColor=colors.HexColor("#9cc3e6"),
                strokeColor=colors.HexColor("#1f4e79"),
                strokeWidth=0.6,
            )
        )
        d.add(
            Line(xpos(p50), y - 6, xpos(p50), y + 6, strokeColor=colors.HexColor("#c00000"), strokeWidth=1.5)
        )
    for v in (lo + (hi - lo) * f for f in (0.05, 0.5, 0.95)):
        d.add(Line(xpos(v), 10, xpos(v), 14, strokeColor=colors.HexColor("#bbbbbb"), strokeWidth=0.4))
        d.add(String(xpos(v) - 12, 2, f"{v:,.0f}", fontName=FONT_NAME, fontSize=6))
    return d


def render_pdf(
    tables: TableSet,
    *,
    title: str = "主要行业职工薪酬福利集体协商参考信息",
    year: int | None = None,
    issuer: str = "",
    names: Names | None = None,
    industries: Sequence | None = None,
    variables: Sequence[str] = ("monthly", "annual"),
    max_occupations: int | None = 30,
    benefits: Sequence[Mapping] | None = None,
    guideline: WageGuideline | None = None,
) -> bytes:
    """The booklet as PDF bytes: cover, method page, the growth of pay beside the wage guideline,
    one chapter per industry (division) with, per occupation, a table of monthly and annual pay by
    level and a box-plot-style chart of each, the benefits summary, and the suppression notes.
    ``variables`` are printed together ("monthly", "annual"); ``max_occupations`` caps the
    occupations per chapter (largest first; the .xlsx always has all of them)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import (
        Table as RLTable,
    )

    _register_font()
    variables = [v for v in variables if v in VAR_LABELS] or ["monthly"]

    def _p(text, style):
        return Paragraph(escape(str(text)), style)

    base = ParagraphStyle("base", fontName=FONT_NAME, fontSize=9, leading=14, wordWrap="CJK")
    small = ParagraphStyle(
        "small", parent=base, fontSize=7.5, leading=11, textColor=colors.HexColor("#444444")
    )
    h1 = ParagraphStyle("h1", parent=base, fontSize=16, leading=24, spaceAfter=8)
    h2 = ParagraphStyle("h2", parent=base, fontSize=10.5, leading=16, spaceBefore=4, spaceAfter=2)
    cover = ParagraphStyle("cover", parent=base, fontSize=22, leading=34, alignment=1)
    var_label = "和".join(VAR_LABELS[v] for v in variables)
    year_txt = f"{year}年" if year else ""
    grid_style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("LEADING", (0, 0), (-1, -1), 8.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde8f4")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]

    story: list = [Spacer(1, 70 * mm), _p(f"{year_txt}{title}", cover), Spacer(1, 12 * mm)]
    if issuer:
        story.append(_p(issuer, ParagraphStyle("iss", parent=cover, fontSize=14)))
    story.append(PageBreak())

    # method page
    story.append(_p("说明", h1))
    story.append(
        _p(
            f"本册所列工资为{var_label}，单位：元。月工资为调查基准月的基本工资、津贴补贴与加班工资之和；"
            "年工资（工资价位）为全年基本工资、奖金、津贴补贴、加班工资及特殊情况下支付的工资之和。"
            "各分位数含义：" + "、".join(f"{QUANTILE_LABELS[q]}（P{q[1:]}）" for q in QUANTILE_NAMES) + "。",
            base,
        )
    )
    for line in tables.method_note.split("\n"):
        story.append(_p(line, base))
    if tables.weighted:
        story.append(
            _p(
                "本次调查为抽样调查，本册各表的分位数和平均数均为按调查权数加权的估计值（加权定义见上）；"
                "企业数、职工数为样本数。未加权的数值和加权职工数见同版 Excel 表。",
                base,
            )
        )
    story.append(_p(tables.rules.note(), base))
    story.append(
        _p(
            f"“{SUPPRESSION_SYMBOL}”表示该单元格未公布；“—”表示样本量不足以估计低位数、高位数或无上年可比数据。",
            base,
        )
    )
    if guideline is not None:
        story.append(
            _p(
                f"{guideline.year}年工资指导线：基准线{guideline.baseline:.1%}，上线{guideline.upper:.1%}，下线{guideline.lower:.1%}。"
                "本册凡列出比上年增长之处，均对照工资指导线标注“低于下线”“高于上线”或“在指导线区间内”。",
                base,
            )
        )
    story.append(PageBreak())

    tot = tables.tables.get("division")
    detail = tables.tables.get("division_occupation_level")
    occ_t = tables.tables.get("division_occupation")

    # growth beside the guideline, one row per published industry and the whole survey
    growth_cols = [(c, label) for c, label in YOY_SHOWN if tot is not None and c in tot.values]
    if (
        tot is not None
        and growth_cols
        and any(not math.isnan(v) for c, _ in growth_cols for v in tot.values[c])
    ):
        story.append(_p("工资增长与工资指导线", h1))
        if guideline is not None:
            story.append(
                _p(
                    f"{guideline.year}年工资指导线：基准线{guideline.baseline:.1%}，上线{guideline.upper:.1%}，"
                    f"下线{guideline.lower:.1%}。增幅低于下线的以红色底纹标注，高于上线的以黄色底纹标注。",
                    base,
                )
            )
        else:
            story.append(_p("本年度尚未录入工资指导线，下表只列比上年增长。", base))
        data = [["行业", *[label + "增长" for _, label in growth_cols]]]
        styles = list(grid_style)
        rows_src: list[tuple[str, Table, int]] = []
        total_t = tables.tables.get("total")
        div_keys = tot.keys["division"].tolist()
        for i, k in enumerate(div_keys):
            if tot.status[i] == PUBLISHED:
                rows_src.append((f"{_name(names, 'division', k)}（{k}）", tot, i))
        if total_t is not None and len(total_t) and all(c in total_t.values for c, _ in growth_cols):
            rows_src.append(("全部行业", total_t, 0))
        for r, (label, t, i) in enumerate(rows_src, start=1):
            row = [label]
            for c_idx, (c, _) in enumerate(growth_cols, start=1):
                v = float(t.values[c][i])
                row.append(_growth_text(v, guideline))
                check = guideline_check(None if math.isnan(v) else v, guideline)
                if check is not None and check.flag in GUIDELINE_COLOURS:
                    styles.append(
                        ("BACKGROUND", (c_idx, r), (c_idx, r), colors.HexColor(GUIDELINE_COLOURS[check.flag]))
                    )
            data.append(row)
        gt = RLTable(data, repeatRows=1, colWidths=[150] + [90] * len(growth_cols))
        styles.append(("ALIGN", (1, 1), (-1, -1), "RIGHT"))
        gt.setStyle(TableStyle(styles))
        story += [
            gt,
            Spacer(1, 4),
            _p("注：增长为本年与上年同一口径已公布单元格之比；“—”表示无上年可比数据。", small),
        ]
        story.append(PageBreak())

    # industry chapters
    if tot is not None and detail is not None and occ_t is not None:
        div_keys = tot.keys["division"].tolist()
        chosen = (
            industries
            if industries is not None
            else [k for i, k in enumerate(div_keys) if tot.status[i] == PUBLISHED]
        )
        head = (
            ["职业", "岗位等级", "工资", "企业数", "职工数"]
            + [QUANTILE_LABELS[q] for q in QUANTILE_NAMES]
            + ["平均数"]
        )
        d_div = detail.keys["division"].tolist()
        d_occ = detail.keys["occupation"].tolist()
        d_lvl = detail.keys["level"].tolist()
        o_div = occ_t.keys["division"].tolist()
        o_occ = occ_t.keys["occupation"].tolist()
        n_var = len(variables)
        for div in chosen:
            if div not in div_keys:
                continue
            di = div_keys.index(div)
            story.append(_p(f"{_name(names, 'division', div)}（{div}）", h1))
            parts = []
            for variable in variables:
                cells = _row_cells(tot, di, variable)
                parts.append(f"{VAR_SHORT[variable]}中位数{cells[4]}元、平均数{cells[-1]}元")
            counts = _row_cells(tot, di, variables[0])
            story.append(
                _p(f"本行业样本企业{counts[0]}家、职工{counts[1]}人；" + "；".join(parts) + "。", base)
            )
            growth = []
            for c, label in YOY_SHOWN:
                col = tot.values.get(c)
                if col is not None and not math.isnan(col[di]) and c.split("_")[1] in variables:
                    growth.append(f"{label}比上年增长{_growth_text(float(col[di]), guideline)}")
            if growth:
                line = "；".join(growth) + "。"
                if guideline is not None:
                    line += (
                        f"（{guideline.year}年工资指导线：基准线{guideline.baseline:.1%}，"
                        f"上线{guideline.upper:.1%}，下线{guideline.lower:.1%}）"
                    )
                story.append(_p(line, base))
            story.append(Spacer(1, 4))
            occ_rows = [i for i in range(len(occ_t)) if o_div[i] == div]
            occ_rows.sort(key=lambda i: -(occ_t.employees[i] if occ_t.status[i] == PUBLISHED else -1))
            if max_occupations is not None:
                occ_rows = occ_rows[:max_occupations]
            for oi in occ_rows:
                occ = o_occ[oi]
                occ_label = _name(names, "occupation", occ)
                data = [head]
                styles = list(grid_style)
                lines: list[tuple[str, Table, int]] = [("合计", occ_t, oi)]
                labels = []
                chart_stats: dict[str, list] = {v: [] for v in variables}
                for i in range(len(detail)):
                    if d_div[i] != div or d_occ[i] != occ:
                        continue
                    lvl = _name(names, "level", d_lvl[i])
                    lines.append((lvl, detail, i))
                    labels.append(lvl)
                    for variable in variables:
                        if detail.status[i] == PUBLISHED:
                            chart_stats[variable].append(
                                [float(detail.values[_stat(detail, variable, q)][i]) for q in QUANTILE_NAMES]
                            )
                        else:
                            chart_stats[variable].append(None)
                for k, (lvl, t, i) in enumerate(lines):
                    first = 1 + k * n_var
                    for j, variable in enumerate(variables):
                        cells = _row_cells(t, i, variable)
                        data.append(
                            [
                                occ_label if k == 0 and j == 0 else "",
                                lvl if j == 0 else "",
                                VAR_SHORT[variable],
                                cells[0] if j == 0 else "",
                                cells[1] if j == 0 else "",
                                *cells[2:],
                            ]
                        )
                    if n_var > 1:
                        styles += [("SPAN", (c, first), (c, first + n_var - 1)) for c in (1, 3, 4)]
                    if k == 0:
                        styles.append(
                            ("BACKGROUND", (1, first), (-1, first + n_var - 1), colors.HexColor("#f2f2f2"))
                        )
                if len(data) > 2:
                    styles.append(("SPAN", (0, 1), (0, len(data) - 1)))
                styles.append(("ALIGN", (3, 1), (-1, -1), "RIGHT"))
                table = RLTable(data, repeatRows=1, colWidths=[74, 56, 30, 30, 32] + [46] * 6)
                table.setStyle(TableStyle(styles))
                block = [_p(occ_label, h2), table]
                drawn = [v for v in variables if any(chart_stats[v])]
                if drawn:
                    width = 500 / len(drawn)
                    charts = [
                        _box_chart(labels, chart_stats[v], width=width - 4, title=f"{VAR_SHORT[v]}分布（元）")
                        for v in drawn
                    ]
                    ct = RLTable([charts], colWidths=[width] * len(drawn))
                    ct.setStyle(
                        TableStyle(
                            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
                        )
                    )
                    block += [Spacer(1, 2), ct]
                story.append(KeepTogether([*block, Spacer(1, 8)]))
            story.append(_p("图例：横线为低位数至高位数，方框为25分位至75分位，红色竖线为中位数。", small))
            story.append(PageBreak())

    # regions: one line per town (or whatever the region dimension holds), published cells only
    reg = tables.tables.get("region")
    if reg is not None and len(reg) and any(reg.status == PUBLISHED):
        story.append(_p("分区域工资水平", h1))
        top = ["区域", "企业数", "职工数"]
        head = ["", "", ""]
        spans = [("SPAN", (c, 0), (c, 1)) for c in range(3)]
        for j, variable in enumerate(variables):
            top += [f"{VAR_SHORT[variable]}（元）", "", "", ""]
            head += [QUANTILE_LABELS[q] for q in ("p25", "p50", "p75")] + ["平均数"]
            spans.append(("SPAN", (3 + 4 * j, 0), (6 + 4 * j, 0)))
        data = [top, head]
        r_keys = reg.keys["region"].tolist()
        order = sorted(range(len(reg)), key=lambda i: (reg.status[i] != PUBLISHED, str(r_keys[i])))
        for i in order:
            row = [_name(names, "region", r_keys[i])]
            for j, variable in enumerate(variables):
                cells = _row_cells(reg, i, variable)
                if j == 0:
                    row += cells[:2]
                row += [cells[3], cells[4], cells[5], cells[-1]]
            data.append(row)
        rt = RLTable(data, repeatRows=2, colWidths=[92, 36, 40] + [46] * (4 * len(variables)))
        rt.setStyle(
            TableStyle(
                [
                    *grid_style,
                    *spans,
                    ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#dde8f4")),
                    ("ALIGN", (0, 0), (-1, 1), "CENTER"),
                    ("ALIGN", (1, 2), (-1, -1), "RIGHT"),
                ]
            )
        )
        story += [
            rt,
            Spacer(1, 4),
            _p(
                f"注：按企业所在镇街汇总；“{SUPPRESSION_SYMBOL}”为按公布规则未公布的区域，其数据已计入全部样本。",
                small,
            ),
            PageBreak(),
        ]

    # benefits
    if benefits:
        story.append(_p("福利情况汇总", h1))
        cols = [k for k in BENEFIT_LABELS if any(k in r for r in benefits)]
        data = [["行业", "企业数"] + [BENEFIT_LABELS[c] for c in cols]]
        for r in benefits:
            label = "全部" if r.get("division") is None else _name(names, "division", r["division"])
            row = [label, SUPPRESSION_SYMBOL if r.get("enterprises") is None else str(r["enterprises"])]
            for c in cols:
                v = r.get(c)
                if v is None:
                    row.append(SUPPRESSION_SYMBOL)
                elif c == "paid_leave_days":
                    row.append(f"{v:.1f}天")
                else:
                    row.append(f"{v:.0%}")
            data.append(row)
        t = RLTable(data, repeatRows=1)
        t.setStyle(TableStyle(grid_style))
        story += [t, _p("注：带薪年休假为平均天数，其余为提供该项福利的企业占比。", base), PageBreak()]

    # suppression notes
    story.append(_p("数据保密说明", h1))
    story.append(_p(tables.rules.note(), base))
    n_supp = sum(int((t.status != PUBLISHED).sum()) for t in tables.tables.values())
    story.append(
        _p(
            f"本册各表共有{n_supp}个单元格以“{SUPPRESSION_SYMBOL}”标注未公布。任何公布数据均不反映单个企业的工资水平。",
            base,
        )
    )

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=f"{year_txt}{title}",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(FONT_NAME, 7)
        canvas.drawCentredString(A4[0] / 2, 8 * mm, f"{year_txt}{title}  第{doc_.page}页")
        canvas.restoreState()

    doc.build(story, onFirstPage=lambda c, d: None, onLaterPages=footer)
    return buf.getvalue()


XLSX_SHEETS = {
    "division": "分行业",
    "division_occupation": "分行业职业",
    "division_occupation_level": "分行业职业等级",
    "group_occupation_level": "分中类职业等级",
    "occupation_level": "分职业等级",
    "region": "分区域",
    "region_level": "分区域等级",
    "level": "分岗位等级",
    "total": "全部",
}

DIM_LABELS = {
    "division": "行业大类",
    "group": "行业中类",
    "occupation": "职业",
    "level": "岗位等级",
    "region": "区域",
}


def render_xlsx(
    tables: TableSet,
    *,
    names: Names | None = None,
    sheets: Mapping[str, str] = XLSX_SHEETS,
    guideline: WageGuideline | None = None,
) -> bytes:
    """The same tables as an Excel workbook: one sheet per table (published figures only,
    ``※`` for suppressed cells), monthly and annual pay, weighted figures when weights were
    given, year-on-year changes when available — each followed by its verdict against the wage
    guideline when one is given — and a method sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["说明"])
    for line in tables.method_note.split("\n"):
        ws.append([line])
    ws.append([tables.rules.note()])
    ws.append([f"“{SUPPRESSION_SYMBOL}”表示未公布；空白表示样本量不足以估计低位数、高位数或无上年可比数据。"])
    ws.append(["月工资为调查基准月的基本工资、津贴补贴与加班工资之和；年工资（工资价位）为全年合计。"])
    if guideline is not None:
        ws.append(
            [
                f"{guideline.year}年工资指导线：基准线{guideline.baseline:.1%}，上线{guideline.upper:.1%}，"
                f"下线{guideline.lower:.1%}。每个“比上年增长”列后的“对照指导线”列标注低于下线、高于上线或在指导线区间内。"
            ]
        )
    for name, label in sheets.items():
        t = tables.tables.get(name)
        if t is None:
            continue
        ws = wb.create_sheet(label)
        value_cols = list(t.values)
        header = []
        for d in t.dims:
            header += [DIM_LABELS.get(d, d) + "代码", DIM_LABELS.get(d, d)]
        flagged = {c for c in value_cols if c.startswith("yoy_")} if guideline is not None else set()
        header += ["企业数", "职工数", "加权职工数"]
        for c in value_cols:
            header.append(_column_label(c))
            if c in flagged:
                header.append(_column_label(c) + "·对照指导线")
        ws.append(header)
        for c in ws[1]:
            c.font = Font(bold=True)
        keys = {d: t.keys[d].tolist() for d in t.dims}
        vals = {c: t.values[c].tolist() for c in value_cols}
        for i in range(len(t)):
            row: list = []
            for d in t.dims:
                row += [keys[d][i], _name(names, d, keys[d][i])]
            if t.status[i] != PUBLISHED:
                row += [SUPPRESSION_SYMBOL] * (3 + len(value_cols) + len(flagged))
            else:
                we = float(t.weighted_employees[i])
                row += [int(t.enterprises[i]), int(t.employees[i]), None if math.isnan(we) else round(we, 1)]
                for c in value_cols:
                    v = vals[c][i]
                    row.append(None if math.isnan(v) else round(v, 4 if c.startswith("yoy") else 2))
                    if c in flagged:
                        check = guideline_check(None if math.isnan(v) else v, guideline)
                        row.append(check.label if check else None)
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _column_label(col: str) -> str:
    var, _, stat = col.partition("_")
    prefix = ""
    if var == "yoy":
        prefix = "比上年增长·"
        var, _, stat = stat.partition("_")
    var_txt = {"monthly": "月工资", "annual": "年工资"}.get(var, var)
    weighted = stat.startswith("w")
    s = stat[1:] if weighted else stat
    s_txt = "平均数" if s == "mean" else QUANTILE_LABELS.get(s, s)
    return f"{prefix}{var_txt}{'（加权）' if weighted else ''}{s_txt}"
