"""Every orgs page and endpoint: refused without permission, served with it, 404 across towns."""

from gonghui.core.testing import (
    TOWN_A,
    APIViewTestCases,
    ScopedTestCase,
    ViewTestCases,
    make_enterprise,
    make_member,
    make_union,
    make_venue,
)
from gonghui.orgs.models import Enterprise, Member, UnionOrg, Venue


class EnterpriseViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = Enterprise
    url_prefix = "orgs:enterprise"

    def make_object(self, org):
        return make_enterprise(org, org.region_id)

    def form_data(self):
        from gonghui.core import codes

        return {
            "name": "新建玻璃制品有限公司",
            "credit_code": codes.make_credit_code(99991),
            "town": TOWN_A,
            "industry": "3054",
            "headcount": "12",
            "address": "益林镇",
        }


class EnterpriseAPITest(APIViewTestCases.PrimaryObject):
    model = Enterprise
    api_url = "/api/orgs/enterprises/"

    def make_object(self, org):
        return make_enterprise(org, org.region_id)


class UnionOrgViewTest(ViewTestCases.PrimaryObjectView):
    model = UnionOrg
    url_prefix = "orgs:unionorg"

    def make_object(self, org):
        return make_union(f"{org.name}下属工会", UnionOrg.Kind.ENTERPRISE_UNION, org, org.region_id)


class UnionOrgAPITest(APIViewTestCases.PrimaryObject):
    model = UnionOrg
    api_url = "/api/orgs/unions/"

    def make_object(self, org):
        return make_union(f"{org.name}下属工会", UnionOrg.Kind.ENTERPRISE_UNION, org, org.region_id)


class MemberViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = Member
    url_prefix = "orgs:member"

    def make_object(self, org):
        return make_member(org)

    def form_data(self):
        return {
            "name": "李四",
            "id_number": "11010519491231002X",
            "phone": "13912345678",
            "union": self.world.town_a.pk,
            "joined_on": "2024-05-01",
        }


class MemberAPITest(APIViewTestCases.PrimaryObject):
    model = Member
    api_url = "/api/orgs/members/"

    def make_object(self, org):
        return make_member(org)


class VenueViewTest(ViewTestCases.PrimaryObjectView):
    model = Venue
    url_prefix = "orgs:venue"

    def make_object(self, org):
        return make_venue(org)


class VenueAPITest(APIViewTestCases.PrimaryObject):
    model = Venue
    api_url = "/api/orgs/venues/"

    def make_object(self, org):
        return make_venue(org)


class ErrorPagesTest(ScopedTestCase):
    model = Enterprise

    def test_refusal_and_not_found_pages_speak_chinese(self):
        other = make_enterprise(self.world.town_b, self.world.town_b.region_id)
        self.client.force_login(self.user("view"))
        with self.settings(DEBUG=False):
            not_found = self.client.get(f"/orgs/enterprise/{other.pk}/")
            refused = self.client.get("/orgs/member/")
        self.assertContains(not_found, "不在您的管辖范围内", status_code=404)
        self.assertContains(refused, "没有权限", status_code=403)
