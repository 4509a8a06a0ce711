"""scoped(): an account whose subtree is the whole tree gets the same rows without the join."""

from django.test import TestCase

from gonghui.core.scoping import scoped
from gonghui.core.testing import build_world, make_enterprise, make_user
from gonghui.orgs.models import Enterprise, UnionOrg


class WholeTreeShortcutTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        make_enterprise(cls.world.union_a, cls.world.town_a.region_id)

    def test_the_county_sees_exactly_what_the_path_filter_would_give(self):
        county = make_user(self.world.county)
        by_path = Enterprise.objects.filter(union__path__startswith=self.world.county.path)
        self.assertQuerySetEqual(scoped(Enterprise.objects.all(), county), by_path, ordered=False)
        self.assertQuerySetEqual(
            scoped(UnionOrg.objects.all(), county), UnionOrg.objects.all(), ordered=False
        )

    def test_the_county_query_does_not_join_the_union_tree(self):
        county = make_user(self.world.county)
        sql = str(scoped(Enterprise.objects.all(), county).query)
        self.assertNotIn("orgs_unionorg", sql)

    def test_the_county_query_adds_no_condition_when_every_row_has_an_owner(self):
        county = make_user(self.world.county)
        self.assertNotIn("WHERE", str(scoped(Enterprise.objects.all(), county).query))

    def test_a_town_keeps_the_path_filter(self):
        town = make_user(self.world.town_a)
        shown = set(scoped(Enterprise.objects.all(), town))
        self.assertIn(self.world.enterprise_a, shown)
        self.assertNotIn(self.world.enterprise_b, shown)
        self.assertIn("orgs_unionorg", str(scoped(Enterprise.objects.all(), town).query))
