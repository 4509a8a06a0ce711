"""Test base classes: every model gets its permission and jurisdiction tests for free.

An app's test declares the model, its URL names, and how to make one object inside the tester's
town and one in another town; the mixins then check, for pages and API alike, that

- an account without the permission is refused (403),
- an account with the permission is served (200 / 201 / 204),
- an account of another org gets 404 for the object and does not see it in lists or exports.

Like NetBox's ViewTestCases: mix in only the cases the model supports.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gonghui.core import codes
from gonghui.orgs.models import Enterprise, Member, Region, UnionOrg, Venue

COUNTY = "320923"
TOWN_A = "320923115"  # 益林镇
TOWN_B = "320923101"


@dataclass
class World:
    county: UnionOrg
    town_a: UnionOrg
    town_b: UnionOrg
    enterprise_a: Enterprise
    enterprise_b: Enterprise
    union_a: UnionOrg  # an enterprise union in town A


_seq = {"n": 0}


def _next():
    _seq["n"] += 1
    return _seq["n"]


def make_union(name, kind, parent, region_code, **extra):
    org = UnionOrg.objects.create(
        name=name, kind=kind, parent=parent, region=Region.objects.get(code=region_code), **extra
    )
    org.path = org.compute_path()
    org.save(update_fields=["path"])
    return org


def make_enterprise(union, town_code, headcount=30, industry="3054", **extra):
    n = _next()
    defaults = dict(
        name=f"测试企业{n}有限公司",
        credit_code=codes.make_credit_code(n),
        town=Region.objects.get(code=town_code),
        industry_id=industry,
        headcount=headcount,
        union=union,
        lng=119.7,
        lat=33.75,
    )
    defaults.update(extra)
    return Enterprise.objects.create(**defaults)


def make_member(union, enterprise=None, **extra):
    n = _next()
    m = Member(
        name=extra.pop("name", f"职工{n}"),
        id_number=codes.make_id_number("320923", date(1985, 1, 1 + n % 28), n),
        phone=extra.pop("phone", f"138{n:08d}"),
        union=union,
        enterprise=enterprise,
        joined_on=date(2020, 1, 1),
        **extra,
    )
    m.save()
    return m


def make_venue(owner, **extra):
    return Venue.objects.create(name=f"职工之家{_next()}", kind="home", owner=owner, capacity=50, **extra)


def build_world():
    county = make_union("阜宁县总工会", UnionOrg.Kind.COUNTY_FEDERATION, None, COUNTY)
    town_a = make_union("益林镇工会", UnionOrg.Kind.TOWN_UNION, county, TOWN_A)
    town_b = make_union("乙镇工会", UnionOrg.Kind.TOWN_UNION, county, TOWN_B)
    enterprise_a = make_enterprise(town_a, TOWN_A)
    enterprise_b = make_enterprise(town_b, TOWN_B)
    union_a = make_union("甲企业工会", UnionOrg.Kind.ENTERPRISE_UNION, town_a, TOWN_A)
    return World(county, town_a, town_b, enterprise_a, enterprise_b, union_a)


def make_user(org, *perms, role="", username=None, **extra):
    """An account at `org` with exactly the given permissions (role '' grants nothing by itself)."""
    User = get_user_model()
    user = User.objects.create_user(
        username=username or f"user{_next()}", password="pw-Test-12345", role=role, org=org, **extra
    )
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return get_user_model().objects.get(pk=user.pk)  # fresh: no stale permission cache


# Data migrations that load reference tables: (app label, migration module, model it fills).
REFERENCE_MIGRATIONS = [
    ("orgs", "0002_reference_data", "Region"),
    ("bargaining", "0002_load_occupations", "Occupation"),
]


def restore_reference_data():
    """For live-server (transactional) tests: put back what a flush removed.

    Such tests empty every table after each test, the reference tables that data migrations
    loaded (regions, industries, occupations) too, and post_migrate recreates content types under
    new ids that ContentType's cache does not know. Call this at the start of each such test.
    """
    from importlib import import_module

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    for app_label, migration, model_name in REFERENCE_MIGRATIONS:
        if not apps.is_installed(f"gonghui.{app_label}"):
            continue
        if apps.get_model(app_label, model_name).objects.exists():
            continue
        import_module(f"gonghui.{app_label}.migrations.{migration}").load(apps, None)


def api_client(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


class ScopedTestCase(TestCase):
    """Two towns of one county. `make_object(world, org)` builds an object owned by `org`."""

    model = None

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()

    def perm(self, action):
        return f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"

    def make_object(self, org):
        raise NotImplementedError

    def user(self, *actions, org=None, extra_perms=()):
        return make_user(org or self.world.town_a, *[self.perm(a) for a in actions], *extra_perms)


class ViewTestCases:
    """Page tests. Subclasses set `url_prefix` (e.g. "orgs:enterprise") and mix in the cases."""

    class GetObjectView(ScopedTestCase):
        url_prefix = ""

        def test_detail_refused_without_permission(self):
            obj = self.make_object(self.world.town_a)
            self.client.force_login(self.user())
            self.assertEqual(
                self.client.get(reverse(f"{self.url_prefix}_detail", args=[obj.pk])).status_code, 403
            )

        def test_detail_shown_with_permission(self):
            obj = self.make_object(self.world.town_a)
            self.client.force_login(self.user("view"))
            response = self.client.get(reverse(f"{self.url_prefix}_detail", args=[obj.pk]))
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "变更历史")

        def test_detail_of_another_town_is_not_found(self):
            obj = self.make_object(self.world.town_b)
            self.client.force_login(self.user("view"))
            self.assertEqual(
                self.client.get(reverse(f"{self.url_prefix}_detail", args=[obj.pk])).status_code, 404
            )

        def test_anonymous_is_sent_to_login(self):
            obj = self.make_object(self.world.town_a)
            response = self.client.get(reverse(f"{self.url_prefix}_detail", args=[obj.pk]))
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("login"), response["Location"])

    class ListObjectsView(ScopedTestCase):
        url_prefix = ""

        def test_list_refused_without_permission(self):
            self.client.force_login(self.user())
            self.assertEqual(self.client.get(reverse(f"{self.url_prefix}_list")).status_code, 403)

        def test_list_shows_only_own_jurisdiction(self):
            mine = self.make_object(self.world.town_a)
            theirs = self.make_object(self.world.town_b)
            self.client.force_login(self.user("view"))
            response = self.client.get(reverse(f"{self.url_prefix}_list"))
            self.assertEqual(response.status_code, 200)
            shown = {obj.pk for obj in response.context["object_list"]}
            self.assertIn(mine.pk, shown)
            self.assertNotIn(theirs.pk, shown)

        def test_export_needs_export_permission(self):
            self.make_object(self.world.town_a)
            self.client.force_login(self.user("view"))
            self.assertEqual(
                self.client.get(reverse(f"{self.url_prefix}_list") + "?export=xlsx").status_code, 403
            )

        def test_export_holds_only_own_jurisdiction(self):
            import io

            from openpyxl import load_workbook

            mine = self.make_object(self.world.town_a)
            theirs = self.make_object(self.world.town_b)
            self.client.force_login(self.user("view", extra_perms=("orgs.export_data",)))
            response = self.client.get(reverse(f"{self.url_prefix}_list") + "?export=xlsx")
            self.assertEqual(response.status_code, 200)
            sheet = load_workbook(io.BytesIO(response.content)).active
            names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
            self.assertIn(str(mine), names)
            self.assertNotIn(str(theirs), names)

    class CreateObjectView(ScopedTestCase):
        url_prefix = ""

        def form_data(self):
            raise NotImplementedError

        def test_create_refused_without_permission(self):
            self.client.force_login(self.user("view"))
            response = self.client.post(reverse(f"{self.url_prefix}_add"), self.form_data())
            self.assertEqual(response.status_code, 403)

        def test_create_with_permission_is_audited(self):
            from gonghui.core.models import AuditEntry

            self.client.force_login(self.user("view", "add"))
            before = self.model.objects.count()
            response = self.client.post(reverse(f"{self.url_prefix}_add"), self.form_data())
            self.assertEqual(
                response.status_code,
                302,
                getattr(response, "context", None) and response.context.get("form").errors,
            )
            self.assertEqual(self.model.objects.count(), before + 1)
            self.assertTrue(AuditEntry.objects.filter(action="create").exists())

    class EditObjectView(ScopedTestCase):
        url_prefix = ""

        def test_edit_refused_without_permission(self):
            obj = self.make_object(self.world.town_a)
            self.client.force_login(self.user("view"))
            self.assertEqual(
                self.client.get(reverse(f"{self.url_prefix}_edit", args=[obj.pk])).status_code, 403
            )

        def test_edit_form_shown_with_permission(self):
            obj = self.make_object(self.world.town_a)
            self.client.force_login(self.user("view", "change"))
            self.assertEqual(
                self.client.get(reverse(f"{self.url_prefix}_edit", args=[obj.pk])).status_code, 200
            )

        def test_edit_of_another_town_is_not_found(self):
            obj = self.make_object(self.world.town_b)
            self.client.force_login(self.user("view", "change"))
            self.assertEqual(
                self.client.get(reverse(f"{self.url_prefix}_edit", args=[obj.pk])).status_code, 404
            )

    class DeleteObjectView(ScopedTestCase):
        url_prefix = ""

        def test_delete_refused_without_permission(self):
            obj = self.make_object(self.world.town_a)
            self.client.force_login(self.user("view"))
            self.assertEqual(
                self.client.post(reverse(f"{self.url_prefix}_delete", args=[obj.pk])).status_code, 403
            )
            self.assertTrue(self.model.objects.filter(pk=obj.pk).exists())

        def test_delete_with_permission_is_audited(self):
            from gonghui.core.models import AuditEntry

            obj = self.make_object(self.world.town_a)
            self.client.force_login(self.user("view", "delete"))
            response = self.client.post(reverse(f"{self.url_prefix}_delete", args=[obj.pk]))
            self.assertEqual(response.status_code, 302)
            self.assertFalse(self.model.objects.filter(pk=obj.pk).exists())
            self.assertTrue(AuditEntry.objects.filter(action="delete", object_id=str(obj.pk)).exists())

        def test_delete_of_another_town_is_not_found(self):
            obj = self.make_object(self.world.town_b)
            self.client.force_login(self.user("view", "delete"))
            self.assertEqual(
                self.client.post(reverse(f"{self.url_prefix}_delete", args=[obj.pk])).status_code, 404
            )
            self.assertTrue(self.model.objects.filter(pk=obj.pk).exists())

    class PrimaryObjectView(GetObjectView, ListObjectsView, EditObjectView, DeleteObjectView):
        """The full set for a model with list, detail, edit and delete pages."""


class APIViewTestCases:
    """REST tests. Subclasses set `api_url` (e.g. "/api/orgs/enterprises/")."""

    class GetObject(ScopedTestCase):
        api_url = ""

        def test_api_refused_without_permission(self):
            obj = self.make_object(self.world.town_a)
            self.assertEqual(api_client(self.user()).get(f"{self.api_url}{obj.pk}/").status_code, 403)

        def test_api_unauthenticated_refused(self):
            obj = self.make_object(self.world.town_a)
            self.assertIn(APIClient().get(f"{self.api_url}{obj.pk}/").status_code, (401, 403))

        def test_api_detail_with_permission(self):
            obj = self.make_object(self.world.town_a)
            response = api_client(self.user("view")).get(f"{self.api_url}{obj.pk}/")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json()["id"], obj.pk)

        def test_api_detail_of_another_town_is_not_found(self):
            obj = self.make_object(self.world.town_b)
            self.assertEqual(api_client(self.user("view")).get(f"{self.api_url}{obj.pk}/").status_code, 404)

        def test_api_list_holds_only_own_jurisdiction(self):
            mine = self.make_object(self.world.town_a)
            theirs = self.make_object(self.world.town_b)
            response = api_client(self.user("view")).get(self.api_url)
            self.assertEqual(response.status_code, 200)
            ids = {row["id"] for row in response.json()["results"]}
            self.assertIn(mine.pk, ids)
            self.assertNotIn(theirs.pk, ids)

    class DeleteObject(ScopedTestCase):
        api_url = ""

        def test_api_delete_refused_without_permission(self):
            obj = self.make_object(self.world.town_a)
            self.assertEqual(
                api_client(self.user("view")).delete(f"{self.api_url}{obj.pk}/").status_code, 403
            )

        def test_api_delete_with_permission(self):
            obj = self.make_object(self.world.town_a)
            self.assertEqual(
                api_client(self.user("view", "delete")).delete(f"{self.api_url}{obj.pk}/").status_code, 204
            )
            self.assertFalse(self.model.objects.filter(pk=obj.pk).exists())

        def test_api_delete_of_another_town_is_not_found(self):
            obj = self.make_object(self.world.town_b)
            self.assertEqual(
                api_client(self.user("view", "delete")).delete(f"{self.api_url}{obj.pk}/").status_code, 404
            )

    class PrimaryObject(GetObject, DeleteObject):
        pass
