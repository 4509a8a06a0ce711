"""The REST API: token authentication, the same jurisdiction and services as the pages, Chinese
validation messages, and a valid OpenAPI 3 schema listing the orgs endpoints."""

from django.test import TestCase
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from gonghui.core import codes
from gonghui.core.models import AuditEntry
from gonghui.core.testing import TOWN_A, api_client, build_world, make_user
from gonghui.orgs.models import Enterprise

ORGS_ENDPOINTS = ["regions", "industries", "unions", "enterprises", "members", "venues"]


class TokenAuthTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.cadre = make_user(cls.world.town_a, role="town_cadre")

    def test_a_valid_token_is_served(self):
        response = api_client(self.cadre).get("/api/orgs/enterprises/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["count"], 1)

    def test_a_wrong_token_is_refused(self):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
        self.assertEqual(client.get("/api/orgs/enterprises/").status_code, 401)

    def test_no_credentials_are_refused(self):
        self.assertIn(APIClient().get("/api/orgs/enterprises/").status_code, (401, 403))

    def test_a_token_of_a_deactivated_account_is_refused(self):
        client = api_client(self.cadre)
        self.cadre.is_active = False
        self.cadre.save()
        self.assertEqual(client.get("/api/orgs/enterprises/").status_code, 401)

    def test_a_logged_in_browser_session_also_works(self):
        self.client.force_login(self.cadre)
        self.assertEqual(self.client.get("/api/orgs/enterprises/").status_code, 200)

    def test_every_orgs_endpoint_answers_a_cadre(self):
        client = api_client(self.cadre)
        for name in ORGS_ENDPOINTS:
            self.assertEqual(client.get(f"/api/orgs/{name}/").status_code, 200, name)


class WritesThroughServicesTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.cadre = make_user(cls.world.town_a, role="town_cadre")

    def test_creating_an_enterprise_puts_it_under_its_town_union_and_audits_it(self):
        response = api_client(self.cadre).post(
            "/api/orgs/enterprises/",
            {
                "name": "接口玻璃制品有限公司",
                "credit_code": codes.make_credit_code("api-1"),
                "town": TOWN_A,
                "industry": "3054",
                "headcount": 12,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["union"], self.world.town_a.pk)
        self.assertTrue(body["is_micro"])
        self.assertTrue(
            AuditEntry.objects.filter(action="create", object_id=str(body["id"]), user=self.cadre).exists()
        )

    def test_a_bad_credit_code_is_answered_in_chinese(self):
        code = codes.make_credit_code("api-2")
        response = api_client(self.cadre).post(
            "/api/orgs/enterprises/",
            {
                "name": "错码企业",
                "credit_code": code[:17] + ("0" if code[17] != "0" else "1"),
                "town": TOWN_A,
                "industry": "3054",
                "headcount": 12,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("统一社会信用代码校验码错误", str(response.json()))

    def test_a_duplicate_credit_code_is_answered_in_chinese(self):
        response = api_client(self.cadre).post(
            "/api/orgs/enterprises/",
            {
                "name": "重复企业",
                "credit_code": self.world.enterprise_a.credit_code,
                "town": TOWN_A,
                "industry": "3054",
                "headcount": 12,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("已存在", str(response.json()))

    def test_a_bad_id_number_is_answered_in_chinese(self):
        response = api_client(self.cadre).post(
            "/api/orgs/members/",
            {
                "name": "周会员",
                "id_number": "320923199001011230",
                "union": self.world.town_a.pk,
                "joined_on": "2024-01-01",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("身份证号码", str(response.json()))

    def test_patch_changes_one_field_and_is_audited(self):
        enterprise = self.world.enterprise_a
        response = api_client(self.cadre).patch(
            f"/api/orgs/enterprises/{enterprise.pk}/", {"headcount": 77}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Enterprise.objects.get(pk=enterprise.pk).headcount, 77)
        entry = AuditEntry.objects.get(action="update", object_id=str(enterprise.pk))
        self.assertEqual(entry.changes["headcount"], [30, 77])

    def test_filters_work_through_the_api(self):
        client = api_client(self.cadre)
        self.assertEqual(client.get("/api/orgs/industries/", {"level": "section"}).json()["count"], 20)
        towns = client.get("/api/orgs/regions/", {"parent": "320923"}).json()
        self.assertEqual(towns["count"], 17)
        self.assertEqual(client.get("/api/orgs/enterprises/", {"size": "micro"}).json()["count"], 1)
        self.assertEqual(client.get("/api/orgs/enterprises/", {"size": "large"}).json()["count"], 0)


class OpenAPISchemaTest(TestCase):
    def schema(self):
        response = self.client.get("/api/schema/", {"format": "json"})
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_the_schema_is_valid_openapi_3(self):
        schema = self.schema()
        self.assertTrue(schema["openapi"].startswith("3."))
        validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema

    def test_the_schema_lists_the_orgs_endpoints(self):
        paths = self.schema()["paths"]
        for name in ORGS_ENDPOINTS:
            self.assertIn(f"/api/orgs/{name}/", paths)
        self.assertIn("/api/orgs/enterprises/{id}/", paths)
        self.assertEqual(
            {"get", "put", "patch", "delete"} & set(paths["/api/orgs/members/{id}/"]),
            {"get", "put", "patch", "delete"},
        )

    def test_the_schema_documents_token_auth_and_hides_raw_personal_data(self):
        schema = self.schema()
        self.assertIn("tokenAuth", schema["components"]["securitySchemes"])
        member = schema["components"]["schemas"]["Member"]["properties"]
        self.assertTrue(member["id_number"].get("writeOnly"))
        self.assertTrue(member["id_number_display"].get("readOnly"))

    def test_the_docs_page_is_served_without_a_cdn(self):
        import importlib.util
        import re

        if importlib.util.find_spec("drf_spectacular_sidecar") is None:
            self.skipTest(
                "drf-spectacular-sidecar is not installed: /api/docs/ would load Swagger UI from a CDN"
            )
        response = self.client.get("/api/docs/")
        self.assertEqual(response.status_code, 200)
        assets = re.findall(r'(?:src|href)="([^"]+)"', response.content.decode())
        self.assertTrue(assets)
        for url in assets:
            self.assertTrue(url.startswith("/static/"), url)
