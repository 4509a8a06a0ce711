"""The dashboard counts enterprises, coverage of micro enterprises and map points inside the viewer's
jurisdiction only; and the demo county loads with its 790 micro enterprises and role accounts."""

import re
from datetime import date

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from gonghui.core.testing import (
    TOWN_A,
    TOWN_B,
    build_world,
    make_enterprise,
    make_member,
    make_user,
    make_venue,
)
from gonghui.orgs.models import Enterprise, Member, MentorLink, UnionOrg


class DashboardTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        w = cls.world = build_world()  # enterprise_a: 30 staff in 益林镇, enterprise_b: 30 staff in 乙镇
        cls.own = make_enterprise(w.town_a, TOWN_A, headcount=20, has_own_union=True)
        cls.joint = make_union_covering(w.town_a)
        cls.joint_covered = make_enterprise(cls.joint, TOWN_A, headcount=8)
        cls.big = make_enterprise(w.town_a, TOWN_A, headcount=500, has_own_union=True)
        cls.mentored = make_enterprise(w.town_a, TOWN_A, headcount=15)
        MentorLink.objects.create(mentor=w.union_a, enterprise=cls.mentored, since=date(2025, 1, 1))
        cls.medium = make_enterprise(w.town_b, TOWN_B, headcount=120)
        make_venue(w.town_a, lng=119.6, lat=33.8)
        make_venue(w.town_b, lng=119.9, lat=33.7)
        make_member(w.town_a)
        cls.cadre = make_user(w.town_a, role="town_cadre")
        cls.admin = make_user(w.county, role="county_admin")

    def dashboard(self, user):
        self.client.force_login(user)
        response = self.client.get(reverse("dashboard"))
        self.assertEqual(response.status_code, 200)
        return response

    def test_a_town_cadre_sees_coverage_of_their_towns_micro_enterprises_only(self):
        cov = self.dashboard(self.cadre).context["coverage"]
        # 益林镇's micro enterprises: enterprise_a (uncovered), own, joint_covered, mentored.
        self.assertEqual(
            {k: cov[k] for k in ("total", "own", "joint", "mentored", "covered", "gap")},
            {"total": 4, "own": 1, "joint": 1, "mentored": 1, "covered": 3, "gap": 1},
        )
        self.assertEqual(cov["rate"], 75.0)

    def test_the_county_admin_sees_every_town(self):
        response = self.dashboard(self.admin)
        cov = response.context["coverage"]
        self.assertEqual((cov["total"], cov["covered"], cov["gap"]), (5, 3, 2))
        self.assertEqual(response.context["stats"]["enterprises"], 7)
        towns = [(r["town__code"], r["micro"], r["medium"], r["large"]) for r in response.context["by_town"]]
        self.assertEqual(towns, [(TOWN_B, 1, 1, 0), (TOWN_A, 4, 0, 1)])

    def test_the_cadres_town_table_and_map_hold_nothing_of_other_towns(self):
        response = self.dashboard(self.cadre)
        self.assertEqual([r["town__code"] for r in response.context["by_town"]], [TOWN_A])
        data = response.context["chart_data"]
        names = {p[2] for p in data["enterprises"]}
        self.assertNotIn(self.world.enterprise_b.name, names)
        self.assertNotIn(self.medium.name, names)
        self.assertIn(self.big.name, names)
        self.assertEqual(len(data["venues"]), 1)
        self.assertEqual(
            response.context["stats"], {"enterprises": 5, "unions": 3, "members": 1, "venues": 1}
        )
        self.assertNotContains(response, self.medium.name)

    def test_the_page_shows_the_figures_and_loads_echarts_from_the_app(self):
        response = self.dashboard(self.cadre)
        self.assertContains(response, '<div class="display-6" id="coverage-rate">75.0%</div>', html=True)
        self.assertContains(response, 'id="chart-towns"')
        self.assertContains(response, 'id="chart-map"')
        self.assertContains(response, 'id="chart-data"')
        scripts = re.findall(r'<script src="([^"]+)"', response.content.decode())
        self.assertIn("/static/vendor/echarts.min.js", scripts)
        self.assertTrue(all(s.startswith("/static/") for s in scripts), scripts)

    def test_an_enterprise_chair_sees_only_their_union(self):
        chair = make_user(self.world.union_a, role="enterprise_chair")
        own_enterprise = make_enterprise(self.world.union_a, TOWN_A, headcount=10, has_own_union=True)
        response = self.dashboard(chair)
        self.assertEqual(response.context["stats"]["enterprises"], 1)
        self.assertEqual(response.context["coverage"]["total"], 1)
        self.assertEqual([p[2] for p in response.context["chart_data"]["enterprises"]], [own_enterprise.name])

    def test_anonymous_visitors_are_sent_to_login(self):
        response = self.client.get(reverse("dashboard"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])


def make_union_covering(town):
    from gonghui.core.testing import make_union

    return make_union("益林镇商贸联合工会", UnionOrg.Kind.JOINT_UNION, town, town.region_id)


class DemoCountyTest(TestCase):
    def test_the_demo_county_loads_with_its_enterprises_members_and_role_accounts(self):
        from gonghui.orgs import demo

        demo.load(with_apps=False)
        micro = Enterprise.objects.filter(headcount__lt=50).count()
        large = Enterprise.objects.filter(headcount__gte=300).count()
        members = Member.objects.count()
        self.assertEqual(micro, 790)
        self.assertTrue(50 <= large <= 70, large)
        self.assertTrue(23_000 <= members <= 27_000, members)
        self.assertEqual(
            set(UnionOrg.objects.filter(kind="town").values_list("region_id", flat=True)),
            {
                f"320923{c}"
                for c in (
                    "001",
                    "002",
                    "003",
                    "004",
                    "101",
                    "104",
                    "106",
                    "107",
                    "108",
                    "109",
                    "110",
                    "111",
                    "113",
                    "114",
                    "115",
                    "118",
                    "119",
                )
            },
        )
        users = {u.username: u for u in get_user_model().objects.select_related("org", "member")}
        roles = {name: users[name].role for name in users}
        self.assertEqual(
            roles,
            {
                "county_admin": "county_admin",
                "town_cadre": "town_cadre",
                "town_cadre2": "town_cadre",
                "chair": "enterprise_chair",
                "operator": "hotline_operator",
                "guide": "bargaining_guide",
                "worker": "worker",
                "admin": "",
            },
        )
        self.assertTrue(users["town_cadre"].check_password(demo.DEMO_PASSWORD))
        self.assertEqual(users["town_cadre"].org.region.name, "阜城街道")
        self.assertIsNotNone(users["worker"].member)
        self.assertEqual(users["county_admin"].org.kind, "county")
        # Personal data went in encrypted, like everything written through the model.
        sample = Member.objects.first()
        self.assertEqual(len(sample.id_number), 18)
        self.assertFalse(demo.ensure_loaded(), "a second load must be a no-op")
