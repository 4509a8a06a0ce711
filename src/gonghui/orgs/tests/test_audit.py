"""The audit trail: every write through a service leaves who, what, before and after, one request id
per request, and the parent object, so a child's change shows in its parent's history."""

import io
import json
from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory, TestCase
from django.urls import reverse

from gonghui.core import codes
from gonghui.core.middleware import RequestIdMiddleware
from gonghui.core.models import AuditEntry
from gonghui.core.testing import TOWN_A, api_client, build_world, make_member, make_user
from gonghui.orgs import services
from gonghui.orgs.models import Enterprise, Member, Region
from gonghui.orgs.tests.test_import import ENTERPRISE_HEADERS, enterprise_row, workbook_bytes


class AuditTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.cadre = make_user(cls.world.town_a, role="town_cadre", username="cadre_a", display_name="张干部")

    def new_enterprise_data(self, seed="audit-1", **extra):
        data = {
            "name": "审计测试玻璃有限公司",
            "credit_code": codes.make_credit_code(seed),
            "town": Region.objects.get(code=TOWN_A),
            "industry_id": "3054",
            "headcount": 20,
        }
        data.update(extra)
        return data

    def entries_for(self, obj):
        return AuditEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)


class AuditEntryContentTest(AuditTestCase):
    def test_a_create_records_who_what_and_every_value_after(self):
        enterprise = services.create_enterprise(self.cadre, self.new_enterprise_data())
        entry = self.entries_for(enterprise).get()
        self.assertEqual(entry.action, AuditEntry.Action.CREATE)
        self.assertEqual(entry.user, self.cadre)
        self.assertEqual(entry.object_repr, "审计测试玻璃有限公司")
        self.assertEqual(entry.changes["headcount"], [None, 20])
        self.assertEqual(entry.changes["name"], [None, "审计测试玻璃有限公司"])
        self.assertEqual(entry.changes["union"], [None, "益林镇工会"])
        self.assertNotIn("updated_at", entry.changes)
        self.assertEqual(len(entry.request_id), 32)

    def test_an_update_records_only_the_changed_fields_with_before_and_after(self):
        enterprise = services.create_enterprise(self.cadre, self.new_enterprise_data())
        services.update_enterprise(self.cadre, enterprise, {"headcount": 80, "address": "益林镇新区"})
        entry = self.entries_for(enterprise).get(action=AuditEntry.Action.UPDATE)
        self.assertEqual(entry.changes, {"address": ["", "益林镇新区"], "headcount": [20, 80]})

    def test_an_update_that_changes_nothing_leaves_no_entry(self):
        enterprise = services.create_enterprise(self.cadre, self.new_enterprise_data())
        services.update_enterprise(self.cadre, enterprise, {"headcount": 20})
        self.assertFalse(self.entries_for(enterprise).filter(action=AuditEntry.Action.UPDATE).exists())

    def test_a_delete_records_the_values_before_and_the_parent(self):
        enterprise = services.create_enterprise(self.cadre, self.new_enterprise_data())
        pk = enterprise.pk
        services.delete_enterprise(self.cadre, enterprise)
        entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE, object_id=str(pk))
        self.assertEqual(entry.changes["headcount"], [20, None])
        self.assertEqual(entry.changes["name"], ["审计测试玻璃有限公司", None])
        self.assertEqual(entry.parent_object_id, str(self.world.town_a.pk))
        self.assertFalse(Enterprise.objects.filter(pk=pk).exists())

    def test_a_refused_write_leaves_no_entry(self):
        before = AuditEntry.objects.count()
        with self.assertRaises(ValidationError):
            services.create_enterprise(self.cadre, self.new_enterprise_data(credit_code="91320923MA1XXXXXX0"))
        self.assertEqual(AuditEntry.objects.count(), before)

    def test_the_parent_is_recorded(self):
        member = make_member(self.world.union_a)
        services.update_member(self.cadre, member, {"name": "改名后"})
        entry = self.entries_for(member).get()
        self.assertEqual(entry.parent_content_type.model, "unionorg")
        self.assertEqual(entry.parent_object_id, str(self.world.union_a.pk))


class RequestIdTest(AuditTestCase):
    def test_two_writes_in_one_request_share_one_request_id(self):
        def view(request):
            services.create_enterprise(self.cadre, self.new_enterprise_data("rid-1", name="甲"))
            services.create_enterprise(self.cadre, self.new_enterprise_data("rid-2", name="乙"))
            return HttpResponse("ok")

        response = RequestIdMiddleware(view)(RequestFactory().post("/"))
        ids = set(
            AuditEntry.objects.filter(object_repr__in=["甲", "乙"]).values_list("request_id", flat=True)
        )
        self.assertEqual(ids, {response["X-Request-Id"]})

    def test_each_request_gets_its_own_id(self):
        def view(request):
            services.create_enterprise(
                self.cadre, self.new_enterprise_data(request.GET["seed"], name=request.GET["seed"])
            )
            return HttpResponse("ok")

        first = RequestIdMiddleware(view)(RequestFactory().get("/", {"seed": "r1"}))
        second = RequestIdMiddleware(view)(RequestFactory().get("/", {"seed": "r2"}))
        self.assertNotEqual(first["X-Request-Id"], second["X-Request-Id"])
        self.assertEqual(AuditEntry.objects.get(object_repr="r1").request_id, first["X-Request-Id"])
        self.assertEqual(AuditEntry.objects.get(object_repr="r2").request_id, second["X-Request-Id"])

    def test_every_row_of_one_import_shares_the_uploads_request_id(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.client.force_login(self.cadre)
        content = workbook_bytes(ENTERPRISE_HEADERS, [enterprise_row(i) for i in range(1, 4)])
        response = self.client.post(
            reverse("orgs:import", args=["enterprises"]), {"file": SimpleUploadedFile("a.xlsx", content)}
        )
        entries = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT)
        self.assertEqual(entries.count(), 3)
        self.assertEqual(set(entries.values_list("request_id", flat=True)), {response["X-Request-Id"]})

    def test_the_audit_log_page_groups_by_request_id(self):
        def view(request):
            services.create_enterprise(self.cadre, self.new_enterprise_data("g-1", name="组一"))
            services.create_enterprise(self.cadre, self.new_enterprise_data("g-2", name="组二"))
            return HttpResponse("ok")

        rid = RequestIdMiddleware(view)(RequestFactory().post("/"))["X-Request-Id"]
        services.create_enterprise(self.cadre, self.new_enterprise_data("g-3", name="组外"))
        self.client.force_login(self.cadre)
        response = self.client.get(reverse("core:audit_list"), {"request_id": rid})
        self.assertEqual(response.status_code, 200)
        self.assertEqual({e.object_repr for e in response.context["object_list"]}, {"组一", "组二"})

    def test_an_api_write_is_audited_with_the_responses_request_id(self):
        response = api_client(self.cadre).post(
            "/api/orgs/enterprises/",
            {
                "name": "接口新建企业",
                "credit_code": codes.make_credit_code("api-audit"),
                "town": TOWN_A,
                "industry": "3054",
                "headcount": 9,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        entry = AuditEntry.objects.get(object_repr="接口新建企业")
        self.assertEqual(entry.request_id, response["X-Request-Id"])
        self.assertEqual(entry.user, self.cadre)


class HistoryPageTest(AuditTestCase):
    def test_a_members_change_shows_on_its_unions_detail_page(self):
        member = make_member(self.world.union_a, name="赵会员")
        services.update_member(self.cadre, member, {"name": "赵会员（已改名）"})
        self.client.force_login(self.cadre)
        response = self.client.get(reverse("orgs:unionorg_detail", args=[self.world.union_a.pk]))
        self.assertContains(response, "赵会员（已改名）")
        self.assertContains(response, "修改")
        self.assertContains(response, "张干部")

    def test_an_enterprises_change_shows_on_its_own_page_and_its_unions_page(self):
        enterprise = services.create_enterprise(self.cadre, self.new_enterprise_data())
        services.update_enterprise(self.cadre, enterprise, {"headcount": 45})
        self.client.force_login(self.cadre)
        for url in (
            reverse("orgs:enterprise_detail", args=[enterprise.pk]),
            reverse("orgs:unionorg_detail", args=[self.world.town_a.pk]),
        ):
            response = self.client.get(url)
            self.assertContains(response, "变更历史")
            self.assertContains(response, "20 → 45")

    def test_a_page_edit_is_audited(self):
        enterprise = services.create_enterprise(self.cadre, self.new_enterprise_data())
        self.client.force_login(self.cadre)
        response = self.client.post(
            reverse("orgs:enterprise_edit", args=[enterprise.pk]),
            {
                "name": enterprise.name,
                "credit_code": enterprise.credit_code,
                "town": TOWN_A,
                "industry": "3054",
                "headcount": "33",
                "address": "",
            },
        )
        self.assertEqual(response.status_code, 302)
        entry = self.entries_for(enterprise).get(action=AuditEntry.Action.UPDATE)
        self.assertEqual(entry.changes["headcount"], [20, 33])
        self.assertEqual(entry.request_id, response["X-Request-Id"])

    def test_clearing_the_union_on_the_edit_page_puts_the_enterprise_back_under_its_town_union(self):
        enterprise = services.create_enterprise(
            self.cadre, self.new_enterprise_data(union=self.world.union_a)
        )
        self.client.force_login(self.cadre)
        response = self.client.post(
            reverse("orgs:enterprise_edit", args=[enterprise.pk]),
            {
                "name": enterprise.name,
                "credit_code": enterprise.credit_code,
                "town": TOWN_A,
                "industry": "3054",
                "headcount": "20",
                "union": "",
            },
        )
        self.assertEqual(response.status_code, 302)
        enterprise.refresh_from_db()
        self.assertEqual(enterprise.union, self.world.town_a)

    def test_an_export_is_recorded(self):
        self.client.force_login(self.cadre)
        self.client.get(reverse("orgs:enterprise_list"), {"export": "xlsx", "q": "玻璃"})
        entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
        self.assertIn("导出企业", entry.note)
        self.assertIn("q=", entry.note)

    def test_the_audit_log_shows_another_towns_entries_to_no_one_there(self):
        services.create_enterprise(self.cadre, self.new_enterprise_data())
        other = make_user(self.world.town_b, role="town_cadre")
        self.client.force_login(other)
        response = self.client.get(reverse("core:audit_list"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "审计测试玻璃有限公司")


class AuditMaskingTest(AuditTestCase):
    def test_personal_data_is_masked_in_the_audit_trail(self):
        id_number = codes.make_id_number("320923", date(1990, 6, 15), 123)
        member = services.create_member(
            self.cadre,
            {
                "name": "钱会员",
                "id_number": id_number,
                "phone": "13811112222",
                "union": self.world.town_a,
                "joined_on": date(2024, 1, 1),
            },
        )
        services.update_member(self.cadre, member, {"phone": "13933334444"})
        entries = list(self.entries_for(member).order_by("id"))
        self.assertEqual(entries[0].changes["id_number"], [None, codes.mask_id_number(id_number)])
        self.assertEqual(entries[1].changes["phone"], ["138****2222", "139****4444"])
        dump = json.dumps([e.changes for e in entries], ensure_ascii=False)
        for secret in (id_number, "13811112222", "13933334444"):
            self.assertNotIn(secret, dump)
        self.assertNotIn("id_number_hash", dump)
        self.assertNotIn("phone_hash", dump)

    def test_personal_data_is_masked_on_the_history_page_even_for_a_county_admin(self):
        member = make_member(self.world.town_a, phone="13855556666")
        services.update_member(self.cadre, member, {"phone": "13877778888"})
        admin = make_user(self.world.county, role="county_admin")
        self.client.force_login(admin)
        response = self.client.get(reverse("orgs:unionorg_detail", args=[self.world.town_a.pk]))
        self.assertContains(response, "138****6666 → 138****8888")
        self.assertNotContains(response, "13877778888")

    def test_an_imported_members_id_number_is_masked_in_the_audit_trail(self):
        from gonghui.orgs import imports
        from gonghui.orgs.tests.test_import import MEMBER_HEADERS, member_row

        row = member_row(7)
        imports.run_import(self.cadre, "members", io.BytesIO(workbook_bytes(MEMBER_HEADERS, [row])))
        member = Member.objects.get(name="会员7")
        entry = self.entries_for(member).get()
        self.assertNotIn(row[1], json.dumps(entry.changes, ensure_ascii=False))
