"""Excel in and out: templates, validated all-or-report imports, scoped and masked exports.

An import is read completely and checked before anything is written. Malformed files (not xlsx,
wrong header, formulas, oversized cells, too many rows) are refused whole with one clear message;
well-formed files are written row by row inside one transaction, every bad row reported with its
row number, column name and reason, so the user fixes the report and imports the same file again
(which creates no duplicates, because every import upserts on a natural key).
"""

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

MAX_ROWS = 50_000
MAX_CELL_CHARS = 500
# Rows read at most (data and blank together): Excel's own sheet limit. Blank rows are skipped, never
# taken as the end of the data, so a row below a long gap is still imported.
MAX_SCANNED_ROWS = 1_048_576


class FileRejected(Exception):
    """The file as a whole cannot be imported; nothing was written."""


@dataclass(frozen=True)
class ImportColumn:
    header: str
    key: str
    required: bool = True
    help: str = ""
    example: Any = ""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0

    @property
    def ok(self):
        return not self.errors

    @property
    def bad_rows(self):
        return len({e.row for e in self.errors})


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_index(header_row, columns, message):
    """{header: column position} of a sheet's header row, or FileRejected naming the missing and
    unknown columns (`message` has one {} for them)."""
    headers = [_cell_text(c.value) for c in header_row] if header_row else []
    while headers and not headers[-1]:
        headers.pop()
    expected = [c.header for c in columns]
    missing = [h for h in expected if h not in headers]
    unknown = [h for h in headers if h and h not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("缺少列：" + "、".join(missing))
        if unknown:
            parts.append("无法识别的列：" + "、".join(unknown))
        raise FileRejected(message.format("；".join(parts)))
    return {h: i for i, h in enumerate(headers)}


def read_rows(fileobj, columns: list[ImportColumn]):
    """Yield (row_number, {key: text}) for every non-blank data row; raise FileRejected on a bad file."""
    data = fileobj.read(settings.GONGHUI_MAX_UPLOAD_BYTES + 1)
    if len(data) > settings.GONGHUI_MAX_UPLOAD_BYTES:
        raise FileRejected(
            f"文件超过 {settings.GONGHUI_MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请拆分后再导入。"
        )
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise FileRejected("文件不是 Excel（.xlsx）格式。请使用下载的模板，另存为 .xlsx 后再导入。")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on broken files
        raise FileRejected(f"无法读取 Excel 文件：{type(exc).__name__}。请确认文件未损坏。") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=False)
        index = header_index(next(rows, None), columns, "表头与模板不一致（{}）。请使用下载的模板。")
        result = []
        for row_number, cells in enumerate(rows, start=2):
            if row_number > MAX_SCANNED_ROWS:
                raise FileRejected(f"工作表超过 {MAX_SCANNED_ROWS} 行，不是有效的导入文件。")
            values = {}
            blank = True
            for col in columns:
                i = index[col.header]
                cell = cells[i] if i < len(cells) else None
                raw = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (isinstance(raw, str) and raw.startswith("=")):
                    raise FileRejected(
                        f"第 {row_number} 行“{col.header}”列含有公式。请把公式转为数值（复制后选择性粘贴为值）再导入。"
                    )
                text = _cell_text(raw)
                if len(text) > MAX_CELL_CHARS:
                    raise FileRejected(
                        f"第 {row_number} 行“{col.header}”列内容过长（{len(text)} 字，上限 {MAX_CELL_CHARS} 字）。"
                    )
                values[col.key] = text
                blank = blank and not text
            if blank:
                continue
            result.append((row_number, values))
            if len(result) > MAX_ROWS:
                raise FileRejected(f"一次最多导入 {MAX_ROWS} 行，请拆分文件。")
        if not result:
            raise FileRejected("文件中没有数据行。")
        return result
    finally:
        workbook.close()


def template_workbook(title, columns: list[ImportColumn], notes: list[str]):
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([c.header for c in columns])
    ws.append([c.example for c in columns])
    bold = Font(bold=True)
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = bold
        if col.required:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(col.header) * 2 + 4)
    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列名", "是否必填", "说明"])
    for col in columns:
        help_ws.append([col.header, "必填" if col.required else "选填", col.help])
    for note in notes:
        help_ws.append([note])
    help_ws.column_dimensions["A"].width = 20
    help_ws.column_dimensions["C"].width = 80
    return _bytes(wb)


def export_workbook(title, headers: list[str], rows):
    """Write-only workbook: memory stays flat however many rows the filtered list has."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(headers)
    for row in rows:
        ws.append([_safe(v) for v in row])
    return _bytes(wb)


def _safe(value):
    # A text beginning with = + - @ would run as a formula in the recipient's Excel (CSV/formula injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if hasattr(value, "pk") or not isinstance(value, (str, int, float, date, datetime, type(None), bool)):
        return str(value)
    return value


def _bytes(wb):
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run_rows(rows, handle_row: Callable[[int, dict], str], report: ImportReport):
    """Apply `handle_row` to every row; collect ValidationErrors as row errors.

    `handle_row` returns "created", "updated" or "unchanged", or raises ValidationError whose
    message_dict keys are column headers.
    """
    from django.db import transaction

    report.total_rows = len(rows)
    for row_number, values in rows:
        try:
            with transaction.atomic():  # a savepoint: a failing row leaves no trace
                outcome = handle_row(row_number, values)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for column, messages in exc.message_dict.items():
                    for message in messages:
                        report.errors.append(RowError(row_number, column, message))
            else:
                for message in exc.messages:
                    report.errors.append(RowError(row_number, "", message))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
