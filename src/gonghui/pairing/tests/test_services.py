"""大带小 plans as a cadre uses them: create, run, adjust, re-solve, approve, compare."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone

from gonghui.core.models import AuditEntry
from gonghui.core.testing import TOWN_A, TOWN_B, build_world, make_enterprise, make_union, make_user
from gonghui.orgs.models import Enterprise, MentorLink, UnionOrg
from gonghui.pairing import services
from gonghui.pairing.models import PairingPlan, PlannedJointUnion

NEAR = {"lng": 119.70, "lat": 33.75}


def make_mentor(town_union, town_code, name, lng, lat, headcount=400, industry="3054"):
    big = make_enterprise(
        town_union, town_code, headcount=headcount, industry=industry, lng=lng, lat=lat, has_own_union=True
    )
    union = make_union(name, UnionOrg.Kind.ENTERPRISE_UNION, town_union, town_code, enterprise=big)
    big.union = union
    big.save()
    return union


class PairingWorld(TestCase):
    """Town A has two mentors (one near, one 6 km away) and micro enterprises around the near one;
    town B has three micro enterprises 30 km from any mentor, which can only form a joint union."""

    @classmethod
    def setUpTestData(cls):
        cls.world = w = build_world()
        cls.mentor_near = make_mentor(w.town_a, TOWN_A, "近企业工会", 119.70, 33.75)
        cls.mentor_far = make_mentor(w.town_a, TOWN_A, "远企业工会", 119.76, 33.78, industry="1811")
        cls.micros_a = [
            make_enterprise(w.town_a, TOWN_A, headcount=10 + k, lng=119.70 + 0.002 * k, lat=33.75)
            for k in range(3)
        ]
        cls.micros_b = [
            make_enterprise(
                w.town_b, TOWN_B, headcount=8 + k, lng=119.40 + 0.003 * k, lat=33.50, industry="5211"
            )
            for k in range(3)
        ]
        cls.admin = make_user(w.county, role="county_admin")
        cls.cadre_a = make_user(w.town_a, role="town_cadre")
        cls.cadre_b = make_user(w.town_b, role="town_cadre")

    def county_plan(self, **params):
        plan = services.create_plan(
            self.admin, {"name": "全县方案", "scope_union": self.world.county, "params": params}
        )
        return services.run_plan(self.admin, plan)


class RunTest(PairingWorld):
    def test_micro_enterprises_are_paired_with_the_nearby_mentor_and_explained(self):
        plan = self.county_plan()
        self.assertEqual(plan.status, PairingPlan.Status.SOLVED)
        pair = plan.pairs.get(enterprise=self.micros_a[0])
        self.assertEqual(pair.mentor, self.mentor_near)
        self.assertIn("同镇", pair.explanation)
        self.assertIn("3054", pair.explanation)
        self.assertEqual(plan.progress, 100)

    def test_capacity_of_a_mentor_is_never_exceeded(self):
        plan = self.county_plan(capacity_base=1, capacity_staff_step=0)
        loads = {}
        for pair in plan.pairs.all():
            loads[pair.mentor_id] = loads.get(pair.mentor_id, 0) + 1
        self.assertTrue(loads)
        self.assertLessEqual(max(loads.values()), 1)

    def test_enterprises_out_of_reach_of_mentors_form_a_joint_union(self):
        plan = self.county_plan()
        joint = plan.joint_unions.get()
        self.assertEqual(joint.kind, PlannedJointUnion.Kind.JOINT)
        self.assertEqual(set(joint.members.all()), set(self.micros_b))
        self.assertIn(joint.lead, self.micros_b)
        self.assertIn("龙头企业", joint.explanation)

    def test_unreachable_enterprise_is_reported_with_its_reason(self):
        plan = self.county_plan(joint_min_members=5)
        row = plan.unassigned.get(enterprise=self.micros_b[0])
        self.assertIn("15 公里内没有导师单位", row.explanation)

    def test_a_town_plan_only_considers_its_own_town(self):
        plan = services.create_plan(self.cadre_a, {"name": "益林镇方案", "scope_union": self.world.town_a})
        plan = services.run_plan(self.cadre_a, plan)
        in_plan = set(plan.pairs.values_list("enterprise_id", flat=True)) | set(
            plan.unassigned.values_list("enterprise_id", flat=True)
        )
        self.assertTrue({e.pk for e in self.micros_a} <= in_plan)
        self.assertFalse({e.pk for e in self.micros_b} & in_plan)

    @override_settings(GONGHUI_PAIRING_SYNC_LIMIT=0)
    def test_large_scope_is_solved_by_the_background_task(self):
        from gonghui.pairing.tasks import solve_plan_task

        plan = services.create_plan(self.admin, {"name": "大范围", "scope_union": self.world.county})
        with self.captureOnCommitCallbacks(execute=True):
            plan = services.run_plan(self.admin, plan)
        plan.refresh_from_db()
        self.assertEqual(plan.status, PairingPlan.Status.RUNNING)
        self.assertTrue(plan.task_id)
        solve_plan_task.call(plan.pk)
        plan.refresh_from_db()
        self.assertEqual(plan.status, PairingPlan.Status.SOLVED)
        self.assertTrue(plan.pairs.exists())


class PermissionTest(PairingWorld):
    def test_town_cadre_cannot_plan_for_the_county(self):
        with self.assertRaises(PermissionDenied):
            services.create_plan(self.cadre_a, {"name": "越权", "scope_union": self.world.county})

    def test_town_cadre_cannot_run_another_towns_plan(self):
        plan = services.create_plan(self.cadre_b, {"name": "乙镇方案", "scope_union": self.world.town_b})
        with self.assertRaises(PermissionDenied):
            services.run_plan(self.cadre_a, plan)
        plan.refresh_from_db()
        self.assertEqual(plan.status, PairingPlan.Status.DRAFT)

    def test_town_cadre_cannot_approve_another_towns_plan(self):
        plan = services.run_plan(
            self.cadre_b,
            services.create_plan(self.cadre_b, {"name": "乙镇方案", "scope_union": self.world.town_b}),
        )
        with self.assertRaises(PermissionDenied):
            services.approve_plan(self.cadre_a, plan)

    def test_towns_outside_the_scope_are_refused(self):
        from gonghui.orgs.models import Region

        with self.assertRaises(ValidationError):
            services.create_plan(
                self.cadre_a,
                {
                    "name": "错镇",
                    "scope_union": self.world.town_a,
                    "towns": [Region.objects.get(code=TOWN_B)],
                },
            )

    def test_a_chair_cannot_run_plans(self):
        plan = services.create_plan(self.admin, {"name": "全县方案", "scope_union": self.world.county})
        chair = make_user(self.world.union_a, role="enterprise_chair")
        with self.assertRaises(PermissionDenied):
            services.run_plan(chair, plan)


class ManualChangeTest(PairingWorld):
    def test_locked_pairs_are_kept_when_solving_again(self):
        plan = self.county_plan()
        moved = services.assign_mentor(self.admin, plan, self.micros_a[0], self.mentor_far)
        self.assertTrue(moved.locked and moved.manual)
        locked_too = plan.pairs.get(enterprise=self.micros_a[1])
        services.set_locked(self.admin, locked_too, True)

        again = services.resolve_plan(self.admin, plan)

        self.assertEqual(again.version, 2)
        self.assertEqual(again.previous, plan)
        self.assertEqual(again.pairs.get(enterprise=self.micros_a[0]).mentor, self.mentor_far)
        self.assertTrue(again.pairs.get(enterprise=self.micros_a[0]).locked)
        self.assertEqual(again.pairs.get(enterprise=self.micros_a[1]).mentor, locked_too.mentor)

    def test_unlocked_manual_move_may_be_undone_by_solving_again(self):
        plan = self.county_plan()
        pair = services.assign_mentor(self.admin, plan, self.micros_a[0], self.mentor_far)
        services.set_locked(self.admin, pair, False)
        again = services.resolve_plan(self.admin, plan)
        self.assertEqual(again.pairs.get(enterprise=self.micros_a[0]).mentor, self.mentor_near)

    def test_moving_to_a_full_mentor_is_refused(self):
        plan = self.county_plan(capacity_base=1, capacity_staff_step=0)
        taken = plan.pairs.get(mentor=self.mentor_near).enterprise
        other = next(e for e in self.micros_a if e != taken)
        with self.assertRaises(ValidationError):
            services.assign_mentor(self.admin, plan, other, self.mentor_near)

    def test_excluded_enterprise_stays_out_of_later_versions(self):
        plan = self.county_plan()
        services.exclude_enterprise(self.admin, plan, self.micros_a[2], "企业已注销")
        self.assertFalse(plan.pairs.filter(enterprise=self.micros_a[2]).exists())
        again = services.resolve_plan(self.admin, plan)
        self.assertEqual(again.unassigned.get(enterprise=self.micros_a[2]).reason, "excluded")

    def test_comparing_versions_shows_who_moved_where(self):
        plan = self.county_plan(joint_min_members=2)  # the joint union may shrink to two
        services.assign_mentor(self.admin, plan, self.micros_b[0], self.mentor_far)
        again = services.resolve_plan(self.admin, plan)
        rows = services.compare_plans(plan.previous or self.county_plan(), again)
        moved = {r["enterprise_id"]: r for r in rows}
        self.assertIn(self.micros_b[0].pk, moved)
        self.assertEqual(moved[self.micros_b[0].pk]["after"], ("结对", self.mentor_far.name))

    def test_approved_plan_cannot_be_changed(self):
        plan = services.approve_plan(self.admin, self.county_plan())
        with self.assertRaises(ValidationError):
            services.assign_mentor(self.admin, plan, self.micros_a[0], self.mentor_far)
        with self.assertRaises(ValidationError):
            services.run_plan(self.admin, plan)


class ApprovalTest(PairingWorld):
    def test_approval_writes_mentor_links_joint_unions_and_their_audit_entries(self):
        plan = self.county_plan()
        pair = plan.pairs.get(enterprise=self.micros_a[0])

        services.approve_plan(self.admin, plan)

        plan.refresh_from_db()
        self.assertEqual(plan.status, PairingPlan.Status.APPROVED)
        self.assertEqual(plan.approved_by, self.admin)
        link = MentorLink.objects.get(enterprise=self.micros_a[0], active=True)
        self.assertEqual(link.mentor, pair.mentor)
        self.assertIn(f"#{plan.pk}", link.source_plan)
        joint = plan.joint_unions.get().created_union
        self.assertEqual(joint.kind, UnionOrg.Kind.JOINT_UNION)
        self.assertEqual(joint.parent, self.world.town_b)
        self.assertIn(joint.lead_enterprise, self.micros_b)
        for e in self.micros_b:
            self.assertEqual(Enterprise.objects.get(pk=e.pk).union, joint)

        entries = AuditEntry.objects.filter(user=self.admin)
        self.assertTrue(entries.filter(action="create", content_type__model="mentorlink").exists())
        self.assertTrue(
            entries.filter(action="create", content_type__model="unionorg", object_id=str(joint.pk)).exists()
        )
        self.assertTrue(
            entries.filter(
                action="update", content_type__model="enterprise", object_id=str(self.micros_b[0].pk)
            ).exists()
        )
        self.assertTrue(
            entries.filter(action="action", object_id=str(plan.pk), note__contains="已批准").exists()
        )

    def test_approval_raises_coverage(self):
        before, _ = services.coverage_by_town(self.admin)
        services.approve_plan(self.admin, self.county_plan())
        after, total = services.coverage_by_town(self.admin)
        self.assertGreater(sum(r["covered"] for r in after), sum(r["covered"] for r in before))
        self.assertEqual(total["gap"], total["total"] - total["covered"])

    def test_an_enterprise_joining_a_joint_union_leaves_its_mentor(self):
        from gonghui.orgs import services as org_services

        plan = self.county_plan()
        mentored = self.micros_b[0]
        self.assertIn(mentored, plan.joint_unions.get().members.all())
        # linked to a mentor in orgs after the plan was computed (or moved into the group by hand)
        link = org_services.link_mentor(self.admin, self.mentor_far, mentored, timezone.localdate())

        services.approve_plan(self.admin, plan)

        link.refresh_from_db()
        self.assertFalse(link.active)
        self.assertFalse(MentorLink.objects.filter(enterprise=mentored, active=True).exists())
        ended = AuditEntry.objects.get(
            action="update", content_type__model="mentorlink", object_id=str(link.pk)
        )
        self.assertEqual(ended.changes["active"], [True, False])
        self.assertIn("加入", ended.note)

    def test_existing_links_are_kept_and_not_written_twice(self):
        services.approve_plan(self.admin, self.county_plan())
        links = MentorLink.objects.count()
        services.approve_plan(self.admin, self.county_plan())
        self.assertEqual(MentorLink.objects.count(), links)

    def test_uncovered_enterprises_carry_the_reason_from_their_plan(self):
        services.run_plan(
            self.admin,
            services.create_plan(
                self.admin,
                {"name": "方案", "scope_union": self.world.county, "params": {"joint_min_members": 5}},
            ),
        )
        rows, count = services.uncovered_with_reasons(self.admin)
        reasons = dict(rows)
        self.assertIn("没有导师单位", reasons[Enterprise.objects.get(pk=self.micros_b[0].pk)])
        self.assertEqual(count, len(rows))
        # Paired in a plan not yet approved: the page says so rather than "in no plan".
        self.assertEqual(
            reasons[Enterprise.objects.get(pk=self.micros_a[0].pk)], "方案第 1 版拟由近企业工会帮带，待批准"
        )

    def test_an_enterprise_in_no_plan_says_so_and_a_later_plan_has_the_last_word(self):
        rows, _count = services.uncovered_with_reasons(self.admin)
        self.assertEqual(dict(rows)[Enterprise.objects.get(pk=self.micros_b[0].pk)], "尚未纳入任何结对方案")
        self.county_plan(joint_min_members=5)  # town B's three are left out: too few
        later = self.county_plan()  # a later plan groups them
        rows, _count = services.uncovered_with_reasons(self.admin)
        self.assertIn(
            f"{later.name}第 1 版拟并入", dict(rows)[Enterprise.objects.get(pk=self.micros_b[0].pk)]
        )

    def test_export_lists_every_enterprise_of_the_plan(self):
        plan = self.county_plan()
        names = {row[1] for row in services.export_rows(plan)}
        self.assertTrue({e.name for e in self.micros_a + self.micros_b} <= names)


class ReadableParametersTest(PairingWorld):
    def test_parameters_are_described_with_chinese_labels_and_units(self):
        rows = {
            key: (label, text) for key, label, text in services.describe_params(services.default_params())
        }
        self.assertEqual(rows["same_town"], ("同镇要求", "同镇优先"))
        self.assertEqual(rows["max_distance_km"], ("最大结对距离", "15 公里"))
        self.assertEqual(rows["keep_existing"][1], "是")
        self.assertEqual(rows["use_federations"][1], "是")
        self.assertIn("同小类 0 分", rows["industry_penalty"][1])
        self.assertEqual(services.param_value_text("same_town", "required"), "必须同镇")
        self.assertEqual(services.param_value_text("keep_existing", False), "否")
        self.assertEqual(services.param_value_text("max_distance_km", 2.5), "2.5 公里")

    def test_compare_lists_only_the_changed_parameters(self):
        a = services.create_plan(self.admin, {"name": "甲", "scope_union": self.world.county})
        b = services.create_plan(
            self.admin,
            {"name": "乙", "scope_union": self.world.county, "params": {"same_town": "required"}},
        )
        self.assertEqual(services.compare_params(a, b), [("同镇要求", "同镇优先", "必须同镇")])

    def test_history_of_a_parameter_change_is_field_old_new_in_chinese(self):
        plan = services.create_plan(self.admin, {"name": "全县方案", "scope_union": self.world.county})
        services.update_plan(self.admin, plan, {"params": {"max_distance_km": 12, "keep_existing": False}})
        entry = AuditEntry.objects.filter(action="update", object_id=str(plan.pk)).latest("id")
        rows = {label: (before, after) for label, before, after in entry.labelled_changes()}
        self.assertEqual(rows["参数·最大结对距离"], ("15 公里", "12 公里"))
        self.assertEqual(rows["参数·保留已有结对"], ("是", "否"))
        self.assertEqual(len(rows), 2)  # nothing else changed
        created = AuditEntry.objects.get(
            action="create", object_id=str(plan.pk), content_type__model="pairingplan"
        )
        labels = {label for label, _b, _a in created.labelled_changes()}
        self.assertIn("参数·同镇要求", labels)
        self.assertNotIn("参数", labels)  # no JSON dump of all parameters
        self.assertEqual(dict((lbl, a) for lbl, _b, a in created.labelled_changes())["状态"], "草稿")

    def test_approval_history_reads_status_by_name(self):
        plan = services.approve_plan(self.admin, self.county_plan())
        entry = AuditEntry.objects.get(action="action", object_id=str(plan.pk), note__contains="已批准")
        rows = {label: (before, after) for label, before, after in entry.labelled_changes()}
        self.assertEqual(rows["状态"], ("已计算", "已批准"))
        self.assertRegex(rows["批准时间"][1], r"^\d{4}-\d\d-\d\d \d\d:\d\d$")

    def test_export_has_the_parameters_sheet(self):
        import io

        from openpyxl import load_workbook

        plan = self.county_plan(same_town="required")
        wb = load_workbook(io.BytesIO(services.export_workbook(plan, "大带小结对方案（未批准）")))
        info = {row[0]: row[1] for row in wb["方案与参数"].iter_rows(min_row=2, values_only=True)}
        self.assertEqual(info["参数：同镇要求"], "必须同镇")
        self.assertEqual(info["参数：保留已有结对"], "是")
        self.assertIn("覆盖率", info["结果"])


class ExclusionUndoTest(PairingWorld):
    def test_exclusion_keeps_who_and_why_and_can_be_undone(self):
        plan = self.county_plan()
        x = services.exclude_enterprise(self.admin, plan, self.micros_a[2], "企业已注销")
        self.assertEqual((x.excluded_by, x.note), (self.admin, "企业已注销"))
        self.assertIsNotNone(x.excluded_at)

        services.include_enterprise(self.admin, plan, self.micros_a[2])

        self.assertFalse(plan.exclusions.exists())
        self.assertEqual(plan.unassigned.get(enterprise=self.micros_a[2]).reason, "pending")
        entry = AuditEntry.objects.get(action="delete", content_type__model="planexclusion")
        self.assertIn("恢复纳入", entry.note)
        self.assertIn("企业已注销", entry.note)
        self.assertEqual(entry.parent_object_id, str(plan.pk))
        # Back in: the next version pairs it again.
        again = services.resolve_plan(self.admin, plan)
        self.assertTrue(again.pairs.filter(enterprise=self.micros_a[2]).exists())

    def test_exclusion_needs_a_reason_and_carries_its_author_to_the_next_version(self):
        plan = self.county_plan()
        with self.assertRaises(ValidationError):
            services.exclude_enterprise(self.admin, plan, self.micros_a[2], "  ")
        services.exclude_enterprise(self.admin, plan, self.micros_a[2], "已自行建会")
        again = services.resolve_plan(self.admin, plan)
        x = again.exclusions.get()
        self.assertEqual((x.excluded_by, x.note), (self.admin, "已自行建会"))
        self.assertIn("已自行建会", again.unassigned.get(enterprise=self.micros_a[2]).explanation)

    def test_including_what_was_not_excluded_is_refused(self):
        plan = self.county_plan()
        with self.assertRaises(ValidationError):
            services.include_enterprise(self.admin, plan, self.micros_a[0])

    def test_another_towns_cadre_cannot_undo_an_exclusion(self):
        plan = self.county_plan()
        services.exclude_enterprise(self.admin, plan, self.micros_a[2], "已注销")
        with self.assertRaises(PermissionDenied):
            services.include_enterprise(self.cadre_b, plan, self.micros_a[2])


class JointUnionEditTest(PairingWorld):
    """Town B's micro enterprises form one joint union; the cadre edits it within the bounds."""

    def extra_b(self, headcount=7, **kw):
        return make_enterprise(
            self.world.town_b, TOWN_B, headcount=headcount, lng=119.41, lat=33.50, industry="5211", **kw
        )

    def group(self, plan):
        return plan.joint_unions.get(kind=PlannedJointUnion.Kind.JOINT)

    def test_moving_an_unassigned_enterprise_in_and_changing_the_lead_survive_a_resolve(self):
        plan = self.county_plan(joint_max_members=3)
        fourth = self.extra_b()
        plan = services.resolve_plan(self.admin, plan)  # four in town B, at most three per union
        left = plan.unassigned.get(reason="too_few").enterprise
        ju = self.group(plan)

        with self.assertRaisesMessage(ValidationError, "最多 3 家"):
            services.move_to_group(self.admin, plan, left, ju)

        plan.params["joint_max_members"] = 4
        plan.save(update_fields=["params"])
        services.move_to_group(self.admin, plan, left, ju)
        services.set_group_lead(self.admin, plan, ju, left)
        ju.refresh_from_db()
        self.assertEqual(ju.lead, left)
        self.assertTrue(ju.locked and ju.manual)
        self.assertEqual(set(ju.members.all()), {*self.micros_b, fourth})
        self.assertEqual(ju.total_staff, sum(e.headcount for e in [*self.micros_b, fourth]))
        self.assertFalse(plan.unassigned.filter(enterprise=left).exists())
        self.assertTrue(
            AuditEntry.objects.filter(
                content_type__model="plannedjointunion", object_id=str(ju.pk), note__contains="龙头企业改为"
            ).exists()
        )

        again = services.resolve_plan(self.admin, plan)
        kept = self.group(again)
        self.assertEqual(set(kept.members.all()), {*self.micros_b, fourth})
        self.assertEqual(kept.lead, left)
        self.assertTrue(kept.locked)
        self.assertEqual(again.summary["joint_members"], 4)
        self.assertFalse(again.unassigned.exists())

    def test_bounds_are_checked_with_a_clear_message(self):
        plan = self.county_plan(joint_max_staff=40)
        ju = self.group(plan)  # 8 + 9 + 10 = 27 staff
        small = self.extra_b(headcount=20)
        plan.unassigned.create(enterprise=small, reason="pending", explanation="测试")
        with self.assertRaisesMessage(ValidationError, "超过上限 40 人"):
            services.move_to_group(self.admin, plan, small, ju)
        big = self.extra_b(headcount=30)
        plan.unassigned.create(enterprise=big, reason="own_union", explanation="测试")
        with self.assertRaisesMessage(ValidationError, "《工会法》第十一条"):
            services.move_to_group(self.admin, plan, big, ju)
        with self.assertRaisesMessage(ValidationError, "同一镇街"):
            services.move_to_group(self.admin, plan, self.micros_a[0], ju)
        with self.assertRaisesMessage(ValidationError, "少于联合工会最少的 3 家"):
            services.remove_from_group(self.admin, plan, ju, self.micros_b[0])
        with self.assertRaisesMessage(ValidationError, "少于联合工会最少的 3 家"):
            services.assign_mentor(self.admin, plan, self.micros_b[0], self.mentor_far)
        self.assertEqual(self.group(plan).members.count(), 3)

    def test_removing_a_member_leaves_it_waiting_and_dissolving_frees_all(self):
        plan = self.county_plan(joint_min_members=2)
        ju = self.group(plan)
        services.remove_from_group(self.admin, plan, ju, self.micros_b[0])
        self.assertEqual(plan.unassigned.get(enterprise=self.micros_b[0]).reason, "manual")
        ju.refresh_from_db()
        self.assertEqual(ju.members.count(), 2)
        self.assertIn("等2家企业联合工会", ju.name)
        services.dissolve_group(self.admin, plan, ju)
        self.assertFalse(plan.joint_unions.exists())
        self.assertEqual(plan.unassigned.filter(reason="manual").count(), 3)
        self.assertTrue(
            AuditEntry.objects.filter(action="delete", content_type__model="plannedjointunion").exists()
        )

    def test_moving_a_paired_enterprise_into_a_joint_union(self):
        far = [
            make_enterprise(self.world.town_a, TOWN_A, headcount=5 + k, lng=119.30 + 0.002 * k, lat=34.10)
            for k in range(2)
        ]
        plan = self.county_plan(joint_min_members=2)
        ju = plan.joint_unions.get(members=far[0])
        services.move_to_group(self.admin, plan, self.micros_a[0], ju)
        self.assertFalse(plan.pairs.filter(enterprise=self.micros_a[0]).exists())
        self.assertTrue(
            AuditEntry.objects.filter(action="delete", content_type__model="plannedpair").exists()
        )
        again = services.resolve_plan(self.admin, plan)
        self.assertFalse(again.pairs.filter(enterprise=self.micros_a[0]).exists())
        self.assertEqual(set(again.joint_unions.get(members=far[0]).members.all()), {*far, self.micros_a[0]})

    def test_a_federation_core_must_be_able_to_form_its_own_union(self):
        plan = self.county_plan()
        ju = self.group(plan)
        ju.kind = PlannedJointUnion.Kind.FEDERATION
        ju.save()
        with self.assertRaisesMessage(ValidationError, "核心企业应能单独建会"):
            services.set_group_lead(self.admin, plan, ju, self.micros_b[0])

    def test_another_towns_cadre_cannot_edit_the_joint_union(self):
        plan = self.county_plan()
        ju = self.group(plan)
        with self.assertRaises(PermissionDenied):
            services.set_group_lead(self.cadre_a, plan, ju, self.micros_b[0])
        with self.assertRaises(PermissionDenied):
            services.dissolve_group(self.cadre_a, plan, ju)


class StaleResultTest(PairingWorld):
    def test_changing_parameters_of_a_solved_plan_sends_it_back_to_draft_and_a_run_keeps_the_locks(self):
        plan = self.county_plan()
        services.assign_mentor(self.admin, plan, self.micros_a[0], self.mentor_far)
        services.update_plan(self.admin, plan, {"name": "全县方案（改名）"})
        plan.refresh_from_db()
        self.assertEqual(plan.status, PairingPlan.Status.SOLVED)  # a new name does not change the answer

        services.update_plan(self.admin, plan, {"params": {"max_distance_km": 12}})
        plan.refresh_from_db()
        self.assertEqual(plan.status, PairingPlan.Status.DRAFT)
        self.assertEqual(plan.summary, {})
        entry = AuditEntry.objects.filter(action="update", object_id=str(plan.pk)).latest("id")
        self.assertEqual(entry.changes["status"], ["已计算", "草稿"])

        plan = services.run_plan(self.admin, plan)
        self.assertEqual(plan.status, PairingPlan.Status.SOLVED)
        self.assertEqual(plan.pairs.get(enterprise=self.micros_a[0]).mentor, self.mentor_far)


class NewJointUnionTest(PairingWorld):
    def test_paired_enterprises_that_opt_in_form_a_new_joint_union_kept_by_resolving(self):
        plan = self.county_plan()
        ju = services.create_group(self.admin, plan, self.micros_a)
        self.assertEqual(set(ju.members.all()), set(self.micros_a))
        self.assertEqual(ju.lead, max(self.micros_a, key=lambda e: e.headcount))
        self.assertTrue(ju.locked and ju.manual)
        self.assertFalse(plan.pairs.filter(enterprise__in=self.micros_a).exists())
        entry = AuditEntry.objects.get(action="create", content_type__model="plannedjointunion")
        self.assertIn("人工新建联合工会", entry.note)
        self.assertEqual(entry.parent_object_id, str(plan.pk))
        again = services.resolve_plan(self.admin, plan)
        self.assertEqual(
            set(again.joint_unions.get(members=self.micros_a[0]).members.all()), set(self.micros_a)
        )
        self.assertFalse(again.pairs.filter(enterprise__in=self.micros_a).exists())

    def test_a_new_joint_union_keeps_the_bounds(self):
        plan = self.county_plan()
        with self.assertRaisesMessage(ValidationError, "需要 3–10 家企业"):
            services.create_group(self.admin, plan, self.micros_a[:2])
        with self.assertRaisesMessage(ValidationError, "同一镇街"):
            services.create_group(self.admin, plan, [*self.micros_a[:2], self.micros_b[0]])
        big = make_enterprise(self.world.town_a, TOWN_A, headcount=30, lng=119.70, lat=33.75)
        fourth = make_enterprise(
            self.world.town_b, TOWN_B, headcount=7, lng=119.41, lat=33.50, industry="5211"
        )
        plan = self.county_plan()  # town B: one joint union of four
        with self.assertRaisesMessage(ValidationError, "《工会法》第十一条"):
            services.create_group(self.admin, plan, [*self.micros_a[:2], big])
        self.assertEqual(plan.joint_unions.get(members=fourth).members.count(), 4)
        # Taking three of its four members would leave it below its minimum.
        with self.assertRaisesMessage(ValidationError, "少于联合工会最少的 3 家"):
            services.create_group(self.admin, plan, self.micros_b)
        self.assertEqual(plan.joint_unions.get(members=fourth).members.count(), 4)  # nothing half-done

    def test_a_federation_needs_exactly_one_core_able_to_form_its_own_union(self):
        core = make_enterprise(self.world.town_a, TOWN_A, headcount=30, lng=119.70, lat=33.75)
        plan = self.county_plan()
        with self.assertRaisesMessage(ValidationError, "为核心"):
            services.create_group(self.admin, plan, self.micros_a[:2], PlannedJointUnion.Kind.FEDERATION)
        fed = services.create_group(
            self.admin, plan, [core, self.micros_a[0]], PlannedJointUnion.Kind.FEDERATION
        )
        self.assertEqual(fed.lead, core)
        self.assertIn("工会联合会", fed.name)


class JointWishTest(PairingWorld):
    """A micro enterprise may ask for a joint union rather than a mentor (the issue's "opted-in")."""

    def test_wishing_enterprises_are_grouped_not_paired_at_the_next_solve(self):
        plan = self.county_plan()
        self.assertTrue(plan.pairs.filter(enterprise__in=self.micros_a).count() == 3)
        for e in self.micros_a:
            services.record_joint_wish(self.admin, plan, e, "企业希望共建职工之家")
        # Nothing moves until the cadre solves again; then the three form one joint union.
        self.assertEqual(plan.pairs.filter(enterprise__in=self.micros_a).count(), 3)
        again = services.resolve_plan(self.admin, plan)
        self.assertFalse(again.pairs.filter(enterprise__in=self.micros_a).exists())
        ju = again.joint_unions.get(members=self.micros_a[0])
        self.assertEqual(set(ju.members.all()), set(self.micros_a))
        self.assertEqual(again.joint_wishes.count(), 3)
        entry = AuditEntry.objects.filter(action="create", content_type__model="planjointwish").first()
        self.assertEqual((entry.user, entry.parent_object_id), (self.admin, str(plan.pk)))
        self.assertIn("愿入联合工会", entry.note)

    def test_a_lone_wish_stays_uncovered_with_its_reason_until_withdrawn(self):
        plan = self.county_plan()
        services.record_joint_wish(self.admin, plan, self.micros_a[0])
        again = services.resolve_plan(self.admin, plan)
        row = again.unassigned.get(enterprise=self.micros_a[0])
        self.assertEqual(row.reason, "joint_wish")
        self.assertIn("愿入联合工会", row.explanation)
        services.withdraw_joint_wish(self.admin, again, self.micros_a[0])
        third = services.resolve_plan(self.admin, again)
        self.assertEqual(third.pairs.get(enterprise=self.micros_a[0]).mentor, self.mentor_near)
        self.assertTrue(
            AuditEntry.objects.filter(action="delete", content_type__model="planjointwish").exists()
        )

    def test_wishes_that_the_law_or_the_plan_forbid_are_refused_with_the_reason(self):
        plan = self.county_plan()
        big = make_enterprise(self.world.town_a, TOWN_A, headcount=30, lng=119.701, lat=33.75)
        plan = services.resolve_plan(self.admin, plan)
        with self.assertRaisesMessage(ValidationError, "工会法第十一条"):
            services.record_joint_wish(self.admin, plan, big)
        pair = plan.pairs.get(enterprise=self.micros_a[1])
        services.set_locked(self.admin, pair, True)
        with self.assertRaisesMessage(ValidationError, "请先解锁"):
            services.record_joint_wish(self.admin, plan, self.micros_a[1])
        services.record_joint_wish(self.admin, plan, self.micros_a[2])
        with self.assertRaisesMessage(ValidationError, "已登记"):
            services.record_joint_wish(self.admin, plan, self.micros_a[2])

    def test_another_towns_cadre_cannot_record_or_withdraw_a_wish(self):
        plan = services.create_plan(self.cadre_a, {"name": "益林镇方案", "scope_union": self.world.town_a})
        plan = services.run_plan(self.cadre_a, plan)
        with self.assertRaises(PermissionDenied):
            services.record_joint_wish(self.cadre_b, plan, self.micros_a[0])
        services.record_joint_wish(self.cadre_a, plan, self.micros_a[0])
        with self.assertRaises(PermissionDenied):
            services.withdraw_joint_wish(self.cadre_b, plan, self.micros_a[0])


class SummaryTest(PairingWorld):
    def test_manual_changes_keep_the_summary_true_to_the_rows(self):
        plan = self.county_plan()
        before = dict(plan.summary)
        services.exclude_enterprise(self.admin, plan, self.micros_a[2], "已注销")
        plan.refresh_from_db()
        s = plan.summary
        self.assertEqual(s["unassigned"], before["unassigned"] + 1)
        self.assertEqual(s["pairs"], before["pairs"] - 1)
        self.assertEqual(s["micro_total"], before["micro_total"])
        self.assertEqual(s["rate"], round(100 * (before["covered"] - 1) / before["micro_total"], 1))
        services.dissolve_group(self.admin, plan, plan.joint_unions.get())
        plan.refresh_from_db()
        self.assertEqual((plan.summary["joint_unions"], plan.summary["joint_members"]), (0, 0))
        self.assertEqual(plan.summary["covered"], before["covered"] - 1 - 3)
        self.assertEqual(plan.summary["total_cost"], before["total_cost"])  # the engine's figure stays
