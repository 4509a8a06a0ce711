"""大带小 plans as a cadre uses them: create, run, adjust, re-solve, approve, compare."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings

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
        plan = self.county_plan()
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

    def test_export_lists_every_enterprise_of_the_plan(self):
        plan = self.county_plan()
        names = {row[1] for row in services.export_rows(plan)}
        self.assertTrue({e.name for e in self.micros_a + self.micros_b} <= names)
