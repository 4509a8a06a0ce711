"""Every bargaining page and endpoint: refused without permission, served with it, 404 across
towns; and the raw employee rows never leak through a page, the API or an export."""

import io
import shutil
import tempfile
from datetime import date
from decimal import Decimal
from itertools import count

from django.test import TestCase, override_settings
from django.urls import reverse

from gonghui.bargaining import services
from gonghui.bargaining.models import (
    BookletVersion,
    EmployeeRow,
    EnterpriseReturn,
    Expert,
    GuidanceVisit,
    Meeting,
    NegotiationCase,
    Representative,
    SurveyRound,
    TownGuide,
    WageGuideline,
)
from gonghui.bargaining.tests.factories import make_case, make_return, make_round, varied_rows, workbook
from gonghui.core.testing import (
    TOWN_A,
    APIViewTestCases,
    ViewTestCases,
    api_client,
    build_world,
    make_enterprise,
    make_user,
)

MEDIA = tempfile.mkdtemp(prefix="gonghui-bargaining-views-")
_years = count(2001)


def tearDownModule():
    shutil.rmtree(MEDIA, ignore_errors=True)


def new_round(org):
    return make_round(org, year=next(_years))


def new_return(org):
    county = org.parent or org
    rnd = SurveyRound.objects.filter(scope_union=county).first() or new_round(county)
    return make_return(rnd, make_enterprise(org, org.region_id), n=3)


def new_booklet(org):
    return BookletVersion.objects.create(round=new_round(org), version=1, method_note="线性插值", tables={})


def new_guideline(org):
    return WageGuideline.objects.create(
        year=next(_years), scope_union=org, baseline=Decimal("6"), upper=Decimal("9"), lower=Decimal("3")
    )


def new_case(org):
    return make_case(org, make_enterprise(org, org.region_id))


def new_expert(org):
    return Expert.objects.create(union=org, name=f"{org.name}王教授", speciality="劳动经济")


def new_guide(org):
    return TownGuide.objects.create(town_union=org, name=f"{org.name}指导员", since=date(2024, 1, 1))


def new_visit(org):
    return GuidanceVisit.objects.create(
        union=org, visited_on=date(2025, 3, 1), visitor=f"{org.name}指导员", content="指导工资协商要约"
    )


def new_representative(org):
    return Representative.objects.create(case=new_case(org), side="workers", name="张三", is_chief=True)


def new_meeting(org):
    return Meeting.objects.create(case=new_case(org), held_on=date(2025, 3, 20), minutes="第一轮协商")


# --- pages ------------------------------------------------------------------------------------


class SurveyRoundViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = SurveyRound
    url_prefix = "bargaining:surveyround"
    make_object = staticmethod(new_round)

    def form_data(self):
        return {
            "year": "2026",
            "title": "2026年益林镇职工薪酬调查",
            "scope_union": self.world.town_a.pk,
            "reference_month": "2026-06-01",
            "min_wage": "2280",
            "levels": "管理人员\n生产操作人员",
            "min_enterprises": "3",
            "min_employees": "10",
            "max_enterprise_share": "0.6",
            "min_employees_for_tails": "20",
        }


class EnterpriseReturnViewTest(ViewTestCases.PrimaryObjectView):
    model = EnterpriseReturn
    url_prefix = "bargaining:enterprisereturn"
    make_object = staticmethod(new_return)


class EmployeeRowViewTest(ViewTestCases.ListObjectsView):
    model = EmployeeRow
    url_prefix = "bargaining:employeerow"

    def make_object(self, org):
        return new_return(org).rows.first()


@override_settings(MEDIA_ROOT=MEDIA)
class BookletVersionViewTest(ViewTestCases.GetObjectView, ViewTestCases.ListObjectsView):
    model = BookletVersion
    url_prefix = "bargaining:bookletversion"
    make_object = staticmethod(new_booklet)


class WageGuidelineViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = WageGuideline
    url_prefix = "bargaining:wageguideline"
    make_object = staticmethod(new_guideline)

    def form_data(self):
        return {
            "year": "2026",
            "scope_union": self.world.town_a.pk,
            "baseline": "6",
            "upper": "9",
            "lower": "3",
        }


class NegotiationCaseViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = NegotiationCase
    url_prefix = "bargaining:negotiationcase"
    make_object = staticmethod(new_case)

    def form_data(self):
        return {
            "title": "甲企业2026年工资专项集体协商",
            "kind": "enterprise",
            "topic": "wage",
            "enterprise": self.world.enterprise_a.pk,
            "offer_by": "workers",
            "offer_on": "2026-03-02",
        }


class ExpertViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = Expert
    url_prefix = "bargaining:expert"
    make_object = staticmethod(new_expert)

    def form_data(self):
        return {"name": "赵律师", "union": self.world.town_a.pk, "speciality": "劳动法", "active": "on"}


class TownGuideViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = TownGuide
    url_prefix = "bargaining:townguide"
    make_object = staticmethod(new_guide)

    def form_data(self):
        return {"town_union": self.world.town_a.pk, "name": "周指导员", "since": "2025-01-01", "active": "on"}


class GuidanceVisitViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = GuidanceVisit
    url_prefix = "bargaining:guidancevisit"
    make_object = staticmethod(new_visit)

    def form_data(self):
        return {
            "union": self.world.town_a.pk,
            "visited_on": "2025-04-01",
            "visitor": "周指导员",
            "enterprise": self.world.enterprise_a.pk,
            "content": "讲解工资集体协商程序",
        }


# --- API --------------------------------------------------------------------------------------


class SurveyRoundAPITest(APIViewTestCases.PrimaryObject):
    model = SurveyRound
    api_url = "/api/bargaining/rounds/"
    make_object = staticmethod(new_round)


class EnterpriseReturnAPITest(APIViewTestCases.PrimaryObject):
    model = EnterpriseReturn
    api_url = "/api/bargaining/returns/"
    make_object = staticmethod(new_return)


class EmployeeRowAPITest(APIViewTestCases.GetObject):
    model = EmployeeRow
    api_url = "/api/bargaining/rows/"

    def make_object(self, org):
        return new_return(org).rows.first()


class BookletVersionAPITest(APIViewTestCases.GetObject):
    model = BookletVersion
    api_url = "/api/bargaining/booklets/"
    make_object = staticmethod(new_booklet)


class WageGuidelineAPITest(APIViewTestCases.PrimaryObject):
    model = WageGuideline
    api_url = "/api/bargaining/guidelines/"
    make_object = staticmethod(new_guideline)


class NegotiationCaseAPITest(APIViewTestCases.PrimaryObject):
    model = NegotiationCase
    api_url = "/api/bargaining/cases/"
    make_object = staticmethod(new_case)


class RepresentativeAPITest(APIViewTestCases.PrimaryObject):
    model = Representative
    api_url = "/api/bargaining/representatives/"
    make_object = staticmethod(new_representative)


class MeetingAPITest(APIViewTestCases.PrimaryObject):
    model = Meeting
    api_url = "/api/bargaining/meetings/"
    make_object = staticmethod(new_meeting)


class ExpertAPITest(APIViewTestCases.PrimaryObject):
    model = Expert
    api_url = "/api/bargaining/experts/"
    make_object = staticmethod(new_expert)


class TownGuideAPITest(APIViewTestCases.PrimaryObject):
    model = TownGuide
    api_url = "/api/bargaining/guides/"
    make_object = staticmethod(new_guide)


class GuidanceVisitAPITest(APIViewTestCases.PrimaryObject):
    model = GuidanceVisit
    api_url = "/api/bargaining/visits/"
    make_object = staticmethod(new_visit)


# --- the chair and the raw rows -------------------------------------------------------------------


@override_settings(MEDIA_ROOT=MEDIA)
class ChairSeesOnlyOwnRowsTest(TestCase):
    """A chair sees their enterprise's returns and the published tables, never another's rows."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.admin = make_user(cls.world.county, role="county_admin")
        cls.rnd = make_round(cls.world.county)
        cls.others = []
        for i in range(5):
            town = cls.world.town_a if i % 2 else cls.world.town_b
            cls.others.append(make_return(cls.rnd, make_enterprise(town, town.region_id), n=15, seed=i))
        cls.own = make_return(cls.rnd, make_enterprise(cls.world.union_a, TOWN_A), n=12, seed=99, base=3000)
        cls.chair = make_user(cls.world.union_a, role="enterprise_chair")
        services.compute_round(cls.admin, cls.rnd)
        cls.booklet = services.publish_booklet(cls.admin, cls.rnd)

    def setUp(self):
        self.client.force_login(self.chair)

    def test_row_list_page_holds_only_own_rows(self):
        response = self.client.get(reverse("bargaining:employeerow_list"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual({r.ret_id for r in response.context["object_list"]}, {self.own.pk})

    def test_row_list_filtered_to_another_return_is_empty(self):
        response = self.client.get(reverse("bargaining:employeerow_list") + f"?ret={self.others[0].pk}")
        self.assertEqual(list(response.context["object_list"]), [])

    def test_row_export_holds_only_own_rows(self):
        from openpyxl import load_workbook

        user = make_user(
            self.world.union_a,
            "bargaining.view_employeerow",
            "bargaining.export_data",
            role="enterprise_chair",
        )
        self.client.force_login(user)
        response = self.client.get(reverse("bargaining:employeerow_list") + "?export=xlsx")
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.content)).active
        shown = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(len(shown), 12)
        self.assertTrue(all(str(self.own.enterprise) in s for s in shown))

    def test_api_rows_hold_only_own_rows(self):
        response = api_client(self.chair).get("/api/bargaining/rows/?page_size=500")
        self.assertEqual(response.status_code, 200)
        self.assertEqual({r["ret"] for r in response.json()["results"]}, {self.own.pk})
        other_row = self.others[0].rows.first()
        self.assertEqual(api_client(self.chair).get(f"/api/bargaining/rows/{other_row.pk}/").status_code, 404)

    def test_another_enterprise_return_page_is_not_found(self):
        for name in ("enterprisereturn_detail", "enterprisereturn_compare"):
            response = self.client.get(reverse(f"bargaining:{name}", args=[self.others[0].pk]))
            self.assertEqual(response.status_code, 404, name)

    def test_own_return_page_shows_own_rows(self):
        response = self.client.get(reverse("bargaining:enterprisereturn_detail", args=[self.own.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["row_values"]), 12)

    def test_published_tables_are_readable_and_downloadable(self):
        response = self.client.get(reverse("bargaining:bookletversion_detail", args=[self.booklet.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "下载 PDF")
        pdf = self.client.get(reverse("bargaining:bookletversion_download", args=[self.booklet.pk, "pdf"]))
        self.assertEqual(pdf.status_code, 200)
        self.assertTrue(b"".join(pdf.streaming_content).startswith(b"%PDF"))
        xlsx = self.client.get(reverse("bargaining:bookletversion_download", args=[self.booklet.pk, "xlsx"]))
        self.assertEqual(xlsx.status_code, 200)

    def test_booklet_api_holds_published_cells_only(self):
        response = api_client(self.chair).get(f"/api/bargaining/booklets/{self.booklet.pk}/")
        self.assertEqual(response.status_code, 200)
        for table in response.json()["tables"].values():
            for row in table["rows"]:
                if row["status"] != "published":
                    self.assertIsNone(row["monthly_mean"])

    def test_my_enterprise_vs_the_market_page(self):
        response = self.client.get(reverse("bargaining:enterprisereturn_compare", args=[self.own.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "市场25分位")
        self.assertTrue(response.context["result"])

    # --- upload your own pay table -------------------------------------------------------------

    def _pay_table(self, rows):
        return workbook(self.rnd, self.own.enterprise.credit_code, rows)

    def _low_rows(self, n=6, base=2500):
        return [
            {
                **r,
                "职业代码": "6-28-01-01",
                "月基本工资（元）": base,
                "年工资总额（元）": base * 12,
            }
            for r in varied_rows(n)
        ]

    def test_pay_table_upload_is_compared_and_not_stored(self):
        url = reverse("bargaining:paytable_compare", args=[self.own.enterprise_id])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "不保存")
        before = (EmployeeRow.objects.count(), EnterpriseReturn.objects.count())
        response = self.client.post(
            url, {"booklet": self.booklet.pk, "file": self._pay_table(self._low_rows())}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual((EmployeeRow.objects.count(), EnterpriseReturn.objects.count()), before)
        result = response.context["result"]
        self.assertEqual(
            [(r["occupation"], r["level"], r["employees"]) for r in result],
            [("6-28-01-01", "生产操作人员", 6)],
        )
        row = result[0]
        self.assertEqual(row["pay"], 2500.0)
        self.assertTrue(row["below_p25"])
        self.assertTrue(row["annual_below_p25"])
        self.assertContains(response, 'id="below-p25"')
        # six identical rows: the survey's duplicate flag is shown, the comparison still made
        self.assertEqual({f.message for f in response.context["report"].flags}, {"与其他行完全相同"})
        self.assertContains(response, 'id="paytable-flags"')
        # only published cells of the booklet were used
        published = {
            tuple(r["key"].values())
            for r in self.booklet.tables["division_occupation_level"]["rows"]
            if r["status"] == "published"
        }
        if row["basis"] == "本行业·职业·岗位等级":
            self.assertIn(("30", "6-28-01-01", "生产操作人员"), published)

    def test_home_offers_the_pay_table_comparison_for_own_enterprise_only(self):
        response = self.client.get(reverse("bargaining:home"))
        self.assertEqual(list(response.context["paytable_enterprises"]), [self.own.enterprise])
        self.assertContains(response, reverse("bargaining:paytable_compare", args=[self.own.enterprise_id]))
        response = self.client.get(reverse("bargaining:enterprisereturn_compare", args=[self.own.pk]))
        self.assertContains(response, 'id="paytable-link"')

    def test_pay_table_with_errors_lists_row_and_column(self):
        url = reverse("bargaining:paytable_compare", args=[self.own.enterprise_id])
        rows = self._low_rows(3)
        rows[1]["月基本工资（元）"] = -5
        rows[2]["岗位等级"] = "总裁"
        response = self.client.post(url, {"booklet": self.booklet.pk, "file": self._pay_table(rows)})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.context["result"], [])
        errors = {(e.row, e.column) for e in response.context["report"].errors}
        self.assertEqual(errors, {(3, "职工工资·月基本工资（元）"), (4, "职工工资·岗位等级")})
        self.assertContains(response, "import-errors", status_code=400)

    def test_pay_table_malformed_file_is_refused(self):
        url = reverse("bargaining:paytable_compare", args=[self.own.enterprise_id])
        bad = io.BytesIO(b"occupation,pay\n6-28-01-01,3000\n")
        bad.name = "pay.xlsx"
        response = self.client.post(url, {"booklet": self.booklet.pk, "file": bad})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "文件不是 Excel", status_code=400)

    def test_pay_table_template_round_trips(self):
        from openpyxl import load_workbook

        response = self.client.get(reverse("bargaining:paytable_template", args=[self.booklet.pk]))
        self.assertEqual(response.status_code, 200)
        wb = load_workbook(io.BytesIO(response.content))
        self.assertNotIn("企业情况", wb.sheetnames)
        ws = wb["职工工资"]
        headers = [c.value for c in ws[1]]
        ws.delete_rows(2, ws.max_row)
        for r in self._low_rows(4, base=9000):
            ws.append([r.get(h, "") for h in headers])
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        buf.name = "pay.xlsx"
        url = reverse("bargaining:paytable_compare", args=[self.own.enterprise_id])
        response = self.client.post(url, {"booklet": self.booklet.pk, "file": buf})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["result"][0]["below_p25"])

    def test_pay_table_refused_for_another_enterprise(self):
        other = self.others[1].enterprise  # an enterprise of town A, not the chair's
        url = reverse("bargaining:paytable_compare", args=[other.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(
            url, {"booklet": self.booklet.pk, "file": self._pay_table(self._low_rows())}
        )
        self.assertEqual(response.status_code, 404)
        chair_b = make_user(self.world.town_b, role="enterprise_chair")
        self.client.force_login(chair_b)
        own_url = reverse("bargaining:paytable_compare", args=[self.own.enterprise_id])
        self.assertEqual(self.client.get(own_url).status_code, 404)

    def test_pay_table_refused_for_a_town_cadre_elsewhere(self):
        self.client.force_login(make_user(self.world.town_b, role="town_cadre"))
        url = reverse("bargaining:paytable_compare", args=[self.own.enterprise_id])
        self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(
            url, {"booklet": self.booklet.pk, "file": self._pay_table(self._low_rows())}
        )
        self.assertEqual(response.status_code, 404)
        # the cadre of the chair's own town may compare for it
        self.client.force_login(make_user(self.world.town_a, role="town_cadre"))
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_pay_table_refused_without_booklet_permission(self):
        self.client.force_login(make_user(self.world.union_a, "orgs.view_enterprise"))
        url = reverse("bargaining:paytable_compare", args=[self.own.enterprise_id])
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_pay_table_service_refuses_another_enterprise(self):
        from django.core.exceptions import PermissionDenied

        with self.assertRaises(PermissionDenied):
            services.pay_table_comparison(
                self.chair, self.others[0].enterprise, self.booklet, self._pay_table(self._low_rows())
            )

    def test_chair_cannot_compute_or_publish(self):
        response = self.client.post(reverse("bargaining:surveyround_publish", args=[self.rnd.pk]))
        self.assertEqual(response.status_code, 403)
        response = self.client.post(reverse("bargaining:surveyround_compute", args=[self.rnd.pk]))
        self.assertEqual(response.status_code, 403)

    def test_chair_sees_the_county_round(self):
        response = self.client.get(reverse("bargaining:surveyround_detail", args=[self.rnd.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["returns"]), [self.own])


@override_settings(MEDIA_ROOT=MEDIA)
class SurveyPagesTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.rnd = make_round(cls.world.county)
        cls.admin = make_user(cls.world.county, role="county_admin")
        cls.cadre = make_user(cls.world.town_a, role="town_cadre")

    def test_home_is_the_landing_page(self):
        self.client.force_login(self.cadre)
        response = self.client.get(reverse("bargaining:home"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, str(self.rnd))

    def test_home_refused_without_permission(self):
        self.client.force_login(make_user(self.world.town_a, role="hotline_operator"))
        self.assertEqual(self.client.get(reverse("bargaining:home")).status_code, 403)

    def test_template_download(self):
        self.client.force_login(self.cadre)
        response = self.client.get(reverse("bargaining:surveyround_template", args=[self.rnd.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"PK"))

    def test_upload_good_then_bad_file(self):
        self.client.force_login(self.cadre)
        url = reverse("bargaining:surveyround_upload", args=[self.rnd.pk])
        good = workbook(self.rnd, self.world.enterprise_a.credit_code, varied_rows(12))
        response = self.client.post(url, {"file": good})
        self.assertEqual(response.status_code, 200, response.context and response.context.get("rejected"))
        self.assertContains(response, "已导入职工记录 12 行")
        bad = workbook(self.rnd, self.world.enterprise_a.credit_code, varied_rows(2) + [{"职业代码": "x"}])
        response = self.client.post(url, {"file": bad})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "整个文件未导入", status_code=400)
        self.assertEqual(EmployeeRow.objects.count(), 12)

    def test_upload_malformed_file(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.client.force_login(self.cadre)
        url = reverse("bargaining:surveyround_upload", args=[self.rnd.pk])
        response = self.client.post(url, {"file": SimpleUploadedFile("a.xlsx", b"not excel")})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "没有任何数据被修改", status_code=400)

    def test_upload_refused_without_import_permission(self):
        self.client.force_login(make_user(self.world.town_a, "bargaining.view_surveyround"))
        self.assertEqual(
            self.client.get(reverse("bargaining:surveyround_upload", args=[self.rnd.pk])).status_code, 403
        )

    def test_compute_and_publish_from_the_round_page(self):
        for i in range(4):
            make_return(self.rnd, make_enterprise(self.world.town_a, TOWN_A), n=12, seed=i)
        self.client.force_login(self.admin)
        self.client.post(reverse("bargaining:surveyround_compute", args=[self.rnd.pk]))
        page = self.client.get(reverse("bargaining:surveyround_detail", args=[self.rnd.pk]))
        self.assertContains(page, "发布蓝宝书")
        self.assertContains(page, "100%")
        response = self.client.post(reverse("bargaining:surveyround_publish", args=[self.rnd.pk]))
        booklet = BookletVersion.objects.get(round=self.rnd)
        self.assertRedirects(response, booklet.get_absolute_url())
        self.assertTrue(booklet.pdf and booklet.xlsx)

    def test_progress_fragment(self):
        self.client.force_login(self.cadre)
        response = self.client.get(reverse("bargaining:surveyround_progress", args=[self.rnd.pk]))
        self.assertContains(response, "compute-progress")


class CasePagesTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.cadre = make_user(cls.world.town_a, role="town_cadre")
        cls.case = make_case(cls.world.town_a, cls.world.enterprise_a, offer_on=date(2024, 3, 4))

    def setUp(self):
        self.client.force_login(self.cadre)

    def test_case_page_shows_and_flags_missed_deadlines(self):
        response = self.client.get(self.case.get_absolute_url())
        self.assertContains(response, "书面回应协商要约")
        self.assertContains(response, "已逾期")
        self.assertContains(response, "工资协商参考因素")

    def test_add_representatives_and_meeting(self):
        url = reverse("bargaining:representative_add", args=[self.case.pk])
        response = self.client.post(url, {"side": "workers", "name": "张三", "is_chief": "on"})
        self.assertEqual(response.status_code, 302)
        response = self.client.post(
            url, {"side": "workers", "name": "外聘律师", "is_chief": "on", "is_outside_expert": "on"}
        )
        self.assertEqual(response.status_code, 400)
        response = self.client.post(
            reverse("bargaining:meeting_add", args=[self.case.pk]),
            {"held_on": "2024-03-20", "minutes": "双方交换工资调整方案"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.case.meetings.count(), 1)

    def test_child_pages_of_another_town_case_are_not_found(self):
        other = make_case(self.world.town_b, self.world.enterprise_b)
        response = self.client.get(reverse("bargaining:representative_add", args=[other.pk]))
        self.assertEqual(response.status_code, 404)

    def test_representative_delete(self):
        rep = Representative.objects.create(case=self.case, side="workers", name="李四")
        response = self.client.post(reverse("bargaining:representative_delete", args=[rep.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Representative.objects.filter(pk=rep.pk).exists())

    def test_api_case_carries_its_deadlines(self):
        response = api_client(self.cadre).get(f"/api/bargaining/cases/{self.case.pk}/")
        self.assertEqual(response.status_code, 200)
        reply = response.json()["deadlines"][0]
        self.assertEqual(reply["key"], "reply")
        self.assertEqual(reply["status"], "missed")


@override_settings(MEDIA_ROOT=MEDIA)
class GrowthBesideGuidelineTest(TestCase):
    """Every year-on-year change on a page carries the year's wage guideline and its verdict."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.admin = make_user(cls.world.county, role="county_admin")
        WageGuideline.objects.create(
            year=2025,
            scope_union=cls.world.county,
            baseline=Decimal("6.5"),
            upper=Decimal("9"),
            lower=Decimal("3"),
        )
        enterprises = [
            make_enterprise(town, town.region_id) for town in (cls.world.town_a, cls.world.town_b) * 3
        ]
        for year, base in ((2024, 4000), (2025, 4480)):  # +12%: above 上线
            rnd = make_round(cls.world.county, year=year)
            for i, e in enumerate(enterprises):
                make_return(rnd, e, n=15, seed=i, base=base)
            services.compute_round(cls.admin, rnd)
        cls.rnd = rnd
        cls.booklet = services.publish_booklet(cls.admin, rnd)
        cls.enterprise = enterprises[0]

    def test_booklet_table_shows_growth_with_the_guideline(self):
        self.client.force_login(make_user(self.world.town_a, role="town_cadre"))
        response = self.client.get(reverse("bargaining:bookletversion_detail", args=[self.booklet.pk]))
        self.assertEqual(response.status_code, 200)
        table = response.context["table"]
        self.assertIn("月工资中位数增长", table["growth_cols"])
        self.assertIn("2025年工资指导线：基准线6.5%，上线9.0%，下线3.0%", table["guideline_text"])
        k = table["growth_cols"].index("月工资中位数增长")
        published = [r for r in table["rows"] if r["published"]]
        self.assertTrue(published)
        for row in published:
            growth = row["growth"][k]
            self.assertEqual(growth["flag"], "高于上线", growth)
            self.assertEqual(growth["css"], "table-warning")
        self.assertContains(response, 'id="growth-guideline"')

    def test_round_preview_shows_the_guideline_too(self):
        self.client.force_login(self.admin)
        response = self.client.get(reverse("bargaining:surveyround_detail", args=[self.rnd.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["preview"]["guideline_text"])
        self.assertContains(response, "高于上线")

    def test_case_factors_flag_growth_against_the_guideline(self):
        case = make_case(
            self.world.town_a, self.enterprise, offer_on=date(2025, 4, 1), proposed_increase=Decimal("2.5")
        )
        self.client.force_login(make_user(self.world.town_a, role="town_cadre"))
        response = self.client.get(reverse("bargaining:negotiationcase_detail", args=[case.pk]))
        self.assertEqual(response.status_code, 200)
        growth = {g["label"]: (g["text"], g["flag"]) for g in response.context["factors"]["growth"]}
        self.assertEqual(growth["职工方提出增幅"], ("+2.5%", "低于下线"))
        self.assertEqual(growth["本行业月工资中位数比上年"][1], "高于上线")
        self.assertIn("本镇街月工资中位数比上年", growth)
        self.assertContains(response, 'id="growth-vs-guideline"')

    def test_regional_case_gets_its_towns_market_figures(self):
        case = make_case(self.world.town_a, offer_on=date(2025, 4, 1))
        self.client.force_login(make_user(self.world.town_a, role="town_cadre"))
        response = self.client.get(reverse("bargaining:negotiationcase_detail", args=[case.pk]))
        self.assertEqual(response.status_code, 200)
        region_row = response.context["factors"]["region_market"]
        self.assertEqual(region_row["key"]["region"], self.world.town_a.region_id)
        self.assertEqual(region_row["enterprises"], 3)


def test_table_view_shows_weighted_estimates_of_a_weighted_survey():
    from gonghui.bargaining.views import _table_view

    row = {
        "key": {"division": "30"},
        "status": "published",
        "enterprises": 5,
        "employees": 50,
        "monthly_p50": 4000.0,
        "monthly_wp50": 4200.0,
    }
    view = _table_view({"division": {"title": "分行业", "dims": ["division"], "rows": [row]}}, "division")
    k = view["cols"].index("月工资（加权）中位数")
    assert view["rows"][0]["values"][k] == 4200.0
    plain = dict(row)
    del plain["monthly_wp50"]
    view = _table_view({"division": {"title": "分行业", "dims": ["division"], "rows": [plain]}}, "division")
    assert view["rows"][0]["values"][view["cols"].index("月工资中位数")] == 4000.0
    assert view["growth_cols"] == []
