"""core.excel: reading an import file cell by cell, and exports that are safe to open."""

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from gonghui.core import excel

COLUMNS = [
    excel.ImportColumn("名称", "name"),
    excel.ImportColumn("人数", "count"),
    excel.ImportColumn("备注", "note", required=False),
]


def book(*rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_rows_are_numbered_as_the_spreadsheet_shows_them_and_blank_rows_skipped():
    rows = excel.read_rows(
        book(["名称", "人数", "备注"], ["甲", 3, None], [None, None, None], ["乙", 4, "x"]), COLUMNS
    )
    assert rows == [
        (2, {"name": "甲", "count": "3", "note": ""}),
        (4, {"name": "乙", "count": "4", "note": "x"}),
    ]


def test_columns_may_come_in_any_order_and_trailing_empty_headers_are_ignored():
    rows = excel.read_rows(book(["备注", "人数", "名称", None], ["x", 1, "甲"]), COLUMNS)
    assert rows == [(2, {"name": "甲", "count": "1", "note": "x"})]


def test_cells_are_read_as_text():
    assert excel._cell_text(36.0) == "36"
    assert excel._cell_text(36.5) == "36.5"
    assert excel._cell_text(datetime(2024, 5, 1, 0, 0)) == "2024-05-01"
    assert excel._cell_text(date(2024, 5, 1)) == "2024-05-01"
    assert excel._cell_text("  益林镇 ") == "益林镇"
    assert excel._cell_text(None) == ""


def test_a_text_cell_that_looks_like_a_formula_is_refused():
    with pytest.raises(excel.FileRejected, match="含有公式"):
        excel.read_rows(book(["名称", "人数", "备注"], ["甲", "=SUM(A1:A2)", None]), COLUMNS)


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    content = book(["名称", "人数", "备注"], *[[f"企业{i}", i, None] for i in range(5)])
    with pytest.raises(excel.FileRejected, match="一次最多导入 3 行"):
        excel.read_rows(content, COLUMNS)


def test_the_report_counts_bad_rows_once_however_many_errors_they_have():
    report = excel.ImportReport(
        errors=[
            excel.RowError(2, "名称", "必填"),
            excel.RowError(2, "人数", "不是数字"),
            excel.RowError(5, "", "x"),
        ]
    )
    assert report.bad_rows == 2
    assert not report.ok


def test_an_export_defuses_text_that_would_run_as_a_formula():
    content = excel.export_workbook(
        "企业", ["名称", "人数"], [['=HYPERLINK("http://x")', 3], ["+1", 4], ["正常", 5]]
    )
    sheet = load_workbook(io.BytesIO(content)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ("名称", "人数")
    assert values[1] == ('\'=HYPERLINK("http://x")', 3)
    assert values[2] == ("'+1", 4)
    assert values[3] == ("正常", 5)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_export_writes_dates_and_objects_readably():
    class Thing:
        def __str__(self):
            return "某物"

    content = excel.export_workbook("表", ["a", "b", "c"], [[date(2024, 5, 1), Thing(), None]])
    row = list(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))[0]
    assert row[0].date() == date(2024, 5, 1)
    assert row[1] == "某物"
    assert row[2] is None


def test_the_template_marks_required_columns_and_explains_each():
    content = excel.template_workbook("企业", COLUMNS, ["说明一行"])
    wb = load_workbook(io.BytesIO(content))
    assert [c.value for c in wb["企业"][1]] == ["名称", "人数", "备注"]
    help_rows = list(wb["填写说明"].iter_rows(values_only=True))
    assert help_rows[1][:2] == ("名称", "必填")
    assert help_rows[3][:2] == ("备注", "选填")
    assert ("说明一行",) == help_rows[-1][:1]
