"""In a real browser: an operator takes a call in and dispatches it, the town union's handler signs
for it and replies, and the worker rates the handling through the one-use link without logging in.
Run with `make e2e`."""

import os
import shutil

import pytest
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT_DIR = os.environ.get("GONGHUI_E2E_SCREENSHOTS", "/tmp")

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed")
class HotlineBrowserTest(StaticLiveServerTestCase):
    @classmethod
    def setUpClass(cls):
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
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
        from gonghui.hotline.tests.helpers import HotlineWorld
        from gonghui.orgs import reference
        from gonghui.orgs.models import Industry, Region

        reference.load_regions(Region)
        reference.load_industries(Industry)
        self.h = HotlineWorld()

    def page_as(self, user=None):
        context = self.browser.new_context(viewport={"width": 1300, "height": 1000}, locale="zh-CN")
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.live_server_url}]
            )
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    def test_intake_dispatch_sign_reply_callback(self):
        from gonghui.hotline.models import Ticket

        # 1. The operator takes the call in; the enterprise is found by its credit code.
        op = self.page_as(self.h.operator)
        op.goto(f"{self.live_server_url}/hotline/ticket/add/")
        op.fill("#id_phone", "13800138000")
        op.fill("#id_caller_name", "王师傅")
        op.fill("#id_content", "公司拖欠三个月工资，老板不接电话。")
        op.select_option("#id_request_type", "信访投诉")
        op.fill("#id_enterprise_query", self.h.world.enterprise_a.credit_code)
        op.click("#save")
        op.wait_for_selector("text=待签收")
        ticket = Ticket.objects.get()
        self.assertEqual(ticket.handling_union, self.h.world.town_a)

        # 2. The town union's handler signs for it and replies.
        handler = self.page_as(self.h.handler_a)
        handler.goto(f"{self.live_server_url}/hotline/ticket/{ticket.pk}/")
        handler.click("#do-sign")
        handler.wait_for_selector("text=办理中")
        handler.fill("#reply-input", "已约谈企业负责人，企业承诺本月底前结清工资。")
        handler.click("#do-reply")
        handler.wait_for_selector("text=待回访")

        # 3. The operator sends the worker a one-use call-back link.
        op.goto(f"{self.live_server_url}/hotline/ticket/{ticket.pk}/")
        op.click("text=生成职工自评链接")
        link = op.inner_text("#callback-url").strip()

        # 4. The worker opens it without logging in and rates the handling.
        worker = self.page_as(None)
        worker.goto(link)
        worker.check("input[value='满意']")
        worker.click("#submit-rating")
        worker.wait_for_selector("text=感谢您的评价")
        worker.screenshot(path=os.path.join(SCREENSHOT_DIR, "hotline-callback.png"))
        op.goto(f"{self.live_server_url}/hotline/ticket/{ticket.pk}/")
        op.wait_for_selector("text=已办结")
        op.screenshot(path=os.path.join(SCREENSHOT_DIR, "hotline-ticket.png"), full_page=True)
        ticket.refresh_from_db()
        self.assertEqual((ticket.status, ticket.callback_result), ("closed", "满意"))
        # the link is spent
        worker.goto(link)
        worker.wait_for_selector("text=已使用")
