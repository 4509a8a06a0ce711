"""A ticket's whole life: intake → dispatch → sign → reply → call-back, with its detours
(return and re-dispatch, pause, extension, unsatisfied call-back and re-handling, merge)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone

from gonghui.hotline import services
from gonghui.hotline.models import ExtensionRequest, Ticket, TicketEvent, TimeLimitRule
from gonghui.hotline.sla import CST
from gonghui.hotline.tests.helpers import HotlineWorld

S = Ticket.Status


class LifecycleTest(TestCase):
    def setUp(self):
        self.h = HotlineWorld()

    def test_ticket_gets_a_readable_unique_number_of_its_day(self):
        first, second = self.h.ticket(), self.h.ticket()
        today = timezone.localdate().strftime("%Y%m%d")
        self.assertEqual(first.number, f"{today}00001")
        self.assertEqual(second.number, f"{today}00002")

    def test_phone_is_encrypted_at_rest_and_findable_by_blind_index(self):
        from django.db import connection

        from gonghui.core.pii import blind_index

        ticket = self.h.ticket()
        with connection.cursor() as cur:
            cur.execute("SELECT phone FROM hotline_ticket WHERE id = %s", [ticket.pk])
            stored = cur.fetchone()[0]
        self.assertNotIn("13800138000", stored)
        self.assertEqual(Ticket.objects.get(phone_hash=blind_index("13800138000")).pk, ticket.pk)

    def test_consultation_answered_on_the_call_is_closed_at_intake(self):
        ticket = services.intake(
            self.h.operator,
            {"content": "请问年休假怎么计算？", "request_type": "问题咨询", "phone": "13900000000"},
            answered_on_call="已告知《职工带薪年休假条例》的规定。",
        )
        self.assertEqual(ticket.status, S.CLOSED_AT_INTAKE)
        self.assertIsNotNone(ticket.closed_at)
        self.assertIsNone(ticket.dispatched_at)

    def test_only_consultations_close_at_intake(self):
        ticket = self.h.ticket()
        with self.assertRaises(ValidationError):
            services.close_at_intake(self.h.operator, ticket, "已答复")

    def test_dispatch_goes_to_the_enterprises_union_else_its_town_union(self):
        w = self.h.world
        self.assertEqual(services.dispatch(self.h.operator, self.h.ticket()).handling_union, w.town_a)
        no_enterprise = self.h.ticket(enterprise=None, town=w.enterprise_b.town)
        no_enterprise.enterprise = None
        self.assertEqual(services.dispatch(self.h.operator, no_enterprise).handling_union, w.town_b)

    def test_dispatch_balances_load_among_available_handlers(self):
        first = services.dispatch(self.h.operator, self.h.ticket())
        second = services.dispatch(self.h.operator, self.h.ticket())
        self.assertEqual({first.handler, second.handler}, {self.h.handler_a, self.h.handler_a2})

    def test_unavailable_handlers_get_no_tickets(self):
        from gonghui.hotline.models import HandlerAvailability

        HandlerAvailability.objects.filter(user=self.h.handler_a2).update(available=False)
        for _ in range(3):
            self.assertEqual(services.dispatch(self.h.operator, self.h.ticket()).handler, self.h.handler_a)

    def test_full_happy_path(self):
        t = services.dispatch(self.h.operator, self.h.ticket())
        self.assertEqual(t.status, S.DISPATCHED)
        self.assertIsNotNone(t.response_due)
        t = services.sign(self.h.handler_a, t)
        self.assertEqual((t.status, t.handler, t.handler_locked), (S.SIGNED, self.h.handler_a, True))
        self.assertLessEqual(t.signed_at, t.response_due)
        t = services.feedback(self.h.handler_a, t, "已联系企业负责人")
        self.assertIsNotNone(t.first_feedback_at)
        t = services.reply(self.h.handler_a, t, "企业已承诺月底前结清工资")
        self.assertEqual(t.status, S.REPLIED)
        self.assertIsNotNone(t.resolved_at)
        t = services.callback(self.h.operator, t, "满意", "很快", resolved=True)
        self.assertEqual(t.status, S.CLOSED)
        kinds = list(t.events.values_list("kind", flat=True))
        self.assertEqual(kinds, ["intake", "dispatch", "sign", "feedback", "reply", "callback", "close"])

    def test_signed_ticket_is_locked_to_who_signed(self):
        t = services.sign(self.h.handler_a2, services.dispatch(self.h.operator, self.h.ticket()))
        self.assertEqual(t.handler, self.h.handler_a2)
        with self.assertRaises(PermissionDenied):
            services.reply(self.h.handler_a, t, "我来答复")

    def test_another_towns_cadre_cannot_sign(self):
        t = services.dispatch(self.h.operator, self.h.ticket())
        with self.assertRaises(PermissionDenied):
            services.sign(self.h.handler_b, t)

    def test_return_needs_a_reason_and_goes_back_for_redispatch(self):
        w = self.h.world
        t = services.dispatch(self.h.operator, self.h.ticket())
        with self.assertRaises(ValidationError):
            services.return_ticket(self.h.handler_a, t, "  ")
        t = services.return_ticket(self.h.handler_a, t, "该企业已迁至乙镇")
        self.assertEqual((t.status, t.handling_union), (S.RETURNED, w.county))
        self.assertEqual(t.return_reason, "该企业已迁至乙镇")
        t = services.dispatch(self.h.operator, t, union=w.town_b)
        self.assertEqual((t.status, t.handling_union, t.handler), (S.DISPATCHED, w.town_b, self.h.handler_b))
        self.assertTrue(t.events.filter(kind=TicketEvent.Kind.RETURN).exists())

    def test_extension_needs_a_supervisor_and_moves_the_deadline(self):
        ticket = self.h.ticket(request_type="服务帮扶")  # 15 working days by default
        t = services.sign(self.h.handler_a, services.dispatch(self.h.operator, ticket))
        due_before = t.resolution_due
        ext = services.request_extension(
            self.h.handler_a, t, "resolution", 30, "workdays", "需要劳动监察配合"
        )
        with self.assertRaises(PermissionDenied):
            services.decide_extension(self.h.handler_a, ext, True)
        services.decide_extension(self.h.supervisor, ext, True)
        t.refresh_from_db()
        self.assertEqual(ExtensionRequest.objects.get().state, "approved")
        self.assertGreater(t.resolution_due, due_before)

    def test_refused_extension_keeps_the_deadline(self):
        t = services.sign(self.h.handler_a, services.dispatch(self.h.operator, self.h.ticket()))
        due = t.resolution_due
        ext = services.request_extension(self.h.handler_a, t, "resolution", 30, "workdays", "理由")
        services.decide_extension(self.h.supervisor, ext, False)
        t.refresh_from_db()
        self.assertEqual(t.resolution_due, due)

    def test_pause_stores_the_interval_and_stops_the_clock(self):
        t = services.sign(self.h.handler_a, services.dispatch(self.h.operator, self.h.ticket()))
        t = services.pause(self.h.handler_a, t, "等待职工提供工资条")
        self.assertEqual(t.status, S.PAUSED)
        self.assertIsNone(t.resolution_due)  # an open pause stops the clock
        t = services.resume(self.h.handler_a, t)
        self.assertEqual(t.status, S.SIGNED)
        self.assertEqual(len(t.pauses), 1)
        self.assertIsNotNone(t.pauses[0][1])
        self.assertIsNotNone(t.resolution_due)

    def test_unsatisfied_callback_reopens_for_rehandling(self):
        t = services.sign(self.h.handler_a, services.dispatch(self.h.operator, self.h.ticket()))
        t = services.reply(self.h.handler_a, t, "已协调")
        t = services.callback(self.h.operator, t, "不满意", "工资仍未发放", resolved=False)
        self.assertEqual((t.status, t.reopen_count, t.resolved_at), (S.SIGNED, 1, None))
        self.assertEqual(t.handler, self.h.handler_a)
        t = services.reply(self.h.handler_a, t, "工资已全部发放")
        t = services.callback(self.h.operator, t, "基本满意")
        self.assertEqual(t.status, S.CLOSED)

    def test_the_handler_can_never_rate_the_ticket(self):
        handler = self.h.handler_a
        from gonghui.core.testing import make_user

        # even with the call-back permission
        both = make_user(self.h.world.town_a, "hotline.callback_ticket", role="town_cadre")
        from gonghui.hotline.models import HandlerAvailability

        HandlerAvailability.objects.update(available=False)
        t = services.sign(both, services.dispatch(self.h.operator, self.h.ticket()))
        t = services.reply(both, t, "已处理")
        with self.assertRaises(PermissionDenied):
            services.callback(both, t, "满意")
        del handler

    def test_callback_link_is_one_use(self):
        t = services.sign(self.h.handler_a, services.dispatch(self.h.operator, self.h.ticket()))
        t = services.reply(self.h.handler_a, t, "已处理")
        token = services.make_callback_link(self.h.operator, t)
        services.callback_by_token(token, "满意", "谢谢")
        with self.assertRaises(ValidationError):
            services.callback_by_token(token, "不满意")
        self.assertEqual(Ticket.objects.get(pk=t.pk).callback_result, "满意")

    def test_callback_link_expires(self):
        from gonghui.hotline.models import CallbackLink

        t = services.reply(
            self.h.handler_a,
            services.sign(self.h.handler_a, services.dispatch(self.h.operator, self.h.ticket())),
            "已处理",
        )
        token = services.make_callback_link(self.h.operator, t)
        CallbackLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        with self.assertRaises(ValidationError):
            services.callback_by_token(token, "满意")

    def test_callback_link_refuses_the_handler_even_through_the_link(self):
        t = services.reply(
            self.h.handler_a,
            services.sign(self.h.handler_a, services.dispatch(self.h.operator, self.h.ticket())),
            "已处理",
        )
        token = services.make_callback_link(self.h.operator, t)
        with self.assertRaises(PermissionDenied):
            services.callback_by_token(token, "满意", request_user=self.h.handler_a)

    def test_merged_duplicate_leaves_the_counts(self):
        original, dup = self.h.ticket(), self.h.ticket()
        services.merge(self.h.operator, dup, original)
        dup.refresh_from_db()
        self.assertEqual((dup.status, dup.merged_into), (S.MERGED, original))

    def test_overdue_tickets_are_flagged_and_escalated(self):
        t = services.dispatch(self.h.operator, self.h.ticket())
        later = t.response_due + dt.timedelta(minutes=1)
        self.assertEqual(services.check_overdue(later), 1)
        t.refresh_from_db()
        self.assertTrue(t.overdue)
        self.assertTrue(t.events.filter(kind="escalate").exists())
        self.assertEqual(services.check_overdue(later), 0)  # escalated once


class ClockTest(TestCase):
    """Deadlines stored on the ticket follow the official calendar through the model layer."""

    def setUp(self):
        self.h = HotlineWorld()

    def test_working_day_limit_skips_the_national_day_holiday_and_counts_the_makeup_day(self):
        TimeLimitRule.objects.create(
            owner=self.h.world.county, clock="resolution", priority="一般", amount=3, unit="workdays"
        )
        start = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CST)
        t = self.h.ticket(created_at=start, request_type="服务帮扶")
        # Oct 1-8 are holidays: 10-09 is working day 1, Friday 10-10 day 2, the make-up
        # Saturday 10-11 day 3: due at its end.
        self.assertEqual(t.resolution_due, dt.datetime(2025, 10, 12, 0, 0, tzinfo=CST))

    def test_configured_limit_by_topic_overrides_the_default(self):
        TimeLimitRule.objects.create(
            owner=self.h.world.county, clock="feedback", topic=self.h.wages, amount=1, unit="days"
        )
        start = dt.datetime(2025, 3, 3, 9, 0, tzinfo=CST)
        t = self.h.ticket(created_at=start)
        self.assertEqual(t.feedback_due, start + dt.timedelta(days=1))

    def test_spring_festival_in_working_hours(self):
        TimeLimitRule.objects.create(
            owner=self.h.world.county, clock="resolution", request_type="法律援助", amount=1, unit="workdays"
        )
        # Friday 2025-01-24 before Spring Festival; 2025-01-26 (Sunday) is a make-up working day.
        start = dt.datetime(2025, 1, 24, 15, 0, tzinfo=CST)
        t = self.h.ticket(created_at=start, request_type="法律援助")
        self.assertEqual(t.resolution_due, dt.datetime(2025, 1, 27, 0, 0, tzinfo=CST))
