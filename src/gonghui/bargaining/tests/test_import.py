"""Importing an enterprise's salary survey workbook: good, bad and malformed files."""

import io

from django.core.exceptions import PermissionDenied
from django.test import TestCase

from gonghui.bargaining import imports
from gonghui.bargaining.models import EmployeeRow, EnterpriseReturn, Occupation
from gonghui.bargaining.tests.factories import good_row, make_round, varied_rows, workbook
from gonghui.core import excel
from gonghui.core.models import AuditEntry
from gonghui.core.testing import build_world, make_user
from gonghui.orgs.models import UnionOrg

UPLOAD = ("bargaining.import_survey", "bargaining.add_enterprisereturn", "bargaining.change_enterprisereturn")


class SurveyImportTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.round = make_round(cls.world.county)
        cls.cadre = make_user(cls.world.town_a, *UPLOAD)

    def upload(self, rows, user=None, **facts):
        f = workbook(self.round, self.world.enterprise_a.credit_code, rows, **facts)
        return imports.import_return(user or self.cadre, self.round, f)

    def test_occupation_table_of_2022_is_loaded(self):
        self.assertEqual(Occupation.objects.get(code="6-28-01-01").name, "锅炉运行值班员")
        self.assertEqual(Occupation.objects.get(code="6-28-01-01").parent_id, "6-28-01-00")
        self.assertGreater(Occupation.objects.filter(level=4).count(), 1500)

    def test_good_file_is_written_whole_and_audited(self):
        report = self.upload(varied_rows(12))
        self.assertTrue(report.ok, report.errors)
        self.assertTrue(report.written)
        ret = EnterpriseReturn.objects.get(round=self.round, enterprise=self.world.enterprise_a)
        self.assertEqual(ret.rows.count(), 12)
        self.assertEqual(ret.employee_count, 12)
        self.assertEqual(ret.meal_allowance, 300)  # from the template's facts sheet
        self.assertEqual(ret.uploaded_by, self.cadre)
        self.assertTrue(AuditEntry.objects.filter(action="import", object_id=str(ret.pk)).exists())

    def test_uploading_again_replaces_the_rows(self):
        self.upload(varied_rows(12))
        self.upload(varied_rows(7, seed=2))
        self.assertEqual(EnterpriseReturn.objects.filter(round=self.round).count(), 1)
        self.assertEqual(EmployeeRow.objects.filter(ret__round=self.round).count(), 7)

    def test_impossible_values_are_errors_and_nothing_is_written(self):
        rows = varied_rows(5) + [
            good_row(**{"月基本工资（元）": -5}),
            good_row(**{"周工作小时": 200}),
            good_row(**{"职业代码": "9-99-99-99"}),
            good_row(**{"岗位等级": "董事长"}),
            good_row(**{"年奖金（元）": 90000, "年工资总额（元）": 50000}),
            good_row(**{"月基本工资（元）": "三千"}),
        ]
        report = self.upload(rows)
        self.assertFalse(report.ok)
        self.assertFalse(report.written)
        columns = {(e.row, e.column) for e in report.errors}
        self.assertIn((7, "职工工资·月基本工资（元）"), columns)
        self.assertIn((8, "职工工资·周工作小时"), columns)
        self.assertIn((9, "职工工资·职业代码"), columns)
        self.assertIn((10, "职工工资·岗位等级"), columns)
        self.assertIn((11, "职工工资·年工资总额（元）"), columns)
        self.assertIn((12, "职工工资·月基本工资（元）"), columns)
        self.assertFalse(EnterpriseReturn.objects.exists())
        self.assertFalse(EmployeeRow.objects.exists())

    def test_a_bad_file_after_a_good_one_leaves_the_good_one_untouched(self):
        self.upload(varied_rows(12))
        report = self.upload(varied_rows(3) + [good_row(**{"周工作小时": 0})])
        self.assertFalse(report.ok)
        self.assertEqual(EmployeeRow.objects.filter(ret__round=self.round).count(), 12)

    def test_more_rows_than_headcount_is_an_error(self):
        report = self.upload(varied_rows(8), headcount=5)
        self.assertIn("企业情况·职工人数", {e.column for e in report.errors})
        self.assertFalse(EnterpriseReturn.objects.exists())

    def test_suspicious_rows_are_flagged_for_review_not_dropped(self):
        rows = varied_rows(10) + [
            good_row(**{"月基本工资（元）": 1500, "月津贴补贴（元）": 0, "年工资总额（元）": 20000}),
            good_row(**{"月基本工资（元）": 90000, "年工资总额（元）": 1080000}),
            good_row(),
            good_row(),
        ]
        report = self.upload(rows)
        self.assertTrue(report.written, report.errors)
        ret = EnterpriseReturn.objects.get()
        self.assertEqual(ret.rows.count(), 14)
        self.assertEqual(ret.status, EnterpriseReturn.Status.REVIEW)
        flags = dict(ret.rows.values_list("line", "flags"))
        self.assertIn("below_min_wage", flags[12])
        self.assertIn("outlier_high", flags[13])
        self.assertIn("duplicate", flags[14])
        self.assertIn("duplicate", flags[15])
        self.assertEqual(flags[2], [])
        self.assertEqual(ret.flagged_count, 4)
        self.assertIn("低于当地最低工资标准", {f.message for f in report.flags})

    def test_a_clean_file_is_accepted_directly(self):
        self.upload(varied_rows(10))
        self.assertEqual(EnterpriseReturn.objects.get().status, EnterpriseReturn.Status.ACCEPTED)

    def test_not_an_excel_file_is_refused(self):
        with self.assertRaisesMessage(excel.FileRejected, "不是 Excel"):
            imports.import_return(self.cadre, self.round, io.BytesIO(b"name,pay\nA,3000\n"))

    def test_a_workbook_without_the_template_sheets_is_refused(self):
        from openpyxl import Workbook

        wb = Workbook()
        wb.active.append(["姓名", "工资"])
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        with self.assertRaisesMessage(excel.FileRejected, "缺少工作表"):
            imports.import_return(self.cadre, self.round, buf)

    def test_changed_headers_are_refused(self):
        from openpyxl import load_workbook

        f = workbook(self.round, self.world.enterprise_a.credit_code, varied_rows(3))
        wb = load_workbook(f)
        wb[imports.ROWS_SHEET].cell(row=1, column=4).value = "工资"
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        with self.assertRaisesMessage(excel.FileRejected, "表头与模板不一致"):
            imports.import_return(self.cadre, self.round, buf)

    def test_formulas_are_refused(self):
        rows = varied_rows(3) + [good_row(**{"年工资总额（元）": "=D2*12"})]
        with self.assertRaisesMessage(excel.FileRejected, "公式"):
            self.upload(rows)
        self.assertFalse(EmployeeRow.objects.exists())

    def test_unknown_enterprise_is_refused(self):
        f = workbook(self.round, "91320923MA1UNKNOWN", varied_rows(3))
        with self.assertRaisesMessage(excel.FileRejected, "找不到"):
            imports.import_return(self.cadre, self.round, f)

    def test_cadre_cannot_upload_for_an_enterprise_of_another_town(self):
        f = workbook(self.round, self.world.enterprise_b.credit_code, varied_rows(3))
        with self.assertRaises(PermissionDenied):
            imports.import_return(self.cadre, self.round, f)
        self.assertFalse(EnterpriseReturn.objects.exists())

    def test_chair_uploads_for_their_own_enterprise(self):
        from gonghui.core.testing import make_enterprise

        own_union = self.world.union_a
        enterprise = make_enterprise(own_union, own_union.region_id)
        chair = make_user(own_union, role="enterprise_chair")
        f = workbook(self.round, enterprise.credit_code, varied_rows(6))
        report = imports.import_return(chair, self.round, f)
        self.assertTrue(report.written, report.errors)
        other = workbook(self.round, self.world.enterprise_a.credit_code, varied_rows(6))
        with self.assertRaises(PermissionDenied):
            imports.import_return(chair, self.round, other)

    def test_upload_needs_the_import_permission(self):
        user = make_user(self.world.town_a, "bargaining.add_enterprisereturn")
        with self.assertRaises(PermissionDenied):
            self.upload(varied_rows(3), user=user)

    def test_round_of_another_county_is_refused(self):
        other_county = UnionOrg.objects.create(
            name="外县总工会", kind="county", region_id=self.world.county.region_id
        )
        other_county.path = f"/{other_county.pk}/"
        other_county.save()
        rnd = make_round(other_county)
        f = workbook(rnd, self.world.enterprise_a.credit_code, varied_rows(3))
        with self.assertRaises(PermissionDenied):
            imports.import_return(self.cadre, rnd, f)

    def test_template_holds_the_round_levels_and_minimum_wage(self):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(imports.template_workbook(self.round)))
        self.assertEqual(wb.sheetnames[:2], [imports.FACTS_SHEET, imports.ROWS_SHEET])
        notes = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
        self.assertIn("2280", notes)
        self.assertIn("生产操作人员", notes)
