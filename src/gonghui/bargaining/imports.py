"""The salary survey's Excel template and its import, one enterprise per file.

The workbook has two sheets: 企业情况 (the enterprise's facts and benefits, one item per row) and
职工工资 (one anonymised row per employee). A file is checked completely before anything is
written, and written whole or not at all:

- a malformed file (not xlsx, sheets or headers not the template's, formulas) is refused whole;
- impossible values (negative pay, 200 hours a week, an unknown occupation code, an annual total
  below the bonus…) are *errors*: the report lists each with its sheet, row and column, and
  nothing is imported until the file is fixed;
- plausible but suspicious values are *flags* kept with the row for review, never dropped: pay
  below the local minimum wage, duplicated rows, outliers against the enterprise's own pay.

Uploading a corrected file for the same enterprise replaces its earlier rows (the enterprise is
identified by its credit code in the facts sheet), so importing twice creates nothing twice.
"""

import io
import math
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from gonghui.bargaining import services
from gonghui.bargaining.models import EmployeeRow, EnterpriseReturn, Occupation
from gonghui.core import codes, excel
from gonghui.core.scoping import require_perm, scoped
from gonghui.orgs.models import Enterprise, Industry, Region

FACTS_SHEET = "企业情况"
ROWS_SHEET = "职工工资"

# (label, key, required, help, example)
FACTS = [
    ("统一社会信用代码", "credit_code", True, "18 位，用于识别企业", "91320923MA1XXXXXXX"),
    ("企业名称", "name", False, "仅供核对", "阜宁县示例玻璃制品有限公司"),
    ("行业代码", "industry", False, "GB/T 4754-2017 四位小类代码；留空取企业登记的行业", "3054"),
    ("镇街代码", "town", False, "9 位区划代码；留空取企业登记的镇街", "320923115"),
    ("职工人数", "headcount", True, "调查基准月末在岗职工人数", "36"),
    ("带薪年休假天数", "paid_leave_days", False, "职工平均可享受的天数", "5"),
    ("补充医疗保险", "supplementary_medical", False, "是/否", "否"),
    ("企业年金（补充养老）", "enterprise_annuity", False, "是/否", "否"),
    ("餐费补贴（元/月）", "meal_allowance", False, "人均每月", "300"),
    ("交通补贴（元/月）", "transport_allowance", False, "人均每月", "0"),
    ("住房补贴（元/月）", "housing_allowance", False, "人均每月", "0"),
    ("高温津贴（元/月）", "high_temperature_allowance", False, "发放月份的人均月标准", "300"),
]

EDUCATION = {
    "初中及以下": "junior",
    "初中": "junior",
    "小学": "junior",
    "高中": "senior",
    "中专": "senior",
    "技校": "senior",
    "高中/中专/技校": "senior",
    "大专": "college",
    "本科": "bachelor",
    "硕士": "master",
    "博士": "master",
    "硕士及以上": "master",
    "研究生": "master",
    "": "",
}

ROW_COLUMNS = [
    excel.ImportColumn(
        "职业代码", "occupation", help="职业分类大典（2022）细类代码，如 6-28-01-01", example="6-28-01-01"
    ),
    excel.ImportColumn("岗位等级", "level", help="本次调查规定的岗位等级之一", example="生产操作人员"),
    excel.ImportColumn(
        "学历",
        "education",
        required=False,
        help="初中及以下、高中/中专/技校、大专、本科、硕士及以上",
        example="高中/中专/技校",
    ),
    excel.ImportColumn("月基本工资（元）", "monthly_base_pay", help="调查基准月的基本工资", example="3200"),
    excel.ImportColumn(
        "月津贴补贴（元）", "monthly_allowances", required=False, help="基准月发放的津贴补贴", example="400"
    ),
    excel.ImportColumn("月加班工资（元）", "monthly_overtime_pay", required=False, example="500"),
    excel.ImportColumn("年奖金（元）", "annual_bonus", required=False, help="上年度全年奖金", example="6000"),
    excel.ImportColumn(
        "年工资总额（元）",
        "annual_total_pay",
        help="工资价位：基本工资+奖金+津贴补贴+加班工资+特殊情况下支付的工资，全年合计",
        example="54000",
    ),
    excel.ImportColumn("周工作小时", "weekly_hours", help="平均每周实际工作小时", example="44"),
    excel.ImportColumn("权数", "weight", required=False, help="抽样调查的权数；全部普查请留空", example=""),
]

MAX_WEEKLY_HOURS = 84  # 12 hours a day, 7 days: more is not a working week
LONG_WEEKLY_HOURS = 60
MAX_MONTHLY_PAY = Decimal("1000000")
OUTLIER_MADS = 4.0  # log-pay farther than this many scaled MADs from the enterprise's median
_YES = {"是", "有", "Y", "YES", "TRUE", "1"}
_NO = {"", "否", "无", "N", "NO", "FALSE", "0"}

FLAG_LABELS = {
    "below_min_wage": "低于当地最低工资标准",
    "duplicate": "与其他行完全相同",
    "outlier_high": "工资明显高于本企业其他职工",
    "outlier_low": "工资明显低于本企业其他职工",
    "annual_inconsistent": "年工资总额与月工资明显不符",
    "long_hours": "周工作小时超过 60",
}


@dataclass
class ReturnReport:
    """What one import found: errors (nothing written) and flags (written, to review)."""

    enterprise: str = ""
    rows: int = 0
    errors: list[excel.RowError] = field(default_factory=list)
    flags: list[excel.RowError] = field(default_factory=list)
    written: bool = False
    ret: EnterpriseReturn | None = None

    @property
    def ok(self):
        return not self.errors

    def as_json(self):
        return {
            "rows": self.rows,
            "errors": [e.__dict__ for e in self.errors],
            "flags": [f.__dict__ for f in self.flags],
        }


def template_workbook(rnd):
    """The blank template of a round: the facts sheet, the rows sheet and the instructions."""
    wb = Workbook()
    facts = wb.active
    facts.title = FACTS_SHEET
    facts.append(["项目", "填写内容", "说明"])
    for label, _, required, help_text, example in FACTS:
        facts.append([label, example, ("必填。" if required else "") + help_text])
    facts.column_dimensions["A"].width = 24
    facts.column_dimensions["B"].width = 28
    facts.column_dimensions["C"].width = 50
    for i in range(1, 4):
        facts.cell(row=1, column=i).font = Font(bold=True)
    rows = wb.create_sheet(ROWS_SHEET)
    rows.append([c.header for c in ROW_COLUMNS])
    rows.append(
        [c.example if c.key != "level" else (rnd.levels or ["生产操作人员"])[-1] for c in ROW_COLUMNS]
    )
    for i, col in enumerate(ROW_COLUMNS, start=1):
        cell = rows.cell(row=1, column=i)
        cell.font = Font(bold=True)
        if col.required:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
        rows.column_dimensions[get_column_letter(i)].width = max(12, len(col.header) * 2 + 2)
    _help_sheet(
        wb,
        [
            f"调查：{rnd}；调查基准月：{rnd.reference_month:%Y年%m月}；当地月最低工资标准：{rnd.min_wage} 元。",
            "岗位等级可填：" + "、".join(rnd.levels),
            "本表不填姓名、身份证号等个人信息：每名职工一行，只填统计所需的项目。",
            "“职工工资”表第 2 行是示例，导入前请删除或覆盖。",
            "有错误时整个文件不导入；低于最低工资、重复行、异常值等只标记待复核，照常导入。",
            "同一企业重新上传会替换之前上传的职工记录。",
        ],
    )
    return excel._bytes(wb)


def _help_sheet(wb, notes):
    """The 填写说明 sheet of a template: each employee column with whether it is required, then notes."""
    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列名", "是否必填", "说明"])
    for col in ROW_COLUMNS:
        help_ws.append([col.header, "必填" if col.required else "选填", col.help])
    for note in ["", *notes]:
        help_ws.append([note])
    help_ws.column_dimensions["A"].width = 22
    help_ws.column_dimensions["C"].width = 80


# --- reading ------------------------------------------------------------------------------------


def _open(fileobj):
    data = fileobj.read(settings.GONGHUI_MAX_UPLOAD_BYTES + 1)
    if len(data) > settings.GONGHUI_MAX_UPLOAD_BYTES:
        raise excel.FileRejected(
            f"文件超过 {settings.GONGHUI_MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请拆分后再导入。"
        )
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise excel.FileRejected("文件不是 Excel（.xlsx）格式。请使用下载的模板，另存为 .xlsx 后再导入。")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on broken files
        raise excel.FileRejected(f"无法读取 Excel 文件：{type(exc).__name__}。请确认文件未损坏。") from exc


def _value(cell, sheet, row_number, header):
    raw = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or (isinstance(raw, str) and raw.startswith("=")):
        raise excel.FileRejected(
            f"“{sheet}”表第 {row_number} 行“{header}”含有公式。请把公式转为数值（选择性粘贴为值）再导入。"
        )
    text = excel._cell_text(raw)
    if len(text) > excel.MAX_CELL_CHARS:
        raise excel.FileRejected(f"“{sheet}”表第 {row_number} 行“{header}”内容过长。")
    return text


def read_workbook(fileobj):
    """(facts {key: text}, rows [(row_number, {key: text})]) or FileRejected."""
    wb = _open(fileobj)
    try:
        names = wb.sheetnames
        missing = [s for s in (FACTS_SHEET, ROWS_SHEET) if s not in names]
        if missing:
            raise excel.FileRejected("缺少工作表：" + "、".join(missing) + "。请使用本次调查下载的模板。")
        by_label = {label: key for label, key, *_ in FACTS}
        facts = {}
        for row_number, cells in enumerate(wb[FACTS_SHEET].iter_rows(min_row=2), start=2):
            if not cells:
                continue
            label = _value(cells[0], FACTS_SHEET, row_number, "项目")
            if not label:
                continue
            if label not in by_label:
                raise excel.FileRejected(f"“{FACTS_SHEET}”表第 {row_number} 行的项目“{label}”无法识别。")
            facts[by_label[label]] = (
                _value(cells[1], FACTS_SHEET, row_number, label) if len(cells) > 1 else ""
            )
        absent = [label for label, key, required, *_ in FACTS if required and key not in facts]
        if absent:
            raise excel.FileRejected(f"“{FACTS_SHEET}”表缺少项目：" + "、".join(absent) + "。")
        return facts, _read_rows_sheet(wb[ROWS_SHEET])
    finally:
        wb.close()


def _read_rows_sheet(sheet):
    """[(row_number, {key: text})] of the employee sheet, or FileRejected (headers, formulas, size)."""
    it = sheet.iter_rows()
    index = excel.header_index(next(it, None), ROW_COLUMNS, f"“{ROWS_SHEET}”表的表头与模板不一致（{{}}）。")
    rows, blank_run = [], 0
    for row_number, cells in enumerate(it, start=2):
        values, blank = {}, True
        for col in ROW_COLUMNS:
            i = index[col.header]
            text = _value(cells[i] if i < len(cells) else None, ROWS_SHEET, row_number, col.header)
            values[col.key] = text
            blank = blank and not text
        if blank:
            blank_run += 1
            if blank_run >= excel.MAX_TRAILING_BLANK_ROWS:
                break
            continue
        blank_run = 0
        rows.append((row_number, values))
        if len(rows) > excel.MAX_ROWS:
            raise excel.FileRejected(f"一个文件最多 {excel.MAX_ROWS} 行职工记录，请拆分。")
    if not rows:
        raise excel.FileRejected(f"“{ROWS_SHEET}”表中没有职工记录。")
    return rows


# --- checking -----------------------------------------------------------------------------------


def _money(text, header, errors, *, required=False, positive=False):
    if not text:
        if required:
            errors[header] = "必填，不能为空。"
        return Decimal("0")
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        errors[header] = f"“{text}”不是数字。"
        return Decimal("0")
    if not value.is_finite() or value < 0 or (positive and value == 0):
        errors[header] = f"“{text}”不是有效金额（{'应大于 0' if positive else '不能为负数'}）。"
        return Decimal("0")
    if value > MAX_MONTHLY_PAY * 100:
        errors[header] = f"“{text}”超出合理范围。"
        return Decimal("0")
    return value.quantize(Decimal("0.01"))


class ReturnChecker:
    def __init__(self, user, rnd):
        self.user = user
        self.round = rnd
        self.levels = set(rnd.levels)
        self.occupations = dict(Occupation.objects.filter(level__gte=3).values_list("code", "level"))
        self.classes = set(Industry.objects.filter(level=Industry.Level.CLASS).values_list("code", flat=True))

    def facts(self, v, report):
        errors = {}
        code = codes.normalize_credit_code(v.get("credit_code", ""))
        enterprise = (
            Enterprise.objects.filter(credit_code=code).select_related("union").first() if code else None
        )
        if enterprise is None:
            raise excel.FileRejected(f"找不到统一社会信用代码为“{code}”的企业，请先在“企业”中登记。")
        if not scoped(Enterprise.objects.filter(pk=enterprise.pk), self.user).exists():
            raise PermissionDenied("该企业不在您的管辖范围内，不能替其上报。")
        report.enterprise = str(enterprise)
        out = {}
        industry = v.get("industry") or enterprise.industry_id
        if industry not in self.classes:
            errors["行业代码"] = f"“{industry}”不是 GB/T 4754-2017 的四位小类代码。"
        out["industry_id"] = industry
        town = v.get("town") or enterprise.town_id
        if not Region.objects.filter(code=town, level=Region.Level.TOWN).exists():
            errors["镇街代码"] = f"“{town}”不是已登记的镇街代码。"
        out["town_id"] = town
        try:
            out["headcount"] = int(v.get("headcount") or "x")
            if not 0 < out["headcount"] <= 1_000_000:
                raise ValueError
        except ValueError:
            errors["职工人数"] = f"“{v.get('headcount', '')}”不是有效的职工人数（正整数）。"
        try:
            out["paid_leave_days"] = int(v.get("paid_leave_days") or 0)
            if not 0 <= out["paid_leave_days"] <= 60:
                raise ValueError
        except ValueError:
            errors["带薪年休假天数"] = "应为 0 到 60 之间的整数。"
        for label, key in (
            ("补充医疗保险", "supplementary_medical"),
            ("企业年金（补充养老）", "enterprise_annuity"),
        ):
            text = v.get(key, "").upper()
            if text not in _YES and text not in _NO:
                errors[label] = "请填写“是”或“否”。"
            out[key] = text in _YES
        for label, key, *_ in FACTS[8:]:
            out[key] = _money(v.get(key, ""), label, errors)
        for header, message in errors.items():
            report.errors.append(excel.RowError(0, f"{FACTS_SHEET}·{header}", message))
        return enterprise, out

    def row(self, row_number, v, errors_out):
        errors = {}
        for col in ROW_COLUMNS:
            if col.required and not v[col.key]:
                errors[col.header] = "必填，不能为空。"
        occ = v["occupation"].strip()
        if occ and occ not in self.occupations:
            errors["职业代码"] = f"“{occ}”不是职业分类大典（2022）的细类或小类代码。"
        if v["level"] and v["level"] not in self.levels:
            errors["岗位等级"] = f"“{v['level']}”不是本次调查的岗位等级（{'、'.join(self.round.levels)}）。"
        education = EDUCATION.get(v["education"])
        if education is None:
            errors["学历"] = "请填写初中及以下、高中/中专/技校、大专、本科或硕士及以上。"
        base = _money(v["monthly_base_pay"], "月基本工资（元）", errors, required=True, positive=True)
        allow = _money(v["monthly_allowances"], "月津贴补贴（元）", errors)
        over = _money(v["monthly_overtime_pay"], "月加班工资（元）", errors)
        bonus = _money(v["annual_bonus"], "年奖金（元）", errors)
        total = _money(v["annual_total_pay"], "年工资总额（元）", errors, required=True, positive=True)
        if base + allow + over > MAX_MONTHLY_PAY:
            errors["月基本工资（元）"] = "月工资超过 100 万元，请核实单位（元）。"
        if total and bonus and total < bonus:
            errors["年工资总额（元）"] = "年工资总额包含年奖金，不能小于年奖金。"
        hours = None
        if v["weekly_hours"]:
            try:
                hours = Decimal(v["weekly_hours"])
                if not hours.is_finite() or hours <= 0 or hours > MAX_WEEKLY_HOURS:
                    raise InvalidOperation
            except InvalidOperation:
                errors["周工作小时"] = f"“{v['weekly_hours']}”不是可能的周工作小时（1～{MAX_WEEKLY_HOURS}）。"
                hours = None
        weight = None
        if v["weight"]:
            try:
                weight = Decimal(v["weight"])
                if not weight.is_finite() or weight <= 0 or weight > 100000:
                    raise InvalidOperation
            except InvalidOperation:
                errors["权数"] = f"“{v['weight']}”不是有效权数（正数）。"
        for header, message in errors.items():
            errors_out.append(excel.RowError(row_number, f"{ROWS_SHEET}·{header}", message))
        if errors:
            return None
        return {
            "line": row_number,
            "occupation_id": occ,
            "level": v["level"],
            "education": education,
            "monthly_base_pay": base,
            "monthly_allowances": allow,
            "monthly_overtime_pay": over,
            "annual_bonus": bonus,
            "annual_total_pay": total,
            "weekly_hours": hours.quantize(Decimal("0.1")),
            "weight": weight,
        }

    def flags(self, rows):
        """Flags per line: kept with the rows for the federation's review."""
        flags = {r["line"]: [] for r in rows}
        min_wage = self.round.min_wage
        seen = {}
        for r in rows:
            monthly = r["monthly_base_pay"] + r["monthly_allowances"] + r["monthly_overtime_pay"]
            # The minimum wage is for standard hours; the base pay of a full-time post must reach it.
            if r["weekly_hours"] >= 40 and r["monthly_base_pay"] + r["monthly_allowances"] < min_wage:
                flags[r["line"]].append("below_min_wage")
            if r["weekly_hours"] > LONG_WEEKLY_HOURS:
                flags[r["line"]].append("long_hours")
            ratio = float(r["annual_total_pay"]) / float(monthly) if monthly else 0
            if not 4 <= ratio <= 40:
                flags[r["line"]].append("annual_inconsistent")
            key = tuple(v for k, v in r.items() if k != "line")
            if key in seen:
                flags[r["line"]].append("duplicate")
                if "duplicate" not in flags[seen[key]]:
                    flags[seen[key]].append("duplicate")
            else:
                seen[key] = r["line"]
        if len(rows) >= 5:
            logs = [
                math.log(float(r["monthly_base_pay"] + r["monthly_allowances"] + r["monthly_overtime_pay"]))
                for r in rows
            ]
            ordered = sorted(logs)
            median = ordered[len(ordered) // 2]
            mad = sorted(abs(x - median) for x in logs)[len(logs) // 2] * 1.4826
            mad = max(mad, 0.1)  # a flat pay scale is no reason to flag the slightly different
            for r, x in zip(rows, logs, strict=True):
                if x - median > OUTLIER_MADS * mad:
                    flags[r["line"]].append("outlier_high")
                elif median - x > OUTLIER_MADS * mad:
                    flags[r["line"]].append("outlier_low")
        return flags


def import_return(user, rnd, fileobj):
    """Check one enterprise's workbook and, if it has no errors, write it whole.

    Raises excel.FileRejected (malformed file) or PermissionDenied; returns a ReturnReport."""
    if not user.has_perm("bargaining.import_survey"):
        raise PermissionDenied("没有上传工资调查表的权限。")
    require_perm(user, EnterpriseReturn, "add")
    services._check_round_open(user, rnd)
    facts_text, rows_text = read_workbook(fileobj)
    checker = ReturnChecker(user, rnd)
    report = ReturnReport(rows=len(rows_text))
    enterprise, facts = checker.facts(facts_text, report)
    rows = []
    for row_number, values in rows_text:
        row = checker.row(row_number, values, report.errors)
        if row is not None:
            rows.append(row)
    if "headcount" in facts and len(rows_text) > facts["headcount"]:
        report.errors.append(
            excel.RowError(
                0,
                f"{FACTS_SHEET}·职工人数",
                f"职工记录 {len(rows_text)} 行，多于填报的职工人数 {facts['headcount']} 人。",
            )
        )
    if report.errors:
        return report
    flags = checker.flags(rows)
    for line, names in sorted(flags.items()):
        for name in names:
            report.flags.append(excel.RowError(line, ROWS_SHEET, FLAG_LABELS[name]))
    with transaction.atomic():
        ret = EnterpriseReturn.objects.select_for_update().filter(
            round=rnd, enterprise=enterprise
        ).first() or EnterpriseReturn(round=rnd, enterprise=enterprise)
        try:
            services.replace_rows(user, ret, facts, rows, flags, report.as_json())
        except ValidationError as exc:
            for message in exc.messages:
                report.errors.append(excel.RowError(0, FACTS_SHEET, message))
            transaction.set_rollback(True)
            return report
    report.written = True
    report.ret = ret
    return report


# --- a chair's own pay table, compared with the market and never stored ------------------------------


@dataclass
class PayTableReport:
    """What a pay-table upload found: row/column errors (nothing compared) or the checked rows."""

    rows: int = 0
    errors: list[excel.RowError] = field(default_factory=list)
    flags: list[excel.RowError] = field(default_factory=list)
    checked: list[dict] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


def pay_table_template(rnd):
    """The employee sheet of the round's template and its instructions, without the facts sheet:
    what a chair fills in to compare their own pay table with the market."""
    wb = load_workbook(io.BytesIO(template_workbook(rnd)))
    del wb[FACTS_SHEET]
    del wb["填写说明"]
    _help_sheet(
        wb,
        [
            "本表只用于与已公布的薪酬参考信息比较：上传后当场计算，不保存，也不作为工资调查数据上报。",
            f"参照：{rnd}；岗位等级可填：" + "、".join(rnd.levels),
            "月工资按基本工资、津贴补贴、加班工资之和比较；年工资按年工资总额比较。",
            "本表不填姓名、身份证号等个人信息：每名职工一行。“职工工资”表第 2 行是示例，请删除或覆盖。",
            "有错误时不作比较，页面列出出错的行和列。",
        ],
    )
    return excel._bytes(wb)


def read_pay_table(user, rnd, fileobj):
    """Read and check a pay table (the template's 职工工资 sheet; a 企业情况 sheet, if present, is
    ignored) with the survey's row checks against the round's levels. Nothing is written.

    Raises excel.FileRejected for a malformed file; returns a PayTableReport."""
    wb = _open(fileobj)
    try:
        if ROWS_SHEET not in wb.sheetnames:
            raise excel.FileRejected(f"缺少工作表：{ROWS_SHEET}。请使用下载的工资表模板。")
        rows_text = _read_rows_sheet(wb[ROWS_SHEET])
    finally:
        wb.close()
    checker = ReturnChecker(user, rnd)
    report = PayTableReport(rows=len(rows_text))
    for row_number, values in rows_text:
        row = checker.row(row_number, values, report.errors)
        if row is not None:
            report.checked.append(row)
    if report.errors:
        report.checked = []
        return report
    # the survey's review flags, shown to the chair (pay below the minimum wage is an argument too)
    for line, names in sorted(checker.flags(report.checked).items()):
        for name in names:
            report.flags.append(excel.RowError(line, ROWS_SHEET, FLAG_LABELS[name]))
    return report


def flag_labels(flags):
    return "、".join(FLAG_LABELS.get(f, f) for f in flags)


__all__ = [
    "EmployeeRow",
    "import_return",
    "template_workbook",
    "flag_labels",
    "ReturnReport",
    "read_pay_table",
    "pay_table_template",
]
