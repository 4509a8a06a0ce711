"""In a real browser (Debian's Chromium, driven by Playwright): a county administrator logs in to the
demo county, sees the dashboard's charts drawn, finds an enterprise through the list search and opens
it; a town cadre cannot open another town's enterprise. Run with `make e2e`."""

import os
import shutil

import pytest
from django.contrib.staticfiles.testing import StaticLiveServerTestCase

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOT_DIR = os.environ.get("GONGHUI_E2E_SCREENSHOTS", "/tmp")

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(
    not shutil.which(CHROMIUM), reason="Debian's chromium is not installed (apt-get install chromium)"
)
class BrowserTest(StaticLiveServerTestCase):
    @classmethod
    def setUpClass(cls):
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    def setUp(self):

        from gonghui.core.testing import restore_reference_data
        from gonghui.orgs import demo

        # A live-server test (this one or another app's) empties every table after it ran.
        restore_reference_data()
        # The foundation's demo county only: the domain apps' demo data have their own browser tests
        # (and their own reference tables, which a flush removed).
        demo.load(with_apps=False)
        self.context = self.browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.external_requests = []
        self.page.on(
            "request",
            lambda r: (
                self.external_requests.append(r.url)
                if not r.url.startswith((self.live_server_url, "data:", "blob:"))
                else None
            ),
        )

    def tearDown(self):
        self.context.close()

    def log_in(self, username):
        from gonghui.orgs.demo import DEMO_PASSWORD

        page = self.page
        page.goto(f"{self.live_server_url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.live_server_url}/")

    def canvas_size(self, selector):
        return self.page.eval_on_selector(selector, "c => [c.width, c.height]")

    def test_log_in_see_the_dashboard_find_an_enterprise_and_open_it(self):
        from gonghui.orgs.models import Enterprise

        page = self.page
        self.log_in("county_admin")

        # The dashboard: figures, and both ECharts charts drawn on canvases.
        self.assertIn("总览", page.inner_text("h1"))
        self.assertEqual(page.inner_text("#stat-enterprises"), str(Enterprise.objects.count()))
        self.assertRegex(page.inner_text("#coverage-rate"), r"^\d+(\.\d)?%$")
        page.wait_for_selector("#chart-towns canvas")
        page.wait_for_selector("#chart-map canvas")
        width, height = self.canvas_size("#chart-towns canvas")
        self.assertGreater(width, 200)
        self.assertGreater(height, 100)
        self.assertGreater(self.canvas_size("#chart-map canvas")[0], 200)
        page.wait_for_timeout(800)  # let the chart animation finish before the picture
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "gonghui_e2e_dashboard.png"), full_page=True)

        # Find one enterprise by part of its name through the list's search box.
        target = Enterprise.objects.filter(headcount__gte=300).order_by("pk").first()
        fragment = target.name[len(target.name) // 3 : len(target.name) // 3 + 4]
        page.click("nav >> text=企业")
        page.wait_for_url("**/orgs/enterprise/")
        page.fill("input[name=q]", fragment)
        page.click("form[role=search] button[type=submit]")
        page.wait_for_url("**q=*")
        page.click(f"table >> text={target.name}")
        page.wait_for_url(f"**/orgs/enterprise/{target.pk}/")
        self.assertEqual(page.inner_text("h1"), target.name)
        self.assertIn(target.credit_code, page.inner_text("main"))
        self.assertIn("变更历史", page.inner_text("main"))
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "gonghui_e2e_enterprise.png"), full_page=True)

        self.assertEqual(self.external_requests, [], "the pages must load nothing from other hosts")

    def test_a_town_cadre_cannot_open_another_towns_enterprise(self):
        from django.contrib.auth import get_user_model

        from gonghui.orgs.models import Enterprise

        cadre = get_user_model().objects.get(username="town_cadre")
        elsewhere = Enterprise.objects.exclude(union__path__startswith=cadre.org.path).order_by("pk").first()
        self.log_in("town_cadre")
        response = self.page.goto(f"{self.live_server_url}/orgs/enterprise/{elsewhere.pk}/")
        self.assertEqual(response.status, 404)
        self.assertNotIn(elsewhere.name, self.page.content())
