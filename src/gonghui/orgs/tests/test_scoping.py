"""Jurisdiction: an account sees and changes only its union's subtree, a worker only their own record,
and pages, the API, search and exports agree because they all start from `scoped()`."""

import io

from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from gonghui.core.scoping import check_in_scope, get_scoped, scoped
from gonghui.core.testing import (
    TOWN_A,
    TOWN_B,
    api_client,
    build_world,
    make_enterprise,
    make_member,
    make_union,
    make_user,
    make_venue,
)
from gonghui.orgs import services
from gonghui.orgs.models import Enterprise, Member, UnionOrg, Venue


def exported_names(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


class TownCadreTest(TestCase):
    """A cadre of 益林镇 and an enterprise of 乙镇: refused on the page, the API and the export."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.cadre = make_user(cls.world.town_a, role="town_cadre")
        cls.theirs = cls.world.enterprise_b
        cls.mine = cls.world.enterprise_a

    def setUp(self):
        self.client.force_login(self.cadre)

    def test_another_towns_enterprise_page_is_not_found(self):
        for name in ("orgs:enterprise_detail", "orgs:enterprise_edit", "orgs:enterprise_delete"):
            self.assertEqual(self.client.get(reverse(name, args=[self.theirs.pk])).status_code, 404, name)
        self.assertEqual(
            self.client.get(reverse("orgs:enterprise_detail", args=[self.mine.pk])).status_code, 200
        )

    def test_the_not_found_page_does_not_leak_the_enterprise_name(self):
        response = self.client.get(reverse("orgs:enterprise_detail", args=[self.theirs.pk]))
        self.assertNotContains(response, self.theirs.name, status_code=404)

    def test_another_towns_enterprise_is_not_found_through_the_api(self):
        client = api_client(self.cadre)
        url = f"/api/orgs/enterprises/{self.theirs.pk}/"
        self.assertEqual(client.get(url).status_code, 404)
        self.assertEqual(client.patch(url, {"headcount": 1}, format="json").status_code, 404)
        self.assertEqual(client.delete(url).status_code, 404)
        self.theirs.refresh_from_db()
        self.assertNotEqual(self.theirs.headcount, 1)
        self.assertEqual(client.get(f"/api/orgs/enterprises/{self.mine.pk}/").status_code, 200)

    def test_another_towns_enterprise_is_not_in_the_export_even_when_searched_for(self):
        url = reverse("orgs:enterprise_list")
        response = self.client.get(url, {"export": "xlsx"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(exported_names(response), {self.mine.name})
        response = self.client.get(url, {"export": "xlsx", "q": self.theirs.credit_code})
        self.assertEqual(exported_names(response), set())

    def test_another_towns_enterprise_is_not_found_by_list_search_or_filter(self):
        url = reverse("orgs:enterprise_list")
        for params in ({"q": self.theirs.name}, {"q": self.theirs.credit_code}, {"town": TOWN_B}):
            response = self.client.get(url, params)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(list(response.context["object_list"]), [], params)
        self.assertEqual(
            api_client(self.cadre).get("/api/orgs/enterprises/", {"q": self.theirs.name}).json()["count"], 0
        )
        self.assertEqual(
            api_client(self.cadre).get("/api/orgs/enterprises/", {"town": TOWN_B}).json()["count"], 0
        )

    def test_the_cadre_sees_the_whole_subtree_of_their_town(self):
        deep_union = make_union("甲企业工会第一小组", UnionOrg.Kind.UNION_GROUP, self.world.union_a, TOWN_A)
        deep_member = make_member(deep_union)
        self.assertIn(deep_member, scoped(Member.objects.all(), self.cadre))
        self.assertEqual(
            set(scoped(UnionOrg.objects.all(), self.cadre)),
            {self.world.town_a, self.world.union_a, deep_union},
        )

    def test_the_cadre_cannot_place_an_enterprise_under_another_towns_union(self):
        from gonghui.core import codes

        data = {
            "name": "越界企业",
            "credit_code": codes.make_credit_code("scoping-1"),
            "town_id": TOWN_B,
            "industry_id": "3054",
            "headcount": 10,
            "union": self.world.town_b,
        }
        with self.assertRaises(PermissionDenied):
            services.create_enterprise(self.cadre, data)
        response = api_client(self.cadre).post(
            "/api/orgs/enterprises/",
            {
                **{k: v for k, v in data.items() if k not in ("town_id", "industry_id", "union")},
                "town": TOWN_B,
                "industry": "3054",
                "union": self.world.town_b.pk,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Enterprise.objects.filter(name="越界企业").exists())

    def test_the_cadre_cannot_move_their_enterprise_out_of_their_jurisdiction(self):
        with self.assertRaises(PermissionDenied):
            services.update_enterprise(self.cadre, self.mine, {"union": self.world.town_b})
        self.mine.refresh_from_db()
        self.assertEqual(self.mine.union, self.world.town_a)

    def test_the_cadre_cannot_move_a_union_under_another_town(self):
        union = UnionOrg.objects.get(pk=self.world.union_a.pk)
        with self.assertRaises(PermissionDenied):
            services.update_union(self.cadre, union, {"parent": self.world.town_b})
        union.refresh_from_db()
        self.assertEqual(union.parent, self.world.town_a)

    def test_the_cadre_cannot_edit_their_own_town_union_into_another_county_position(self):
        # The cadre's own org is in scope, but its parent (the county) is not: it cannot be moved.
        town = UnionOrg.objects.get(pk=self.world.town_a.pk)
        with self.assertRaises(PermissionDenied):
            services.update_union(self.cadre, town, {"parent": self.world.town_b})

    def test_get_scoped_refuses_without_permission_before_looking(self):
        no_perms = make_user(self.world.town_a)
        with self.assertRaises(PermissionDenied):
            get_scoped(no_perms, Enterprise, self.theirs.pk)


class EnterpriseChairTest(TestCase):
    """An enterprise union chair sees their union and what hangs below it, nothing of the town."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        w = cls.world
        cls.own_enterprise = make_enterprise(w.union_a, TOWN_A)
        cls.group = make_union("甲企业工会一组", UnionOrg.Kind.UNION_GROUP, w.union_a, TOWN_A)
        cls.own_member = make_member(w.union_a, cls.own_enterprise)
        cls.group_member = make_member(cls.group)
        cls.town_member = make_member(w.town_a)
        cls.own_venue = make_venue(w.union_a)
        cls.town_venue = make_venue(w.town_a)
        cls.chair = make_user(w.union_a, role="enterprise_chair")

    def test_the_chair_sees_only_their_unions_subtree(self):
        self.assertEqual(set(scoped(UnionOrg.objects.all(), self.chair)), {self.world.union_a, self.group})
        self.assertEqual(set(scoped(Enterprise.objects.all(), self.chair)), {self.own_enterprise})
        self.assertEqual(set(scoped(Member.objects.all(), self.chair)), {self.own_member, self.group_member})
        self.assertEqual(set(scoped(Venue.objects.all(), self.chair)), {self.own_venue})

    def test_the_chair_gets_not_found_for_the_town_and_its_other_enterprises(self):
        self.client.force_login(self.chair)
        for name, obj in (
            ("orgs:enterprise_detail", self.world.enterprise_a),
            ("orgs:unionorg_detail", self.world.town_a),
            ("orgs:member_detail", self.town_member),
            ("orgs:venue_detail", self.town_venue),
        ):
            self.assertEqual(self.client.get(reverse(name, args=[obj.pk])).status_code, 404, name)
        self.assertEqual(
            self.client.get(reverse("orgs:member_detail", args=[self.group_member.pk])).status_code, 200
        )

    def test_the_chairs_lists_and_api_agree(self):
        self.client.force_login(self.chair)
        page = self.client.get(reverse("orgs:member_list"))
        api = api_client(self.chair).get("/api/orgs/members/").json()
        self.assertEqual({m.pk for m in page.context["object_list"]}, {row["id"] for row in api["results"]})
        self.assertEqual(api["count"], 2)

    def test_the_chair_cannot_create_a_union(self):
        with self.assertRaises(PermissionDenied):
            services.create_union(
                self.chair,
                {
                    "name": "新小组",
                    "kind": UnionOrg.Kind.UNION_GROUP,
                    "parent": self.world.union_a,
                    "region_id": TOWN_A,
                },
            )


class WorkerTest(TestCase):
    """A worker sees their own member record, on the page and through the API, and nothing else."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.me = make_member(cls.world.union_a, cls.world.enterprise_a, name="王小明")
        cls.colleague = make_member(cls.world.union_a, cls.world.enterprise_a, name="李同事")
        cls.worker = make_user(cls.world.union_a, role="worker", member=cls.me)

    def test_the_worker_sees_only_their_own_record_on_the_page(self):
        self.client.force_login(self.worker)
        response = self.client.get(reverse("orgs:member_list"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["object_list"]), [self.me])
        self.assertEqual(self.client.get(reverse("orgs:member_detail", args=[self.me.pk])).status_code, 200)
        self.assertEqual(
            self.client.get(reverse("orgs:member_detail", args=[self.colleague.pk])).status_code, 404
        )

    def test_the_worker_sees_only_their_own_record_through_the_api(self):
        client = api_client(self.worker)
        data = client.get("/api/orgs/members/").json()
        self.assertEqual([row["id"] for row in data["results"]], [self.me.pk])
        self.assertEqual(client.get(f"/api/orgs/members/{self.colleague.pk}/").status_code, 404)
        self.assertEqual(client.get(f"/api/orgs/members/{self.me.pk}/").status_code, 200)

    def test_the_worker_sees_nothing_else(self):
        self.client.force_login(self.worker)
        for name in ("orgs:enterprise_list", "orgs:unionorg_list", "orgs:venue_list", "core:audit_list"):
            self.assertEqual(self.client.get(reverse(name)).status_code, 403, name)
        self.assertEqual(
            self.client.get(reverse("orgs:enterprise_detail", args=[self.world.enterprise_a.pk])).status_code,
            403,
        )
        client = api_client(self.worker)
        for url in ("/api/orgs/enterprises/", "/api/orgs/unions/", "/api/orgs/venues/"):
            self.assertEqual(client.get(url).status_code, 403, url)
        for model in (Enterprise, UnionOrg, Venue):
            self.assertFalse(scoped(model.objects.all(), self.worker).exists(), model)

    def test_the_worker_cannot_change_or_export_their_record(self):
        self.client.force_login(self.worker)
        self.assertEqual(self.client.get(reverse("orgs:member_edit", args=[self.me.pk])).status_code, 403)
        self.assertEqual(self.client.get(reverse("orgs:member_list"), {"export": "xlsx"}).status_code, 403)
        response = api_client(self.worker).patch(
            f"/api/orgs/members/{self.me.pk}/", {"name": "改"}, format="json"
        )
        self.assertEqual(response.status_code, 403)

    def test_the_workers_dashboard_shows_no_county_figures(self):
        self.client.force_login(self.worker)
        response = self.client.get(reverse("dashboard"))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["show_orgs"])
        self.assertNotContains(response, "小微企业工会覆盖")

    def test_a_worker_account_without_a_member_record_sees_no_one(self):
        lonely = make_user(self.world.union_a, role="worker")
        self.assertFalse(scoped(Member.objects.all(), lonely).exists())
        self.assertEqual(api_client(lonely).get("/api/orgs/members/").json()["count"], 0)


class EdgeAccountsTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()

    def test_an_account_without_an_org_sees_nothing_even_with_permissions(self):
        orphan = make_user(None, "orgs.view_enterprise", "orgs.view_member")
        self.assertFalse(scoped(Enterprise.objects.all(), orphan).exists())
        self.assertFalse(scoped(Member.objects.all(), orphan).exists())
        with self.assertRaises(PermissionDenied):
            check_in_scope(orphan, self.world.town_a)

    def test_anonymous_users_see_nothing(self):
        from django.contrib.auth.models import AnonymousUser

        self.assertFalse(scoped(Enterprise.objects.all(), AnonymousUser()).exists())

    def test_a_county_admin_sees_every_town(self):
        admin = make_user(self.world.county, role="county_admin")
        self.assertEqual(
            set(scoped(Enterprise.objects.all(), admin)), {self.world.enterprise_a, self.world.enterprise_b}
        )

    def test_a_union_whose_id_prefixes_another_is_not_its_ancestor(self):
        # Paths end in "/": the union at /1/2/ must not see the one at /1/29/.
        town = self.world.town_a
        sibling = make_union("另一镇工会", UnionOrg.Kind.TOWN_UNION, self.world.county, TOWN_B)
        prefixed_path = f"{self.world.county.path}{town.pk}9/"
        UnionOrg.objects.filter(pk=sibling.pk).update(path=prefixed_path)
        self.assertTrue(prefixed_path.startswith(town.path[:-1]))
        cadre = make_user(town, "orgs.view_unionorg")
        self.assertNotIn(sibling, scoped(UnionOrg.objects.all(), cadre))
