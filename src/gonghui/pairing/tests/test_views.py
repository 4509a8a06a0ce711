"""Every pairing page and endpoint: refused without permission, served with it, 404 across towns."""

from django.urls import reverse

from gonghui.core.models import AuditEntry
from gonghui.core.testing import (
    TOWN_A,
    APIViewTestCases,
    ViewTestCases,
    api_client,
    make_enterprise,
    make_user,
)
from gonghui.orgs.models import MentorLink
from gonghui.pairing import services
from gonghui.pairing.models import PairingPlan
from gonghui.pairing.tests.test_services import PairingWorld, make_mentor


def make_plan(org, solved=False):
    plan = PairingPlan.objects.create(name=f"{org.name}方案", scope_union=org)
    if solved:
        services.solve_plan(plan.pk)
        plan.refresh_from_db()
    return plan


class PlanViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = PairingPlan
    url_prefix = "pairing:plan"

    def make_object(self, org):
        return make_plan(org)

    def user(self, *actions, org=None, extra_perms=()):
        extra = tuple(extra_perms)
        if "orgs.export_data" in extra:
            extra += ("pairing.export_data",)
        return super().user(*actions, org=org, extra_perms=extra)

    def form_data(self):
        return {
            "name": "益林镇大带小方案",
            "scope_union": self.world.town_a.pk,
            "max_distance_km": "12",
            "same_town": "preferred",
            "other_town_penalty": "500",
            "micro_threshold": "50",
            "mentor_min_headcount": "300",
            "capacity_base": "3",
            "capacity_staff_step": "300",
            "capacity_max": "10",
            "model_home_step": "50",
            "industry_penalty": "0,150,300,600,1000",
            "joint_min_members": "3",
            "joint_max_members": "10",
            "joint_max_staff": "200",
            "joint_max_distance_km": "10",
            "keep_existing": "on",
        }

    def test_created_plan_keeps_its_parameters(self):
        self.client.force_login(self.user("view", "add"))
        self.client.post(reverse("pairing:plan_add"), self.form_data())
        plan = PairingPlan.objects.get(name="益林镇大带小方案")
        self.assertEqual(plan.params["max_distance_km"], 12.0)
        self.assertEqual(plan.params["industry_penalty"], [0, 150, 300, 600, 1000])
        self.assertFalse(plan.params["use_federations"])


class PlanAPITest(APIViewTestCases.PrimaryObject):
    model = PairingPlan
    api_url = "/api/pairing/plans/"

    def make_object(self, org):
        return make_plan(org)

    def test_api_create_in_own_town(self):
        user = self.user("view", "add")
        response = api_client(user).post(
            self.api_url,
            {"name": "接口方案", "scope_union": self.world.town_a.pk, "params": {"max_distance_km": 8}},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        plan = PairingPlan.objects.get(pk=response.json()["id"])
        self.assertEqual(plan.params["max_distance_km"], 8)
        self.assertTrue(AuditEntry.objects.filter(action="create", object_id=str(plan.pk)).exists())

    def test_api_create_for_another_town_is_refused(self):
        user = self.user("view", "add")
        response = api_client(user).post(
            self.api_url, {"name": "越权", "scope_union": self.world.town_b.pk}, format="json"
        )
        self.assertEqual(response.status_code, 403)


class PlanPagesTest(PairingWorld):
    """The plan's own pages, seen by the town cadre who owns it and by another town's cadre."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.plan_a = services.run_plan(
            cls.cadre_a,
            services.create_plan(cls.cadre_a, {"name": "益林镇方案", "scope_union": cls.world.town_a}),
        )
        cls.plan_b = services.create_plan(cls.cadre_b, {"name": "乙镇方案", "scope_union": cls.world.town_b})

    PAGES = ("plan_detail", "plan_pairs", "plan_map", "plan_compare", "plan_progress", "plan_export")
    ACTIONS = ("plan_run", "plan_resolve", "plan_approve")

    def test_owner_sees_every_page(self):
        self.client.force_login(self.cadre_a)
        for name in self.PAGES:
            response = self.client.get(reverse(f"pairing:{name}", args=[self.plan_a.pk]))
            self.assertEqual(response.status_code, 200, name)

    def test_town_cadre_cannot_see_another_towns_plan(self):
        self.client.force_login(self.cadre_a)
        for name in self.PAGES:
            response = self.client.get(reverse(f"pairing:{name}", args=[self.plan_b.pk]))
            self.assertEqual(response.status_code, 404, name)
        listed = self.client.get(reverse("pairing:plan_list")).context["object_list"]
        self.assertNotIn(self.plan_b, listed)

    def test_town_cadre_cannot_run_another_towns_plan(self):
        self.client.force_login(self.cadre_a)
        for name in self.ACTIONS:
            response = self.client.post(reverse(f"pairing:{name}", args=[self.plan_b.pk]))
            self.assertEqual(response.status_code, 404, name)
        self.plan_b.refresh_from_db()
        self.assertEqual(self.plan_b.status, PairingPlan.Status.DRAFT)

    def test_town_cadre_cannot_run_or_see_another_towns_plan_through_the_api(self):
        client = api_client(self.cadre_a)
        self.assertEqual(client.get(f"/api/pairing/plans/{self.plan_b.pk}/").status_code, 404)
        for name in ("run", "resolve", "approve"):
            self.assertEqual(
                client.post(f"/api/pairing/plans/{self.plan_b.pk}/{name}/").status_code, 404, name
            )
        self.assertEqual(client.get(f"/api/pairing/plans/{self.plan_b.pk}/pairs/").status_code, 404)
        self.plan_b.refresh_from_db()
        self.assertEqual(self.plan_b.status, PairingPlan.Status.DRAFT)

    def test_actions_need_their_permissions(self):
        viewer = make_user(self.world.town_a, "pairing.view_pairingplan")
        self.client.force_login(viewer)
        for name in self.ACTIONS:
            self.assertEqual(
                self.client.post(reverse(f"pairing:{name}", args=[self.plan_a.pk])).status_code, 403, name
            )
        self.assertEqual(
            self.client.get(reverse("pairing:plan_export", args=[self.plan_a.pk])).status_code, 403
        )
        for name in ("run", "approve"):
            self.assertEqual(
                api_client(viewer).post(f"/api/pairing/plans/{self.plan_a.pk}/{name}/").status_code, 403, name
            )

    def test_pages_refused_without_view_permission(self):
        self.client.force_login(make_user(self.world.town_a))
        for name in self.PAGES:
            self.assertEqual(
                self.client.get(reverse(f"pairing:{name}", args=[self.plan_a.pk])).status_code, 403, name
            )
        self.assertEqual(self.client.get(reverse("pairing:coverage")).status_code, 403)

    def test_run_and_approve_through_the_api(self):
        client = api_client(self.cadre_b)
        response = client.post(f"/api/pairing/plans/{self.plan_b.pk}/run/")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "solved")
        response = client.post(f"/api/pairing/plans/{self.plan_b.pk}/approve/")
        self.assertEqual(response.json()["status"], "approved")
        pairs = client.get(f"/api/pairing/plans/{self.plan_a.pk}/pairs/")
        self.assertEqual(pairs.status_code, 404)

    def test_htmx_lock_move_and_exclude_update_the_table(self):
        self.client.force_login(self.cadre_a)
        pair = self.plan_a.pairs.get(enterprise=self.micros_a[0])
        response = self.client.post(
            reverse("pairing:pair_lock", args=[self.plan_a.pk, pair.pk]),
            {"locked": "1"},
            HTTP_HX_REQUEST="true",
        )
        self.assertContains(response, 'id="plan-tables"')
        pair.refresh_from_db()
        self.assertTrue(pair.locked)
        response = self.client.post(
            reverse("pairing:pair_move", args=[self.plan_a.pk]),
            {"enterprise": self.micros_a[1].pk, "mentor": self.mentor_far.pk},
            HTTP_HX_REQUEST="true",
        )
        self.assertEqual(self.plan_a.pairs.get(enterprise=self.micros_a[1]).mentor, self.mentor_far)
        response = self.client.post(
            reverse("pairing:plan_exclude", args=[self.plan_a.pk]),
            {"enterprise": self.micros_a[2].pk, "note": "已注销"},
            HTTP_HX_REQUEST="true",
        )
        self.assertContains(response, 'id="exclusions-table"')
        self.assertContains(response, "已注销")
        self.assertEqual(self.plan_a.unassigned.get(enterprise=self.micros_a[2]).reason, "excluded")

    def test_move_to_a_mentor_of_another_town_is_not_found(self):
        other_mentor = make_mentor(self.world.town_b, "320923101", "乙镇大企业工会", 119.4, 33.5)
        self.client.force_login(self.cadre_a)
        response = self.client.post(
            reverse("pairing:pair_move", args=[self.plan_a.pk]),
            {"enterprise": self.micros_a[1].pk, "mentor": other_mentor.pk},
        )
        self.assertEqual(response.status_code, 404)

    def test_approve_page_writes_links_and_export_lists_them(self):
        self.client.force_login(self.cadre_a)
        response = self.client.post(reverse("pairing:plan_approve", args=[self.plan_a.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(MentorLink.objects.filter(enterprise=self.micros_a[0], active=True).exists())
        response = self.client.get(reverse("pairing:plan_export", args=[self.plan_a.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(AuditEntry.objects.filter(action="export", object_id=str(self.plan_a.pk)).exists())

    def test_coverage_page_shows_only_own_towns(self):
        make_enterprise(self.world.town_a, TOWN_A, headcount=5)
        self.client.force_login(self.cadre_a)
        response = self.client.get(reverse("pairing:coverage"))
        self.assertEqual(response.status_code, 200)
        towns = {r["town"].code for r in response.context["rows"]}
        self.assertEqual(towns, {TOWN_A})
        self.assertContains(response, "一个不掉队")

    def test_county_coverage_shows_the_goal_and_gap(self):
        self.client.force_login(self.admin)
        response = self.client.get(reverse("pairing:coverage"))
        total = response.context["total"]
        self.assertEqual(total["gap"], total["total"] - total["covered"])
        self.assertContains(response, "距 100% 的差距")

    def test_compare_page_lists_moves(self):
        services.assign_mentor(self.cadre_a, self.plan_a, self.micros_a[0], self.mentor_far)
        new = services.resolve_plan(self.cadre_a, self.plan_a)
        services.assign_mentor(self.cadre_a, new, self.micros_a[1], self.mentor_far)
        self.client.force_login(self.cadre_a)
        response = self.client.get(reverse("pairing:plan_compare", args=[new.pk]))
        self.assertContains(response, self.micros_a[1].name)

    def test_nav_links_to_pairing(self):
        self.client.force_login(self.cadre_a)
        self.assertContains(self.client.get(reverse("dashboard")), reverse("pairing:plan_list"))


class PlanEditingPagesTest(PairingWorld):
    """Exclusion undo and joint-union edits through the pairs page (htmx), and their refusals."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.plan_a = services.run_plan(
            cls.cadre_a,
            services.create_plan(cls.cadre_a, {"name": "益林镇方案", "scope_union": cls.world.town_a}),
        )
        cls.plan_b = services.run_plan(
            cls.cadre_b,
            services.create_plan(cls.cadre_b, {"name": "乙镇方案", "scope_union": cls.world.town_b}),
        )
        cls.ju_b = cls.plan_b.joint_unions.get()

    def post(self, name, *args, data=None, **headers):
        return self.client.post(
            reverse(f"pairing:{name}", args=args), data or {}, HTTP_HX_REQUEST="true", **headers
        )

    def test_excluded_enterprise_shows_reason_and_author_and_can_be_included_again(self):
        self.client.force_login(self.cadre_a)
        e = self.micros_a[2]
        response = self.post(
            "plan_exclude",
            self.plan_a.pk,
            data={"enterprise": e.pk},
            HTTP_HX_PROMPT="%E5%B7%B2%E6%B3%A8%E9%94%80",  # 已注销 as htmx sends it
            HTTP_HX_PROMPT_URI_AUTOENCODED="true",
        )
        self.assertContains(response, 'id="exclusions-table"')
        self.assertContains(response, "已注销")
        self.assertContains(response, self.cadre_a.username)
        self.assertContains(response, "恢复纳入")
        response = self.post("plan_include", self.plan_a.pk, data={"enterprise": e.pk})
        self.assertContains(response, "没有排除的企业")
        self.assertEqual(self.plan_a.unassigned.get(enterprise=e).reason, "pending")

    def test_a_joint_union_wish_is_recorded_shown_and_withdrawn(self):
        self.client.force_login(self.cadre_a)
        e = self.micros_a[1]
        response = self.post(
            "plan_joint_wish",
            self.plan_a.pk,
            data={"enterprise": e.pk},
            HTTP_HX_PROMPT="%E5%85%B1%E5%BB%BA",  # 共建
            HTTP_HX_PROMPT_URI_AUTOENCODED="true",
        )
        self.assertContains(response, f'id="joint-wish-{e.pk}"')
        self.assertContains(response, "共建")
        self.assertEqual(self.plan_a.joint_wishes.get().recorded_by, self.cadre_a)
        response = self.post("plan_joint_wish_withdraw", self.plan_a.pk, data={"enterprise": e.pk})
        self.assertContains(response, "没有登记愿入联合工会的企业")
        response = self.post("plan_joint_wish_withdraw", self.plan_a.pk, data={"enterprise": e.pk})
        self.assertContains(response, "没有登记愿入联合工会")

    def test_the_move_form_says_so_when_every_mentor_is_full(self):
        plan = services.create_plan(
            self.cadre_a,
            {
                "name": "满额",
                "scope_union": self.world.town_a,
                "params": {"capacity_base": 1, "capacity_staff_step": 0},
            },
        )
        plan = services.run_plan(self.cadre_a, plan)
        self.client.force_login(self.cadre_a)
        response = self.client.get(reverse("pairing:plan_pairs", args=[plan.pk]))
        self.assertContains(response, "帮带工会名额均已满")
        response = self.client.get(reverse("pairing:plan_pairs", args=[self.plan_a.pk]))
        self.assertNotContains(response, "帮带工会名额均已满")

    def test_exclusion_without_a_reason_is_refused_in_chinese(self):
        self.client.force_login(self.cadre_a)
        response = self.post("plan_exclude", self.plan_a.pk, data={"enterprise": self.micros_a[2].pk})
        self.assertContains(response, "请选择企业并填写排除原因")
        self.assertFalse(self.plan_a.exclusions.exists())

    def test_joint_union_lead_lock_remove_and_dissolve(self):
        self.client.force_login(self.cadre_b)
        new_lead = self.micros_b[0]
        response = self.post("group_lead", self.plan_b.pk, self.ju_b.pk, data={"enterprise": new_lead.pk})
        self.assertContains(response, 'id="joint-table"')
        self.ju_b.refresh_from_db()
        self.assertEqual(self.ju_b.lead, new_lead)
        self.assertTrue(self.ju_b.locked)
        self.post("group_lock", self.plan_b.pk, self.ju_b.pk, data={"locked": "0"})
        self.ju_b.refresh_from_db()
        self.assertFalse(self.ju_b.locked)
        response = self.post("group_remove", self.plan_b.pk, self.ju_b.pk, data={"enterprise": new_lead.pk})
        self.assertContains(response, "少于联合工会最少的 3 家")
        self.assertEqual(self.ju_b.members.count(), 3)
        self.post("group_dissolve", self.plan_b.pk, self.ju_b.pk)
        self.assertFalse(self.plan_b.joint_unions.exists())
        self.assertEqual(self.plan_b.unassigned.filter(reason="manual").count(), 3)

    def test_a_new_joint_union_from_chosen_enterprises(self):
        self.client.force_login(self.cadre_a)
        response = self.post(
            "group_create",
            self.plan_a.pk,
            data={"enterprises": [e.pk for e in self.micros_a], "kind": "joint"},
        )
        self.assertContains(response, "人工调整：3 家企业")
        self.assertEqual(set(self.plan_a.joint_unions.get().members.all()), set(self.micros_a))
        response = self.post("group_create", self.plan_a.pk, data={"enterprises": [self.micros_a[0].pk]})
        self.assertContains(response, "请选择企业和组建形式")

    def test_moving_into_a_joint_union_of_another_town_is_refused_with_the_reason(self):
        plan = services.run_plan(
            self.admin,
            services.create_plan(self.admin, {"name": "全县方案", "scope_union": self.world.county}),
        )
        ju = plan.joint_unions.get()
        self.client.force_login(self.admin)
        response = self.post(
            "group_move", plan.pk, data={"enterprise": self.micros_a[0].pk, "joint_union": ju.pk}
        )
        self.assertContains(response, "只能由同一镇街的企业组成")
        self.assertTrue(plan.pairs.filter(enterprise=self.micros_a[0]).exists())

    def test_town_cadre_of_another_town_is_refused_every_edit(self):
        self.client.force_login(self.cadre_a)
        b, ju = self.plan_b.pk, self.ju_b.pk
        e = {"enterprise": self.micros_b[0].pk}
        for name, args, data in [
            ("group_create", (b,), {"enterprises": [x.pk for x in self.micros_b], "kind": "joint"}),
            ("plan_include", (b,), e),
            ("plan_joint_wish", (b,), e),
            ("plan_joint_wish_withdraw", (b,), e),
            ("group_move", (b,), {**e, "joint_union": ju}),
            ("group_remove", (b, ju), e),
            ("group_lead", (b, ju), e),
            ("group_lock", (b, ju), {"locked": "1"}),
            ("group_dissolve", (b, ju), {}),
        ]:
            self.assertEqual(self.post(name, *args, data=data).status_code, 404, name)
        self.ju_b.refresh_from_db()
        self.assertFalse(self.ju_b.locked)
        self.assertEqual(self.ju_b.members.count(), 3)

    def test_edits_need_the_change_permission(self):
        viewer = make_user(self.world.town_b, "pairing.view_pairingplan")
        self.client.force_login(viewer)
        response = self.post("group_dissolve", self.plan_b.pk, self.ju_b.pk)
        self.assertEqual(response.status_code, 403)
        self.assertTrue(self.plan_b.joint_unions.exists())

    def test_detail_compare_and_history_read_in_chinese(self):
        services.update_plan(self.cadre_b, self.plan_b, {"params": {"same_town": "required"}})
        services.run_plan(self.cadre_b, self.plan_b)  # the change sent it back to draft
        self.client.force_login(self.cadre_b)
        response = self.client.get(reverse("pairing:plan_detail", args=[self.plan_b.pk]))
        self.assertContains(response, "必须同镇")
        self.assertContains(response, "参数·同镇要求")
        self.assertContains(response, "同镇优先 → 必须同镇")
        self.assertNotContains(response, "preferred")
        self.assertNotContains(response, "max_distance_km")
        self.assertNotContains(response, "True")
        new = services.resolve_plan(self.cadre_b, self.plan_b)
        services.update_plan(self.cadre_b, new, {"params": {"same_town": "preferred"}})
        response = self.client.get(reverse("pairing:plan_compare", args=[new.pk]))
        self.assertContains(response, 'id="compare-params"')
        self.assertContains(response, "<td>必须同镇</td><td>同镇优先</td>", html=False)


class PlanEditingAPITest(PairingWorld):
    """The same manual changes through the API: the checks, the answers, and other towns refused."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.plan_b = services.run_plan(
            cls.cadre_b,
            services.create_plan(cls.cadre_b, {"name": "乙镇方案", "scope_union": cls.world.town_b}),
        )
        cls.ju_b = cls.plan_b.joint_unions.get()

    def url(self, name):
        return f"/api/pairing/plans/{self.plan_b.pk}/{name}/"

    def test_read_joint_unions_unassigned_and_exclusions(self):
        client = api_client(self.cadre_b)
        groups = client.get(self.url("joint-unions")).json()["results"]
        self.assertEqual(groups[0]["kind_display"], "联合工会")
        self.assertEqual(len(groups[0]["members"]), 3)
        self.assertEqual(client.get(self.url("unassigned")).status_code, 200)
        self.assertEqual(client.get(self.url("exclusions")).json()["results"], [])
        response = client.post(
            self.url("edit"),
            {"action": "joint_wish", "enterprise": self.micros_b[0].pk, "note": "自愿"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        wishes = client.get(self.url("joint-wishes")).json()["results"]
        self.assertEqual([(w["enterprise"], w["note"]) for w in wishes], [(self.micros_b[0].pk, "自愿")])

    def test_edits_go_through_the_services_checks(self):
        client = api_client(self.cadre_b)
        lead = self.micros_b[0]
        response = client.post(
            self.url("edit"),
            {"action": "group_lead", "joint_union": self.ju_b.pk, "enterprise": lead.pk},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.ju_b.refresh_from_db()
        self.assertEqual(self.ju_b.lead, lead)
        response = client.post(
            self.url("edit"),
            {"action": "group_remove", "joint_union": self.ju_b.pk, "enterprise": lead.pk},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("少于联合工会最少的 3 家", str(response.json()))
        response = client.post(self.url("edit"), {"action": "exclude", "enterprise": lead.pk}, format="json")
        self.assertEqual(response.status_code, 400)  # no reason given
        response = client.post(self.url("edit"), {"action": "group_dissolve"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("joint_union", response.json())

    def test_a_new_joint_union_through_the_api(self):
        client = api_client(self.cadre_b)
        response = client.post(
            self.url("edit"), {"action": "group_dissolve", "joint_union": self.ju_b.pk}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        response = client.post(
            self.url("edit"),
            {"action": "group_create", "enterprises": [e.pk for e in self.micros_b], "kind": "joint"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["summary"]["joint_unions"], 1)  # the plan's summary is the engine's
        self.assertEqual(set(self.plan_b.joint_unions.get().members.all()), set(self.micros_b))
        other = make_enterprise(self.world.town_a, TOWN_A, headcount=5)
        response = client.post(
            self.url("edit"),
            {"action": "group_create", "enterprises": [self.micros_b[0].pk, other.pk]},
            format="json",
        )
        self.assertEqual(response.status_code, 404)  # an enterprise outside the cadre's town

    def test_another_towns_cadre_is_refused(self):
        client = api_client(self.cadre_a)
        for name in ("joint-unions", "unassigned", "exclusions", "joint-wishes"):
            self.assertEqual(client.get(self.url(name)).status_code, 404, name)
        response = client.post(
            self.url("edit"), {"action": "group_dissolve", "joint_union": self.ju_b.pk}, format="json"
        )
        self.assertEqual(response.status_code, 404)
        self.assertTrue(self.plan_b.joint_unions.exists())
        response = client.post(
            self.url("edit"), {"action": "joint_wish", "enterprise": self.micros_b[0].pk}, format="json"
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.plan_b.joint_wishes.exists())

    def test_a_viewer_cannot_edit(self):
        viewer = make_user(self.world.town_b, "pairing.view_pairingplan")
        response = api_client(viewer).post(
            self.url("edit"), {"action": "group_dissolve", "joint_union": self.ju_b.pk}, format="json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertTrue(self.plan_b.joint_unions.exists())


class PlanFormPageTest(PairingWorld):
    def test_every_field_is_shown_under_a_heading_and_none_in_english(self):
        from gonghui.pairing.forms import PlanForm

        form = PlanForm(user=self.cadre_a)
        shown = {name for _title, names in PlanForm.sections for name in names}
        self.assertEqual(shown, {f.name for f in form.visible_fields()})
        self.client.force_login(self.cadre_a)
        response = self.client.get(reverse("pairing:plan_add"))
        self.assertContains(response, "联合工会、工会联合会")
        self.assertNotContains(response, "Params")
        self.assertContains(response, 'value="15"')  # the distance as a cadre writes it
