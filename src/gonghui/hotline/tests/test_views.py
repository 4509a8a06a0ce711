"""Every hotline page and endpoint: refused without permission, served with it, 404 across towns,
plus the pages' own behaviour (intake, actions, rates with drill-down, scoping of workers)."""

import datetime as dt

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from gonghui.core.testing import APIViewTestCases, ViewTestCases, api_client, make_user
from gonghui.hotline import services
from gonghui.hotline.models import HandlerAvailability, MonthlyTheme, Ticket, TimeLimitRule, TopicCategory
from gonghui.hotline.tests.helpers import HotlineWorld


def make_ticket(org, world=None):
    """A ticket held by `org` (dispatched to it when it is a town or enterprise union)."""
    from gonghui.core.testing import make_enterprise

    enterprise = make_enterprise(org, org.region_id)
    county = org if org.parent_id is None else org.parent
    operator = make_user(county, role="hotline_operator")
    ticket = services.intake(
        operator,
        {
            "phone": "13800138000",
            "content": "拖欠工资两个月",
            "request_type": "信访投诉",
            "enterprise": enterprise,
        },
    )
    if org.parent_id is not None:
        ticket = services.dispatch(operator, ticket, org)
    return ticket


class TicketViewTest(ViewTestCases.PrimaryObjectView):
    model = Ticket
    url_prefix = "hotline:ticket"

    def make_object(self, org):
        return make_ticket(org)

    def user(self, *actions, org=None, extra_perms=()):
        extra = tuple(extra_perms)
        if "orgs.export_data" in extra:
            extra += ("hotline.export_data",)
        return make_user(org or self.world.town_a, *[self.perm(a) for a in actions], *extra)


class TicketCreateViewTest(ViewTestCases.CreateObjectView):
    model = Ticket
    url_prefix = "hotline:ticket"

    def user(self, *actions, org=None, extra_perms=()):
        return make_user(org or self.world.county, *[self.perm(a) for a in actions], *extra_perms)

    def form_data(self):
        return {
            "phone": "13800138000",
            "caller_name": "李师傅",
            "content": "老板拖欠三个月工资",
            "request_type": "信访投诉",
            "priority": "一般",
            "enterprise_query": self.world.enterprise_a.credit_code,
            "dispatch_now": "",
        }


class TicketAPITest(APIViewTestCases.PrimaryObject):
    model = Ticket
    api_url = "/api/hotline/tickets/"

    def make_object(self, org):
        return make_ticket(org)


class TopicViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = TopicCategory
    url_prefix = "hotline:topic"

    def make_object(self, org):
        topic = TopicCategory(owner=org, name=f"分类{TopicCategory.objects.count()}")
        topic.clean()
        topic.save()
        return topic

    def form_data(self):
        return {"owner": self.world.town_a.pk, "name": "工伤认定", "order": "1", "active": "on"}


class TopicAPITest(APIViewTestCases.PrimaryObject):
    model = TopicCategory
    api_url = "/api/hotline/topics/"

    def make_object(self, org):
        return TopicViewTest.make_object(self, org)


class TimeLimitViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = TimeLimitRule
    url_prefix = "hotline:timelimit"

    def make_object(self, org):
        return TimeLimitRule.objects.create(owner=org, clock="response", amount=4, unit="hours")

    def form_data(self):
        return {"owner": self.world.town_a.pk, "clock": "feedback", "amount": "3", "unit": "days"}


class HandlerViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = HandlerAvailability
    url_prefix = "hotline:handler"

    def make_object(self, org):
        return HandlerAvailability.objects.create(union=org, user=make_user(org, role="town_cadre"))

    def form_data(self):
        self._handler = make_user(self.world.town_a, role="town_cadre")
        return {"union": self.world.town_a.pk, "user": self._handler.pk, "available": "on"}


class ThemeViewTest(ViewTestCases.PrimaryObjectView, ViewTestCases.CreateObjectView):
    model = MonthlyTheme
    url_prefix = "hotline:theme"

    def make_object(self, org):
        return MonthlyTheme.objects.create(
            union=org, month=dt.date(2026, 10, 1), title=f"欠薪治理{org.pk}", problems=[{"topic": "拖欠工资"}]
        )

    def form_data(self):
        return {
            "union": self.world.town_a.pk,
            "month": "2026-11-01",
            "title": "建筑业欠薪",
            "problems_text": "拖欠工资 / 建筑业\n劳动合同",
        }


class TicketPagesTest(TestCase):
    def setUp(self):
        self.h = HotlineWorld()

    def test_operator_intake_by_credit_code_dispatches_to_the_enterprises_union(self):
        self.client.force_login(self.h.operator)
        response = self.client.post(
            reverse("hotline:ticket_add"),
            {
                "phone": "13800138000",
                "content": "公司拖欠工资",
                "request_type": "信访投诉",
                "priority": "一般",
                "enterprise_query": self.h.world.enterprise_a.credit_code,
                "dispatch_now": "on",
            },
        )
        self.assertEqual(response.status_code, 302)
        ticket = Ticket.objects.get()
        self.assertEqual(ticket.enterprise, self.h.world.enterprise_a)
        self.assertEqual((ticket.status, ticket.handling_union), ("dispatched", self.h.world.town_a))

    def test_the_ticket_page_shows_clocks_and_timeline(self):
        ticket = services.dispatch(self.h.operator, self.h.ticket())
        self.client.force_login(self.h.handler_a)
        response = self.client.get(reverse("hotline:ticket_detail", args=[ticket.pk]))
        self.assertContains(response, "签收响应")
        self.assertContains(response, "流转记录")
        self.assertContains(response, 'id="do-sign"')

    def test_actions_are_posted_through_the_services(self):
        ticket = services.dispatch(self.h.operator, self.h.ticket())
        self.client.force_login(self.h.handler_a)
        url = lambda a: reverse("hotline:ticket_action", args=[ticket.pk, a])  # noqa: E731
        self.client.post(url("sign"))
        self.client.post(url("reply"), {"reply": "已督促企业发放"})
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, "replied")
        self.client.force_login(self.h.operator)
        self.client.post(url("callback"), {"callback_result": "满意", "comment": "好"})
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, "closed")

    def test_another_towns_cadre_cannot_act_on_a_ticket(self):
        ticket = services.dispatch(self.h.operator, self.h.ticket())
        self.client.force_login(self.h.handler_b)
        response = self.client.post(reverse("hotline:ticket_action", args=[ticket.pk, "sign"]))
        self.assertEqual(response.status_code, 404)

    def test_topic_suggestion_learns_from_past_choices(self):
        injury = TopicCategory(owner=self.h.world.county, name="工伤")
        injury.clean()
        injury.save()
        for _ in range(3):
            self.h.ticket()
            self.h.ticket(topic=injury, content="在车间受伤了，公司不给申请工伤认定")
        from gonghui.hotline import views

        views._classifier["model"] = None
        self.client.force_login(self.h.operator)
        response = self.client.get(reverse("hotline:suggest"), {"content": "老板拖欠工资不发"})
        self.assertContains(response, "劳动报酬/拖欠工资")


class ScopingTest(TestCase):
    def setUp(self):
        self.h = HotlineWorld()
        self.in_a = services.dispatch(self.h.operator, self.h.ticket())
        self.in_b = services.dispatch(self.h.operator, self.h.ticket(enterprise=self.h.world.enterprise_b))
        self.waiting = self.h.ticket()  # not dispatched: held by the county

    def _listed(self, user):
        self.client.force_login(user)
        response = self.client.get(reverse("hotline:ticket_list"))
        self.assertEqual(response.status_code, 200)
        return {t.pk for t in response.context["object_list"]}

    def test_a_town_union_sees_only_tickets_dispatched_to_it(self):
        self.assertEqual(self._listed(self.h.handler_a), {self.in_a.pk})

    def test_the_overdue_tab_lists_the_escalated_open_tickets_of_ones_own_scope(self):
        import datetime as dt

        from django.utils import timezone

        self.assertEqual(
            services.check_overdue(now=timezone.now() + dt.timedelta(days=60)), 2
        )  # the two dispatched
        self.client.force_login(self.h.handler_a)
        page = self.client.get(reverse("hotline:ticket_list"))
        self.assertContains(page, "超时督办")
        self.assertContains(page, '<option value="" selected>全部</option>', html=True)
        url = reverse("hotline:ticket_list") + "?overdue=true&status=dispatched&status=signed&status=paused"
        self.assertEqual({t.pk for t in self.client.get(url).context["object_list"]}, {self.in_a.pk})

    def test_a_workers_home_page_lists_their_own_requests_only(self):
        worker = make_user(self.h.world.union_a, role="worker")
        mine = services.public_intake(
            {"phone": "13700000000", "content": "公司不给交社保", "town": self.h.world.enterprise_a.town},
            worker=worker,
        )
        self.client.force_login(worker)
        page = self.client.get(reverse("dashboard"))
        self.assertEqual([t.pk for t in page.context["my_tickets"]], [mine.pk])
        self.assertContains(page, mine.number)
        self.assertNotContains(page, self.in_a.number)
        self.assertContains(page, "我要反映问题")
        self.assertContains(page, "还没有关联会员档案")
        # Their request's page: the clocks and the progress, not the staff's audit trail.
        page = self.client.get(reverse("hotline:ticket_detail", args=[mine.pk]))
        self.assertContains(page, 'id="clocks"')
        self.assertContains(page, 'id="timeline"')
        self.assertNotContains(page, "变更历史")
        self.assertNotContains(page, "退单理由")  # empty fields are left out for a worker
        self.client.force_login(self.h.operator)
        self.assertContains(self.client.get(reverse("hotline:ticket_detail", args=[mine.pk])), "变更历史")
        self.client.force_login(self.h.handler_a)
        self.assertNotIn("my_tickets", self.client.get(reverse("dashboard")).context)

    def test_county_operators_see_all(self):
        self.assertEqual(self._listed(self.h.operator), {self.in_a.pk, self.in_b.pk, self.waiting.pk})

    def test_a_worker_sees_only_their_own(self):
        worker = make_user(self.h.world.union_a, role="worker")
        mine = services.public_intake(
            {"phone": "13700000000", "content": "我想入会", "town": self.h.world.enterprise_a.town},
            worker=worker,
        )
        self.assertEqual(self._listed(worker), {mine.pk})
        self.assertEqual(
            self.client.get(reverse("hotline:ticket_detail", args=[self.in_a.pk])).status_code, 404
        )
        response = api_client(worker).get("/api/hotline/tickets/")
        self.assertEqual({r["id"] for r in response.json()["results"]}, {mine.pk})


class SearchTest(TestCase):
    def setUp(self):
        self.h = HotlineWorld()
        self.recent = self.h.ticket(content="车间加班费一直按最低工资算")
        self.old = self.h.ticket(content="去年的加班费也没有结清")
        Ticket.objects.filter(pk=self.old.pk).update(created_at=timezone.now() - dt.timedelta(days=200))
        self.client.force_login(self.h.operator)

    def listed(self, **params):
        response = self.client.get(reverse("hotline:ticket_list"), params)
        self.assertEqual(response.status_code, 200)
        return response, {t.pk for t in response.context["object_list"]}

    def test_content_is_searched_in_the_last_90_days_unless_dates_are_given(self):
        response, found = self.listed(q="加班费")
        self.assertEqual(found, {self.recent.pk})
        self.assertContains(response, "默认只查最近 90 天")
        since = (timezone.localdate() - dt.timedelta(days=365)).isoformat()
        response, found = self.listed(q="加班费", since=since)
        self.assertEqual(found, {self.recent.pk, self.old.pk})
        self.assertNotContains(response, "默认只查最近 90 天")

    def test_numbers_and_phones_are_found_whatever_their_age(self):
        self.assertEqual(self.listed(q=self.old.number)[1], {self.old.pk})
        _response, found = self.listed(q="13800138000")  # HotlineWorld's caller
        self.assertEqual(found, {self.recent.pk, self.old.pk})


class RatesPageTest(TestCase):
    def setUp(self):
        self.h = HotlineWorld()

    def test_rates_page_shows_definitions_figures_and_drills_down(self):
        t = services.sign(self.h.handler_a, services.dispatch(self.h.operator, self.h.ticket()))
        services.callback(self.h.operator, services.reply(self.h.handler_a, t, "已办"), "基本满意")
        self.client.force_login(self.h.supervisor)
        month = timezone.localdate().strftime("%Y-%m")
        response = self.client.get(reverse("hotline:rates"), {"month": month})
        self.assertContains(response, "有效回访")  # the satisfaction definition
        self.assertContains(response, "益林镇工会")
        self.assertContains(response, "90.00%")  # 基本满意 counts 0.9
        start = timezone.localdate().replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        drill = self.client.get(
            reverse("hotline:ticket_list"),
            {
                "rate": "satisfaction",
                "part": "den",
                "start": start,
                "end": end,
                "union": self.h.world.town_a.pk,
            },
        )
        self.assertEqual([o.pk for o in drill.context["object_list"]], [t.pk])
        export = self.client.get(reverse("hotline:rates"), {"month": month, "export": "xlsx"})
        self.assertEqual(export.status_code, 200)

    def test_rates_page_refused_without_permission(self):
        self.client.force_login(make_user(self.h.world.town_a))
        self.assertEqual(self.client.get(reverse("hotline:rates")).status_code, 403)

    def test_rates_of_a_town_cover_only_its_tickets(self):
        services.dispatch(self.h.operator, self.h.ticket(enterprise=self.h.world.enterprise_b))
        self.client.force_login(self.h.handler_a)
        response = self.client.get(reverse("hotline:rates"))
        self.assertNotContains(response, "乙镇工会")


class OtherPagesTest(TestCase):
    def setUp(self):
        self.h = HotlineWorld()

    def test_pages_answer(self):
        self.client.force_login(self.h.supervisor)
        for name in ("alert_list", "theme_list", "rate_settings", "timelimit_defaults", "topic_list"):
            self.assertEqual(self.client.get(reverse(f"hotline:{name}")).status_code, 200, name)

    def test_pages_refused_without_permission(self):
        self.client.force_login(make_user(self.h.world.town_a))
        for name in ("alert_list", "theme_list", "rate_settings", "timelimit_defaults"):
            self.assertEqual(self.client.get(reverse(f"hotline:{name}")).status_code, 403, name)
