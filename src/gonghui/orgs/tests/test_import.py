"""Excel import of enterprises and members: every good row is taken, every bad row is reported with
its row, column and a reason in Chinese, the same file can be imported again without duplicates,
and a malformed file is refused whole with nothing changed."""

import io
import re
import zipfile

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from gonghui.core import codes, excel
from gonghui.core.models import AuditEntry
from gonghui.core.testing import TOWN_A, TOWN_B, build_world, make_enterprise, make_member, make_user
from gonghui.orgs import imports
from gonghui.orgs.models import Enterprise, Member

ENTERPRISE_HEADERS = [c.header for c in imports.ENTERPRISE_COLUMNS]
MEMBER_HEADERS = [c.header for c in imports.MEMBER_COLUMNS]


def workbook_bytes(headers, rows, *, extra=None):
    wb = Workbook()
    ws = wb.active
    if headers is not None:
        ws.append(headers)
    for row in rows:
        ws.append(row)
    if extra:
        extra(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_blank_rows(content, *, first, count, dimension=None):
    """The workbook with `count` formatted-but-empty rows from row `first` on, as spreadsheet
    programs leave behind, and optionally a declared used range of `dimension` rows."""
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                blank = "".join(
                    f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(first, first + count)
                )
                xml = xml.replace("</sheetData>", blank + "</sheetData>").replace(
                    "<sheetData/>", f"<sheetData>{blank}</sheetData>"
                )
                last = dimension or (first + count - 1)
                xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:I{last}"/>', xml)
                data = xml.encode()
            dst.writestr(item, data)
    return out.getvalue()


def upload(content, name="导入.xlsx"):
    return SimpleUploadedFile(name, content)


def enterprise_row(seed, *, name=None, town=TOWN_A, industry="3054", headcount=30, own="否", code=None):
    return [
        name or f"导入测试企业{seed}有限公司",
        code or codes.make_credit_code(f"import-{seed}"),
        town,
        "益林镇工业园区",
        119.59,
        33.78,
        industry,
        headcount,
        own,
    ]


def member_row(seq, union="益林镇工会", *, name=None, id_number=None, phone=None, enterprise=""):
    from datetime import date

    return [
        name or f"会员{seq}",
        id_number or codes.make_id_number("320923", date(1990, 3, 1 + seq % 28), seq),
        phone if phone is not None else f"139{seq:08d}",
        enterprise,
        union,
        "2024-05-01",
        "",
    ]


class ImportTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.cadre = make_user(cls.world.town_a, role="town_cadre", username="cadre_a")

    def run_import(self, kind, content, user=None):
        return imports.run_import(user or self.cadre, kind, io.BytesIO(content))

    def errors_by_row(self, report):
        out = {}
        for e in report.errors:
            out.setdefault(e.row, []).append((e.column, e.message))
        return out


class EnterpriseImportTest(ImportTestCase):
    def test_a_good_file_creates_every_enterprise_under_its_town_union(self):
        content = workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(i) for i in range(1, 6)])
        report = self.run_import("enterprises", content)
        self.assertTrue(report.ok, report.errors)
        self.assertEqual((report.created, report.updated, report.unchanged), (5, 0, 0))
        imported = Enterprise.objects.filter(name__startswith="导入测试企业")
        self.assertEqual(imported.count(), 5)
        self.assertEqual({e.union for e in imported}, {self.world.town_a})
        self.assertEqual(
            AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, note__contains="新建").count(), 5
        )

    def test_bad_rows_are_reported_with_row_column_and_chinese_reason_and_good_rows_are_taken(self):
        good = enterprise_row(1)
        bad_check_char = enterprise_row(2)
        code = bad_check_char[1]
        bad_check_char[1] = code[:17] + ("0" if code[17] != "0" else "1")
        unknown_industry = enterprise_row(3, industry="9999")
        unknown_town = enterprise_row(4, town="320923999")
        bad_headcount = enterprise_row(5, headcount="三十")
        zero_headcount = enterprise_row(6, headcount=0)
        duplicate = enterprise_row(7, code=good[1], name="重复的企业")
        also_good = enterprise_row(8)
        rows = [good, bad_check_char, unknown_industry, unknown_town, bad_headcount, zero_headcount]
        rows += [duplicate, also_good]
        report = self.run_import("enterprises", workbook_bytes(ENTERPRISE_HEADERS, rows))

        self.assertEqual(report.created, 2)
        self.assertEqual(report.bad_rows, 6)
        errors = self.errors_by_row(report)
        # Row numbers are the spreadsheet's: the header is row 1, the first data row is row 2.
        self.assertEqual(sorted(errors), [3, 4, 5, 6, 7, 8])
        self.assertEqual(errors[3], [("统一社会信用代码", "统一社会信用代码校验码错误，请核对是否输错")])
        self.assertEqual(errors[4][0][0], "行业代码")
        self.assertIn("不是 GB/T 4754-2017 的四位小类代码", errors[4][0][1])
        self.assertEqual(errors[5], [("镇街代码", "“320923999”不是已登记的镇街代码。")])
        self.assertEqual(errors[6][0][0], "职工人数")
        self.assertIn("不是有效的职工人数", errors[6][0][1])
        self.assertEqual(errors[7][0][0], "职工人数")
        self.assertEqual(errors[8], [("统一社会信用代码", "与第 2 行重复。")])
        self.assertEqual(
            set(
                Enterprise.objects.filter(name__startswith="导入测试企业").values_list(
                    "credit_code", flat=True
                )
            ),
            {good[1], also_good[1]},
        )

    def test_a_missing_required_cell_is_reported(self):
        row = enterprise_row(1)
        row[0] = None
        report = self.run_import("enterprises", workbook_bytes(ENTERPRISE_HEADERS, [row]))
        self.assertEqual(report.created, 0)
        self.assertEqual(
            [(e.row, e.column, e.message) for e in report.errors], [(2, "企业名称", "必填，不能为空。")]
        )

    def test_importing_the_same_file_again_creates_no_duplicates(self):
        content = workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(i) for i in range(1, 4)])
        self.run_import("enterprises", content)
        report = self.run_import("enterprises", content)
        self.assertEqual((report.created, report.updated, report.unchanged), (0, 0, 3))
        self.assertEqual(Enterprise.objects.filter(name__startswith="导入测试企业").count(), 3)

    def test_a_changed_row_updates_the_enterprise_in_place_and_audits_the_change(self):
        self.run_import(
            "enterprises", workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(1), enterprise_row(2)])
        )
        changed = enterprise_row(1, headcount=60)
        report = self.run_import(
            "enterprises", workbook_bytes(ENTERPRISE_HEADERS, [changed, enterprise_row(2)])
        )
        self.assertEqual((report.created, report.updated, report.unchanged), (0, 1, 1))
        enterprise = Enterprise.objects.get(credit_code=changed[1])
        self.assertEqual(enterprise.headcount, 60)
        entry = AuditEntry.objects.filter(object_id=str(enterprise.pk), note__contains="更新").get()
        self.assertEqual(entry.changes["headcount"], [30, 60])

    def test_lower_case_and_blanks_in_a_credit_code_are_accepted(self):
        row = enterprise_row(1)
        code = row[1]
        row[1] = " " + code[:9].lower() + " " + code[9:]
        report = self.run_import("enterprises", workbook_bytes(ENTERPRISE_HEADERS, [row]))
        self.assertTrue(report.ok, report.errors)
        self.assertTrue(Enterprise.objects.filter(credit_code=code).exists())

    def test_a_cadre_cannot_import_into_another_town(self):
        report = self.run_import(
            "enterprises",
            workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(1), enterprise_row(2, town=TOWN_B)]),
        )
        self.assertEqual(report.created, 1)
        self.assertEqual(
            [(e.row, e.column) for e in report.errors],
            [(3, "镇街代码")],
        )
        self.assertIn("不在您的管辖范围内", report.errors[0].message)
        self.assertFalse(Enterprise.objects.filter(town_id=TOWN_B, name__startswith="导入测试企业").exists())

    def test_a_cadre_cannot_overwrite_another_towns_enterprise_by_its_credit_code(self):
        theirs = self.world.enterprise_b
        row = enterprise_row(1, code=theirs.credit_code, name="改名企图")
        report = self.run_import("enterprises", workbook_bytes(ENTERPRISE_HEADERS, [row]))
        self.assertEqual(report.created + report.updated, 0)
        self.assertIn("不在您的管辖范围内", report.errors[0].message)
        theirs.refresh_from_db()
        self.assertNotEqual(theirs.name, "改名企图")

    def test_a_user_without_import_permission_is_refused(self):
        viewer = make_user(self.world.town_a, "orgs.view_enterprise", "orgs.add_enterprise")
        content = workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(1)])
        with self.assertRaises(PermissionDenied):
            self.run_import("enterprises", content, user=viewer)
        self.client.force_login(viewer)
        response = self.client.post(reverse("orgs:import", args=["enterprises"]), {"file": upload(content)})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.get(reverse("orgs:import", args=["enterprises"])).status_code, 403)
        self.assertFalse(Enterprise.objects.filter(name__startswith="导入测试企业").exists())

    def test_a_worker_cannot_import(self):
        member = make_member(self.world.union_a)
        worker = make_user(self.world.union_a, role="worker", member=member)
        self.client.force_login(worker)
        content = workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(1)])
        response = self.client.post(reverse("orgs:import", args=["enterprises"]), {"file": upload(content)})
        self.assertEqual(response.status_code, 403)

    def test_the_import_page_shows_the_report(self):
        rows = [enterprise_row(1), enterprise_row(2, industry="12")]
        self.client.force_login(self.cadre)
        response = self.client.post(
            reverse("orgs:import", args=["enterprises"]),
            {"file": upload(workbook_bytes(ENTERPRISE_HEADERS, rows))},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "新建 1")
        self.assertContains(response, "有错误 1 行")
        self.assertContains(response, "<td>3</td><td>行业代码</td>", html=False)

    def test_an_unknown_import_kind_is_not_found(self):
        self.client.force_login(self.cadre)
        self.assertEqual(self.client.get(reverse("orgs:import", args=["cats"])).status_code, 404)


class TemplateDownloadTest(ImportTestCase):
    def test_the_template_has_the_import_columns_and_a_help_sheet(self):
        self.client.force_login(self.cadre)
        for kind, headers in (("enterprises", ENTERPRISE_HEADERS), ("members", MEMBER_HEADERS)):
            response = self.client.get(reverse("orgs:import", args=[kind]) + "?template=1")
            self.assertEqual(response.status_code, 200)
            self.assertIn("attachment", response["Content-Disposition"])
            wb = load_workbook(io.BytesIO(response.content))
            self.assertEqual([c.value for c in wb.worksheets[0][1]], headers)
            self.assertEqual(wb.worksheets[1].title, "填写说明")

    def test_the_filled_in_example_row_of_the_enterprise_template_is_reported_not_crashing(self):
        # The template's example row holds a placeholder credit code; importing it untouched must
        # give a row error, not a server error.
        content = imports.template_for("enterprises")
        report = self.run_import("enterprises", content)
        self.assertEqual(report.created, 0)
        self.assertEqual(report.errors[0].row, 2)


class MalformedFileTest(ImportTestCase):
    """A file that is not a well-formed import is refused whole: one clear message, nothing written."""

    def assertRefused(self, content, fragment, kind="enterprises"):
        enterprises, members, entries = (
            Enterprise.objects.count(),
            Member.objects.count(),
            AuditEntry.objects.count(),
        )
        with self.assertRaises(excel.FileRejected) as caught:
            self.run_import(kind, content)
        self.assertIn(fragment, str(caught.exception))
        self.assertEqual(
            (Enterprise.objects.count(), Member.objects.count(), AuditEntry.objects.count()),
            (enterprises, members, entries),
        )
        # The page says the same, with a 400 and the promise that nothing changed.
        self.client.force_login(self.cadre)
        response = self.client.post(reverse("orgs:import", args=[kind]), {"file": upload(content)})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "没有任何数据被修改", status_code=400)
        self.assertContains(response, fragment, status_code=400)
        self.assertEqual(Enterprise.objects.count(), enterprises)
        return str(caught.exception)

    def test_a_text_file_is_not_an_excel_file(self):
        self.assertRefused("名称,信用代码\n甲,乙\n".encode(), "文件不是 Excel（.xlsx）格式")

    def test_an_old_xls_file_is_not_accepted(self):
        ole_header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
        self.assertRefused(ole_header, "文件不是 Excel（.xlsx）格式")

    def test_a_zip_that_is_not_a_workbook_cannot_be_read(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("readme.txt", "not a workbook")
        self.assertRefused(buf.getvalue(), "无法读取 Excel 文件")

    def test_an_empty_upload_is_refused(self):
        with self.assertRaises(excel.FileRejected):
            self.run_import("enterprises", b"")
        self.client.force_login(self.cadre)
        response = self.client.post(
            reverse("orgs:import", args=["enterprises"]), {"file": SimpleUploadedFile("空.xlsx", b"")}
        )
        self.assertContains(response, "提交的是空文件")
        self.assertFalse(Enterprise.objects.filter(name__startswith="导入测试企业").exists())

    def test_an_empty_workbook_lacks_every_column(self):
        self.assertRefused(workbook_bytes(None, []), "缺少列：企业名称")

    def test_a_header_without_data_rows_is_refused(self):
        self.assertRefused(workbook_bytes(ENTERPRISE_HEADERS, []), "文件中没有数据行")

    def test_wrong_columns_are_named(self):
        headers = ENTERPRISE_HEADERS[:-2] + ["备注"]
        message = self.assertRefused(
            workbook_bytes(headers, [enterprise_row(1)[:7] + ["x"]]), "表头与模板不一致"
        )
        self.assertIn("缺少列：职工人数、已单独建会", message)
        self.assertIn("无法识别的列：备注", message)

    def test_the_member_template_is_not_an_enterprise_file(self):
        self.assertRefused(workbook_bytes(MEMBER_HEADERS, [member_row(1)]), "表头与模板不一致")

    def test_a_formula_is_refused_with_its_place(self):
        rows = [enterprise_row(1), enterprise_row(2, headcount="=10*3")]
        self.assertRefused(workbook_bytes(ENTERPRISE_HEADERS, rows), "第 3 行“职工人数”列含有公式")

    def test_a_huge_cell_is_refused_with_its_place(self):
        rows = [enterprise_row(1, name="大" * 20_000)]
        self.assertRefused(workbook_bytes(ENTERPRISE_HEADERS, rows), "第 2 行“企业名称”列内容过长")

    def test_a_sheet_of_100000_empty_rows_is_refused_as_having_no_data(self):
        content = with_blank_rows(workbook_bytes(ENTERPRISE_HEADERS, []), first=2, count=100_000)
        self.assertRefused(content, "文件中没有数据行")

    def test_a_sheet_declaring_a_100000_row_range_is_refused_as_having_no_data(self):
        content = with_blank_rows(workbook_bytes(ENTERPRISE_HEADERS, []), first=2, count=0, dimension=100_001)
        self.assertRefused(content, "文件中没有数据行")

    def test_good_rows_above_100000_empty_rows_are_imported(self):
        content = workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(1), enterprise_row(2)])
        report = self.run_import("enterprises", with_blank_rows(content, first=4, count=100_000))
        self.assertEqual((report.created, report.total_rows), (2, 2))

    def test_a_row_below_a_long_gap_of_blank_rows_is_still_imported(self):
        def gap_then_row(ws):
            for r in range(3, 5_003):  # formatted but empty, as spreadsheet programs leave them
                ws.cell(row=r, column=1).number_format = "0"
            for column, value in enumerate(enterprise_row(2), start=1):
                ws.cell(row=5_003, column=column, value=value)

        content = workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(1)], extra=gap_then_row)
        report = self.run_import("enterprises", content)
        self.assertEqual((report.created, report.total_rows), (2, 2))

    def test_a_file_over_the_upload_limit_is_refused_before_parsing(self):
        with self.settings(GONGHUI_MAX_UPLOAD_BYTES=1024):
            content = workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(i) for i in range(50)])
            self.assertGreater(len(content), 1024)
            with self.assertRaises(excel.FileRejected) as caught:
                self.run_import("enterprises", content)
        self.assertIn("请拆分后再导入", str(caught.exception))


class MemberImportTest(ImportTestCase):
    def test_a_good_file_creates_every_member_with_encrypted_personal_data(self):
        enterprise = self.world.enterprise_a
        rows = [member_row(i, enterprise=enterprise.credit_code) for i in range(1, 5)]
        report = self.run_import("members", workbook_bytes(MEMBER_HEADERS, rows))
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(report.created, 4)
        member = Member.objects.get(name="会员1")
        self.assertEqual(member.id_number, rows[0][1])
        self.assertEqual(member.enterprise, enterprise)
        self.assertEqual(member.union, self.world.town_a)
        entry = AuditEntry.objects.get(object_id=str(member.pk), action=AuditEntry.Action.IMPORT)
        self.assertEqual(entry.changes["id_number"][1], codes.mask_id_number(rows[0][1]))

    def test_bad_rows_are_reported_and_good_rows_taken(self):
        good = member_row(1)
        bad_check_digit = member_row(2)
        last = bad_check_digit[1][-1]
        bad_check_digit[1] = bad_check_digit[1][:17] + ("0" if last != "0" else "1")
        duplicate = member_row(3, id_number=good[1], name="重复的人")
        other_union = member_row(4, union="乙镇工会")
        unknown_enterprise = member_row(5, enterprise=self.world.enterprise_b.credit_code)
        bad_phone = member_row(6, phone="12345")
        bad_date = member_row(7)
        bad_date[5] = "去年"
        rows = [good, bad_check_digit, duplicate, other_union, unknown_enterprise, bad_phone, bad_date]
        report = self.run_import("members", workbook_bytes(MEMBER_HEADERS, rows))
        self.assertEqual(report.created, 1)
        errors = self.errors_by_row(report)
        self.assertEqual(errors[3], [("身份证号", "身份证号码校验码错误，请核对是否输错")])
        self.assertEqual(errors[4], [("身份证号", "与第 2 行重复。")])
        self.assertEqual(errors[5], [("所在工会", "“乙镇工会”不是您管辖范围内的工会组织。")])
        self.assertEqual(errors[6], [("工作单位信用代码", "在您的管辖范围内找不到该信用代码的企业。")])
        self.assertEqual(errors[7][0][0], "手机号")
        self.assertEqual(errors[8][0][0], "入会日期")
        self.assertEqual(Member.objects.filter(name__startswith="会员").count(), 1)

    def test_importing_the_same_members_again_creates_no_duplicates(self):
        content = workbook_bytes(MEMBER_HEADERS, [member_row(i) for i in range(1, 4)])
        self.run_import("members", content)
        report = self.run_import("members", content)
        self.assertEqual((report.created, report.updated, report.unchanged), (0, 0, 3))
        changed = [member_row(1, phone="13900000000"), member_row(2), member_row(3)]
        report = self.run_import("members", workbook_bytes(MEMBER_HEADERS, changed))
        self.assertEqual((report.created, report.updated, report.unchanged), (0, 1, 2))
        self.assertEqual(Member.objects.filter(name__startswith="会员").count(), 3)
        self.assertEqual(Member.objects.get(name="会员1").phone, "13900000000")

    def test_a_member_of_another_town_is_not_taken_over_by_import(self):
        theirs = make_member(self.world.town_b)
        row = member_row(1, id_number=theirs.id_number, name="冒名")
        report = self.run_import("members", workbook_bytes(MEMBER_HEADERS, [row]))
        self.assertEqual(report.created + report.updated, 0)
        self.assertIn("请先办理会员转接", report.errors[0].message)
        theirs.refresh_from_db()
        self.assertEqual(theirs.union, self.world.town_b)

    def test_an_enterprise_chair_imports_only_into_their_own_union(self):
        chair = make_user(self.world.union_a, role="enterprise_chair")
        rows = [member_row(1, union="甲企业工会"), member_row(2, union="益林镇工会")]
        report = imports.run_import(chair, "members", io.BytesIO(workbook_bytes(MEMBER_HEADERS, rows)))
        self.assertEqual(report.created, 1)
        self.assertEqual([(e.row, e.column) for e in report.errors], [(3, "所在工会")])

    def test_an_enterprise_in_scope_is_found_by_its_credit_code(self):
        mine = make_enterprise(self.world.town_a, TOWN_A)
        report = self.run_import(
            "members", workbook_bytes(MEMBER_HEADERS, [member_row(1, enterprise=mine.credit_code)])
        )
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(Member.objects.get(name="会员1").enterprise, mine)
