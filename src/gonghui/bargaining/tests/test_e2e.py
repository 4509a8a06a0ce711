"""In a real browser: the county federation computes the demo county's salary survey, publishes
the booklet (蓝宝书) and downloads its PDF and Excel; a chair then compares their enterprise with
the market (run by `make e2e`)."""

import io
import os
import shutil
import tempfile

import pytest
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.test import override_settings

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MEDIA = tempfile.mkdtemp(prefix="gonghui-bargaining-e2e-")


def tearDownModule():
    shutil.rmtree(MEDIA, ignore_errors=True)


@pytest.mark.e2e
@override_settings(MEDIA_ROOT=MEDIA)
class BookletInTheBrowserTest(StaticLiveServerTestCase):
    def setUp(self):
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        from gonghui.bargaining.models import SurveyRound
        from gonghui.core.testing import restore_reference_data
        from gonghui.orgs import demo as county_demo

        restore_reference_data()
        county_demo.load()  # the county with every app's demo data, the salary survey included
        assert SurveyRound.objects.exists()

    def login(self, page, username):
        from gonghui.orgs.demo import DEMO_PASSWORD

        page.goto(f"{self.live_server_url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")

    def test_publish_the_booklet_and_download_it(self):
        from openpyxl import load_workbook
        from playwright.sync_api import sync_playwright
        from pypdf import PdfReader

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(accept_downloads=True)
            self.login(page, "county_admin")
            page.click("text=集体协商")
            page.click("#bargaining-links >> text=工资调查")
            page.click("table >> text=2025年")
            page.click("#compute-button")
            assert "100%" in page.text_content("#compute-progress")
            page.click("#publish-button")
            assert "第1版" in page.text_content("h1")
            assert "※" in page.content() or page.locator(".booklet-table tbody tr").count() > 0

            with page.expect_download() as info:
                page.click("#download-pdf")
            pdf_path = info.value.path()
            with open(pdf_path, "rb") as f:
                pdf = f.read()
            assert pdf.startswith(b"%PDF")
            text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages[:3])
            assert "薪酬" in text

            with page.expect_download() as info:
                page.click("#download-xlsx")
            with open(info.value.path(), "rb") as f:
                wb = load_workbook(io.BytesIO(f.read()))
            assert len(wb.sheetnames) > 2

            # The chair of an enterprise union sees the booklet and compares their own enterprise.
            page.context.clear_cookies()
            self.login(page, "chair")
            page.goto(f"{self.live_server_url}/bargaining/")
            assert page.locator("#booklet-list a").count() == 1
            page.click("text=与市场比较")
            assert page.locator("#compare-table tbody tr").count() > 0
            assert "市场25分位" in page.text_content("#compare-table")

            # ... and from a newer payroll of their own: template, upload, comparison, nothing kept.
            page.click("#paytable-link")
            assert "不保存" in page.text_content("#not-stored")
            with page.expect_download() as info:
                page.click("#paytable-template")
            with open(info.value.path(), "rb") as f:
                wb = load_workbook(io.BytesIO(f.read()))
            ws = wb["职工工资"]
            example = [c.value for c in ws[2]]
            headers = [c.value for c in ws[1]]
            base, total = headers.index("月基本工资（元）"), headers.index("年工资总额（元）")
            ws.delete_rows(2, ws.max_row)
            for pay in (2400, 2500, 2600, 2700, 2800):
                row = list(example)
                row[base], row[total] = pay, pay * 13
                ws.append(row)
            upload = os.path.join(MEDIA, "paytable.xlsx")
            wb.save(upload)
            page.set_input_files("input[type=file]", upload)
            page.click("text=上传并比较")
            assert "已读取职工记录 5 行" in page.text_content("#import-summary")
            assert page.locator("#compare-table tbody tr").count() == 1
            assert page.locator("#below-p25").count() == 1
            browser.close()
