"""Use cases of 集体协商: computing and publishing the booklet, who sees what, market position,
and the statutory deadlines of a case as the model layer computes them."""

import io
import shutil
import tempfile
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings

from gonghui.bargaining import services, tasks
from gonghui.bargaining.models import (
    BookletVersion,
    EmployeeRow,
    EnterpriseReturn,
    NegotiationCase,
    Representative,
    SurveyRound,
    WageGuideline,
)
from gonghui.bargaining.tests.factories import make_case, make_return, make_round
from gonghui.core.scoping import scoped
from gonghui.core.testing import build_world, make_enterprise, make_union, make_user

MEDIA = tempfile.mkdtemp(prefix="gonghui-bargaining-test-")


def tearDownModule():
    shutil.rmtree(MEDIA, ignore_errors=True)


def survey_world(world, n_enterprises=6, rows=15):
    """A county round with returns from enterprises in both towns, one industry."""
    rnd = make_round(world.county)
    enterprises = []
    for i in range(n_enterprises):
        town = world.town_a if i % 2 == 0 else world.town_b
        e = make_enterprise(town, town.region_id)
        make_return(rnd, e, n=rows, seed=i, base=3500 + 300 * i)
        enterprises.append(e)
    return rnd, enterprises


@override_settings(MEDIA_ROOT=MEDIA)
class PublishTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.admin = make_user(cls.world.county, role="county_admin")
        cls.rnd, cls.enterprises = survey_world(cls.world)
        WageGuideline.objects.create(
            year=2025,
            scope_union=cls.world.county,
            baseline=Decimal("6.5"),
            upper=Decimal("9"),
            lower=Decimal("3"),
        )

    def test_computing_stores_every_table_with_counts(self):
        services.compute_round(self.admin, self.rnd)
        self.rnd.refresh_from_db()
        self.assertEqual(self.rnd.status, SurveyRound.Status.COMPUTED)
        self.assertEqual(self.rnd.progress, 100)
        total = self.rnd.computed_tables["tables"]["total"]["rows"][0]
        self.assertEqual(total["enterprises"], 6)
        self.assertEqual(total["employees"], 90)
        self.assertIsNotNone(total["monthly_p50"])

    def test_the_background_task_computes_the_same(self):
        tasks.compute_round_task.call(self.rnd.pk, self.admin.pk)
        self.rnd.refresh_from_db()
        self.assertEqual(self.rnd.status, SurveyRound.Status.COMPUTED)

    def test_excluded_and_unsent_returns_are_left_out(self):
        ret = EnterpriseReturn.objects.filter(round=self.rnd).first()
        ret.status = EnterpriseReturn.Status.EXCLUDED
        ret.save()
        services.compute_round(self.admin, self.rnd)
        self.assertEqual(self.rnd.computed_tables["tables"]["total"]["rows"][0]["enterprises"], 5)

    def test_flagged_rows_under_review_are_kept(self):
        ret = EnterpriseReturn.objects.filter(round=self.rnd).first()
        ret.status = EnterpriseReturn.Status.REVIEW
        ret.save()
        services.compute_round(self.admin, self.rnd)
        self.assertEqual(self.rnd.computed_tables["tables"]["total"]["rows"][0]["enterprises"], 6)

    def test_publishing_stores_tables_method_rules_pdf_and_xlsx(self):
        from openpyxl import load_workbook
        from pypdf import PdfReader

        services.compute_round(self.admin, self.rnd)
        booklet = services.publish_booklet(self.admin, self.rnd, note="初版")
        self.assertEqual(booklet.version, 1)
        self.assertIn("SAS", booklet.method_note)
        self.assertEqual(booklet.rules["min_enterprises"], 3)
        self.assertIn("total", booklet.tables)
        pdf = booklet.pdf.read()
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages[:3])
        self.assertIn("薪酬", text)
        wb = load_workbook(io.BytesIO(booklet.xlsx.read()))
        self.assertIn("说明", wb.sheetnames)
        self.rnd.refresh_from_db()
        self.assertEqual(self.rnd.status, SurveyRound.Status.PUBLISHED)
        again = services.publish_booklet(self.admin, self.rnd)
        self.assertEqual(again.version, 2)

    def test_publishing_needs_computed_tables(self):
        with self.assertRaises(ValidationError):
            services.publish_booklet(self.admin, self.rnd)

    def test_publishing_needs_the_permission_and_the_round_in_scope(self):
        services.compute_round(self.admin, self.rnd)
        cadre = make_user(self.world.town_a, role="town_cadre")
        with self.assertRaises(PermissionDenied):
            services.publish_booklet(cadre, self.rnd)
        town_admin = make_user(self.world.town_a, role="county_admin")
        with self.assertRaises(PermissionDenied):
            services.publish_booklet(town_admin, self.rnd)  # the county's round is above this town

    def test_a_booklet_figure_never_shows_one_enterprise_alone(self):
        services.compute_round(self.admin, self.rnd)
        booklet = services.publish_booklet(self.admin, self.rnd)
        for table in booklet.tables.values():
            for row in table["rows"]:
                if row["status"] == "published":
                    self.assertGreaterEqual(row["enterprises"], 3)
                    self.assertGreaterEqual(row["employees"], 10)
                else:
                    self.assertIsNone(row["monthly_p50"])

    def test_stored_tables_round_trip_into_the_renderer(self):
        services.compute_round(self.admin, self.rnd)
        tables = services.tableset_from_json(self.rnd.computed_tables["tables"], self.rnd.rules(), False)
        back = services.serialize_tables(tables)
        self.assertEqual(back["division"]["rows"], self.rnd.computed_tables["tables"]["division"]["rows"])

    def test_year_on_year_from_last_years_round(self):
        last = make_round(self.world.county, year=2024)
        for i, e in enumerate(self.enterprises):
            make_return(last, e, n=15, seed=100 + i, base=3300 + 300 * i)
        services.compute_round(self.admin, self.rnd)
        total = self.rnd.computed_tables["tables"]["total"]["rows"][0]
        self.assertIsNotNone(total.get("yoy_monthly_p50"))

    def test_guideline_of_the_round_year_is_found_above(self):
        self.assertEqual(services.guideline_for(self.rnd).baseline, Decimal("6.5"))


@override_settings(MEDIA_ROOT=MEDIA)
class ScopingTest(TestCase):
    """A chair sees their own enterprise's returns and the published tables, never another's rows."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.admin = make_user(cls.world.county, role="county_admin")
        cls.rnd, cls.enterprises = survey_world(cls.world)
        # The chair's own enterprise, covered by its enterprise union in town A.
        cls.own = make_enterprise(cls.world.union_a, cls.world.union_a.region_id)
        cls.own_return = make_return(cls.rnd, cls.own, n=12, seed=42, base=3000)
        cls.chair = make_user(cls.world.union_a, role="enterprise_chair")
        services.compute_round(cls.admin, cls.rnd)
        cls.booklet = services.publish_booklet(cls.admin, cls.rnd)

    def test_chair_sees_only_own_returns_and_rows(self):
        returns = scoped(EnterpriseReturn.objects.all(), self.chair)
        self.assertEqual(list(returns), [self.own_return])
        rows = scoped(EmployeeRow.objects.all(), self.chair)
        self.assertEqual(rows.count(), 12)
        self.assertEqual(set(rows.values_list("ret_id", flat=True)), {self.own_return.pk})

    def test_chair_sees_the_county_round_and_published_booklet(self):
        self.assertIn(self.rnd, services.visible_rounds(self.chair))
        self.assertIn(self.booklet, services.visible_booklets(self.chair))

    def test_town_cadre_sees_own_town_returns_only(self):
        cadre = make_user(self.world.town_a, role="town_cadre")
        towns = set(scoped(EnterpriseReturn.objects.all(), cadre).values_list("enterprise__union", flat=True))
        self.assertTrue(towns <= {self.world.town_a.pk, self.world.union_a.pk})

    def test_guide_sees_no_raw_rows(self):
        guide = make_user(self.world.town_a, role="bargaining_guide")
        self.assertFalse(guide.has_perm("bargaining.view_employeerow"))

    def test_booklets_of_another_county_are_not_visible(self):
        other = make_union("外县总工会", "county", None, self.world.county.region_id)
        outsider = make_user(other, role="county_admin")
        self.assertFalse(services.visible_booklets(outsider).exists())
        self.assertFalse(services.visible_rounds(outsider).exists())

    def test_my_enterprise_vs_the_market(self):
        result = services.market_comparison(self.chair, self.own_return, self.booklet)
        self.assertTrue(result)
        for r in result:
            self.assertIn(r["occupation"], ("6-28-01-01", "6-28-01-02"))
            if r["p25"] is not None:
                self.assertEqual(r["below_p25"], r["pay"] < r["p25"])
        # The own enterprise pays less than the others: some group falls below P25.
        self.assertTrue(any(r["below_p25"] for r in result))

    def test_chair_cannot_compare_another_enterprise(self):
        other = EnterpriseReturn.objects.exclude(pk=self.own_return.pk).first()
        with self.assertRaises(PermissionDenied):
            services.market_comparison(self.chair, other, self.booklet)


class CaseDeadlineTest(TestCase):
    """Deadlines through the model: NegotiationCase.deadlines() applies deadlines.py's rules."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.cadre = make_user(cls.world.town_a, role="town_cadre")

    def case(self, **dates):
        return make_case(self.world.town_a, self.world.enterprise_a, **dates)

    def by_key(self, case, today):
        return {d.key: d for d in case.deadlines(today)}

    def test_reply_is_due_twenty_days_after_the_offer(self):
        case = self.case(offer_on=date(2025, 3, 4))
        reply = self.by_key(case, date(2025, 3, 10))["reply"]
        self.assertEqual(reply.due, date(2025, 3, 24))
        self.assertEqual(reply.status, "pending")

    def test_a_reply_limit_ending_on_a_sunday_moves_to_monday(self):
        case = self.case(offer_on=date(2025, 3, 3))  # + 20 days = Sunday 23 March
        self.assertEqual(self.by_key(case, date(2025, 3, 10))["reply"].due, date(2025, 3, 24))

    def test_a_missed_reply_is_flagged(self):
        case = self.case(offer_on=date(2025, 3, 3))
        self.assertEqual([d.key for d in case.missed_deadlines(date(2025, 4, 30))], ["reply"])

    def test_a_late_reply_is_flagged_as_late(self):
        case = self.case(offer_on=date(2025, 3, 3), reply_on=date(2025, 4, 20))
        self.assertEqual(self.by_key(case, date(2025, 5, 1))["reply"].status, "late")

    def test_reply_limit_across_a_month_end_and_the_national_day_holiday(self):
        case = self.case(offer_on=date(2025, 9, 11))  # + 20 days = 1 October, a holiday
        reply = self.by_key(case, date(2025, 9, 12))["reply"]
        self.assertEqual(reply.due, date(2025, 10, 9))  # first working day after 1-8 October

    def test_filing_review_effect_and_renewal_window(self):
        case = self.case(
            offer_on=date(2025, 3, 3),
            reply_on=date(2025, 3, 10),
            signed_on=date(2025, 5, 6),
            filed_on=date(2025, 5, 12),
            term_years=2,
            congress_total=60,
            congress_present=50,
            congress_for=40,
        )
        d = self.by_key(case, date(2025, 7, 1))
        self.assertEqual(d["filing"].status, "met")
        self.assertEqual(d["review"].due, date(2025, 5, 27))
        self.assertEqual(d["effective"].due, date(2025, 5, 28))
        self.assertEqual(d["renewal"].due, date(2027, 5, 27))
        self.assertEqual(d["renewal"].window_start, date(2027, 2, 27))

    def test_a_contract_near_its_end_without_a_renewal_request_is_a_warning_signal(self):
        signed = dict(
            offer_on=date(2025, 3, 3),
            reply_on=date(2025, 3, 10),
            signed_on=date(2025, 5, 6),
            filed_on=date(2025, 5, 12),
            term_years=2,
        )
        case = self.case(**signed)  # expires 2027-05-27, renewal window from 2027-02-27

        def signals(day):
            return [s["enterprise_id"] for s in services.expiring_contract_signals(day)]

        self.assertEqual(signals(date(2027, 1, 15)), [])  # not yet in the window
        self.assertEqual(signals(date(2027, 3, 1)), [self.world.enterprise_a.pk])
        self.assertEqual(signals(date(2027, 7, 1)), [self.world.enterprise_a.pk])  # lapsed, unrenewed
        self.assertEqual(signals(date(2027, 12, 1)), [])  # lapsed long ago: no longer news
        self.case(offer_on=date(2027, 3, 5))  # the next negotiation has begun
        self.assertEqual(signals(date(2027, 3, 10)), [])
        case.renewal_requested_on = date(2027, 3, 1)
        case.save()
        self.assertEqual(signals(date(2027, 3, 2)), [])

    def test_signing_without_a_passed_vote_is_refused(self):
        case = self.case()
        for i, side in enumerate(["workers"] * 3 + ["employer"] * 3):
            Representative.objects.create(case=case, side=side, name=f"代表{i}", is_chief=i in (0, 3))
        with self.assertRaises(ValidationError) as ctx:
            services.update_case(
                self.cadre,
                case,
                {
                    "signed_on": date(2025, 5, 6),
                    "congress_total": 60,
                    "congress_present": 35,
                    "congress_for": 30,
                },
            )
        self.assertIn("congress_for", ctx.exception.message_dict)
        self.assertIn("三分之二", " ".join(ctx.exception.message_dict["congress_for"]))

    def test_signing_needs_valid_representatives(self):
        case = self.case()
        Representative.objects.create(case=case, side="workers", name="甲", is_chief=True)
        with self.assertRaises(ValidationError) as ctx:
            services.update_case(
                self.cadre,
                case,
                {
                    "signed_on": date(2025, 5, 6),
                    "congress_total": 60,
                    "congress_present": 50,
                    "congress_for": 40,
                },
            )
        self.assertIn("signed_on", ctx.exception.message_dict)

    def test_a_valid_signing_moves_the_stage(self):
        case = self.case(offer_on=date(2025, 3, 3))
        for i, side in enumerate(["workers"] * 3 + ["employer"] * 3):
            Representative.objects.create(case=case, side=side, name=f"代表{i}", is_chief=i in (0, 3))
        services.update_case(
            self.cadre,
            case,
            {"signed_on": date(2025, 5, 6), "congress_total": 60, "congress_present": 50, "congress_for": 40},
        )
        case.refresh_from_db()
        self.assertEqual(case.stage, NegotiationCase.Stage.SIGNED)

    def test_an_outside_expert_cannot_be_chief(self):
        case = self.case()
        with self.assertRaises(ValidationError):
            services.add_representative(
                self.cadre,
                {
                    "case": case,
                    "side": "workers",
                    "name": "外聘律师",
                    "is_chief": True,
                    "is_outside_expert": True,
                },
            )
        self.assertFalse(Representative.objects.filter(case=case).exists())

    def test_nobody_sits_on_both_sides(self):
        case = self.case()
        services.add_representative(self.cadre, {"case": case, "side": "workers", "name": "张三"})
        with self.assertRaises(ValidationError):
            services.add_representative(self.cadre, {"case": case, "side": "employer", "name": "张三"})

    def test_case_of_another_town_cannot_be_changed(self):
        case = make_case(self.world.town_b, self.world.enterprise_b)
        with self.assertRaises(PermissionDenied):
            services.update_case(self.cadre, case, {"notes": "x"})

    def test_congress_counts_are_checked_by_the_model(self):
        case = NegotiationCase(
            title="t",
            union=self.world.town_a,
            enterprise=self.world.enterprise_a,
            congress_total=10,
            congress_present=12,
            congress_for=5,
        )
        with self.assertRaises(ValidationError):
            case.full_clean()


class BookletVersionModelTest(TestCase):
    def test_versions_are_unique_per_round(self):
        from django.db import IntegrityError

        world = build_world()
        rnd = make_round(world.county)
        BookletVersion.objects.create(round=rnd, version=1, method_note="m")
        with self.assertRaises(IntegrityError):
            BookletVersion.objects.create(round=rnd, version=1, method_note="m")
