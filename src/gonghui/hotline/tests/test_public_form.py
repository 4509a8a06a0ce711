"""The workers' public form: a real request is taken in; abuse is refused cleanly, without a captcha."""

from django.core import signing
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from gonghui.hotline.forms import PublicTicketForm
from gonghui.hotline.models import Ticket
from gonghui.hotline.tests.helpers import HotlineWorld


def started(seconds_ago=10):
    """The signed start time a form rendered `seconds_ago` would carry."""
    import time
    from unittest import mock

    with mock.patch("time.time", return_value=time.time() - seconds_ago):
        return signing.TimestampSigner(salt="hotline-public").sign("form")


class PublicFormTest(TestCase):
    def setUp(self):
        cache.clear()
        self.h = HotlineWorld()
        self.url = reverse("hotline:public_form")

    def data(self, **extra):
        d = {
            "phone": "13912345678",
            "caller_name": "张师傅",
            "enterprise_query": self.h.world.enterprise_a.name,
            "content": "公司已经两个月没发工资了，希望工会帮忙。",
            "website": "",
            "started": started(),
        }
        d.update(extra)
        return d

    def test_form_is_shown_without_login(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "职工诉求网上提交")

    def test_a_logged_in_worker_finds_their_phone_name_and_employer_filled_in(self):
        from gonghui.core.testing import make_member, make_user

        ent = self.h.world.enterprise_a
        member = make_member(self.h.world.union_a, ent, name="李骑手", phone="13912340000")
        worker = make_user(self.h.world.union_a, role="worker", member=member)
        self.client.force_login(worker)
        page = self.client.get(self.url)
        self.assertContains(page, 'value="13912340000"')
        self.assertContains(page, 'value="李骑手"')
        self.assertContains(page, f'value="{ent.name}"')
        self.assertContains(page, "我的诉求")
        self.client.post(self.url, self.data(phone="13912340000"))
        self.assertEqual(Ticket.objects.get().worker, worker)
        # Nobody else's details are filled in for an anonymous visitor.
        self.client.logout()
        self.assertNotContains(self.client.get(self.url), "13912340000")

    def test_a_real_request_is_taken_in_with_a_number(self):
        response = self.client.post(self.url, self.data())
        self.assertEqual(response.status_code, 200)
        ticket = Ticket.objects.get()
        self.assertContains(response, ticket.number)
        self.assertEqual((ticket.channel, ticket.enterprise), ("web", self.h.world.enterprise_a))
        self.assertEqual(ticket.handling_union, self.h.world.county)

    def test_honeypot_filled_by_a_bot_is_refused(self):
        response = self.client.post(self.url, self.data(website="http://spam.example"))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Ticket.objects.exists())

    def test_too_fast_submission_is_refused(self):
        response = self.client.post(self.url, self.data(started=started(0)))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "页面停留时间异常", status_code=400)
        self.assertFalse(Ticket.objects.exists())

    def test_forged_or_missing_start_token_is_refused(self):
        self.assertEqual(self.client.post(self.url, self.data(started="forged")).status_code, 400)
        self.assertFalse(Ticket.objects.exists())

    def test_script_is_refused(self):
        response = self.client.post(self.url, self.data(content="<script>alert(1)</script>工资问题"))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Ticket.objects.exists())

    def test_oversized_body_is_refused(self):
        response = self.client.post(self.url, self.data(content="欠" * 20000))
        self.assertEqual(response.status_code, 413)
        self.assertFalse(Ticket.objects.exists())

    def test_overlong_content_is_a_form_error(self):
        response = self.client.post(
            self.url, self.data(content="欠" * (PublicTicketForm.base_fields["content"].max_length + 1))
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Ticket.objects.exists())

    def test_flood_from_one_address_is_throttled(self):
        codes = [self.client.post(self.url, self.data()).status_code for _ in range(7)]
        self.assertEqual(codes[:5], [200] * 5)
        self.assertEqual(codes[5:], [429, 429])
        self.assertEqual(Ticket.objects.count(), 5)

    def test_invalid_phone_is_a_form_error(self):
        response = self.client.post(self.url, self.data(phone="123"))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "手机号", status_code=400)


class CallbackLinkPageTest(TestCase):
    def setUp(self):
        from gonghui.hotline import services

        self.h = HotlineWorld()
        t = services.sign(self.h.handler_a, services.dispatch(self.h.operator, self.h.ticket()))
        self.ticket = services.reply(self.h.handler_a, t, "已督促发放")
        self.token = services.make_callback_link(self.h.operator, self.ticket)
        self.url = reverse("hotline:callback_public", args=[self.token])

    def test_worker_rates_without_login_once(self):
        self.assertEqual(self.client.get(self.url).status_code, 200)
        response = self.client.post(self.url, {"callback_result": "满意", "callback_resolved": "1"})
        self.assertContains(response, "感谢您的评价")
        self.ticket.refresh_from_db()
        self.assertEqual((self.ticket.status, self.ticket.callback_resolved), ("closed", True))
        self.assertEqual(self.client.get(self.url).status_code, 410)

    def test_unknown_token_is_refused(self):
        self.assertEqual(self.client.get(reverse("hotline:callback_public", args=["nope"])).status_code, 410)

    def test_the_handler_cannot_rate_through_the_link(self):
        self.client.force_login(self.h.handler_a)
        response = self.client.post(self.url, {"callback_result": "满意"})
        self.assertEqual(response.status_code, 403)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, "replied")
