"""Intake through the API on its fast path: the same validation, limits and writes as before."""

import datetime as dt

from django.db import DataError, connection
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.core.models import AuditEntry
from gonghui.core.testing import api_client, restore_reference_data
from gonghui.hotline import api, services
from gonghui.hotline.models import Ticket, TicketEvent, TicketSequence, TimeLimitRule
from gonghui.hotline.tests.helpers import HotlineWorld

URL = "/api/hotline/tickets/"


class IntakeApiTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.h = HotlineWorld()

    def body(self, **extra):
        data = {
            "phone": "13800138000",
            "content": "公司拖欠两个月工资。",
            "request_type": "信访投诉",
            "priority": "一般",
            "enterprise": self.h.world.enterprise_a.pk,
            "dispatch_now": True,
        }
        data.update(extra)
        return data

    def test_dispatched_intake_writes_ticket_timeline_and_audit(self):
        response = api_client(self.h.operator).post(URL, self.body(), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        ticket = Ticket.objects.get(pk=response.json()["id"])
        self.assertEqual((ticket.status, ticket.handling_union), ("dispatched", self.h.world.town_a))
        self.assertEqual(ticket.town_id, self.h.world.enterprise_a.town_id)
        self.assertIn(ticket.handler, {self.h.handler_a, self.h.handler_a2})  # least-loaded of town A
        self.assertIsNotNone(ticket.response_due)
        self.assertEqual(
            list(ticket.events.order_by("at").values_list("kind", flat=True)),
            [TicketEvent.Kind.INTAKE, TicketEvent.Kind.DISPATCH],
        )
        entries = AuditEntry.objects.filter(object_id=str(ticket.pk)).order_by("pk")
        self.assertEqual([e.action for e in entries], ["create", "update"])
        self.assertEqual(entries[0].changes["phone"], [None, "138****8000"])  # masked in the trail
        self.assertEqual(entries[1].changes["status"], ["intake", "dispatched"])

    def test_load_is_balanced_between_the_handlers(self):
        client = api_client(self.h.operator)
        handlers = [
            Ticket.objects.get(pk=client.post(URL, self.body(), format="json").json()["id"]).handler
            for _ in range(4)
        ]
        self.assertEqual(
            sorted(h.username for h in handlers), ["handler_a", "handler_a", "handler_a2", "handler_a2"]
        )

    def test_an_unknown_or_malformed_enterprise_is_refused_with_a_field_error(self):
        client = api_client(self.h.operator)
        for value in (999_999, "abc", True, [1]):
            response = client.post(URL, self.body(enterprise=value), format="json")
            self.assertEqual(response.status_code, 400, value)
            self.assertIn("enterprise", response.json())
        self.assertFalse(Ticket.objects.exists())

    def test_an_account_from_elsewhere_or_without_the_permission_is_refused(self):
        response = api_client(self.h.handler_b).post(URL, self.body(), format="json")  # a town cadre
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Ticket.objects.exists())

    def test_serializer_instances_do_not_share_their_fields(self):
        first, second = api.TicketSerializer(), api.TicketSerializer()
        self.assertEqual(list(first.fields), list(second.fields))
        for name in first.fields:
            self.assertIsNot(first.fields[name], second.fields[name])
            self.assertIs(first.fields[name].parent, first)
            self.assertIs(second.fields[name].parent, second)


class PolicyCacheTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.h = HotlineWorld()

    def test_a_limit_edited_here_applies_at_once_and_one_edited_elsewhere_within_the_cache_time(self):
        services.forget_policy()
        before = services.policy()
        rule = TimeLimitRule.objects.create(
            owner=self.h.world.county, clock="response", amount=4, unit="hours"
        )
        self.assertIsNot(services.policy(), before)  # saved through the model: forgotten at once
        configured = services.policy()
        # An edit by another process sends no signal here: it applies once the rules are re-read.
        TimeLimitRule.objects.filter(pk=rule.pk).update(amount=6)
        self.assertIs(services.policy(), configured)
        services._rules_read["at"] -= services.POLICY_CACHE_SECONDS
        self.assertIsNot(services.policy(), configured)
        ticket = self.h.ticket()
        services.dispatch(self.h.operator, ticket)
        self.assertEqual(ticket.response_due - ticket.dispatched_at, dt.timedelta(hours=6))


class OneQueryIntakeTest(TransactionTestCase):
    """On PostgreSQL, outside any transaction (as in production), a ticket dispatched at intake is
    written with its timeline and audit by one query: all of it or nothing."""

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("the one-query write is PostgreSQL's")
        restore_reference_data()
        self.h = HotlineWorld()

    def body(self):
        return {
            "phone": "13800138000",
            "content": "公司拖欠两个月工资。",
            "request_type": "信访投诉",
            "priority": "一般",
            "enterprise": self.h.world.enterprise_a.pk,
            "dispatch_now": True,
        }

    def test_the_ticket_its_timeline_and_audit_are_one_insert_query_without_begin_or_commit(self):
        client = api_client(self.h.operator)
        for first in (True, False):  # the day's first ticket creates the counter row
            self.assertEqual(TicketSequence.objects.exists(), not first)
            with CaptureQueriesContext(connection) as queries:
                response = client.post(URL, self.body(), format="json")
            self.assertEqual(response.status_code, 201, response.content)
            sql = [q["sql"] for q in queries.captured_queries]
            if not first:  # (the first takes a short transaction to create the day's counter)
                self.assertEqual([s for s in sql if s.upper() in ("BEGIN", "COMMIT")], [])
            writes = [s for s in sql if "INSERT" in s and "hotline_ticketsequence" not in s]
            self.assertEqual(len(writes), 1, writes)
            for table in ("hotline_ticket", "hotline_ticketevent", "core_auditentry"):
                self.assertIn(f'INSERT INTO "{table}" ', writes[0])
            ticket = Ticket.objects.get(pk=response.json()["id"])
            self.assertEqual(ticket.number, response.json()["number"])
            self.assertEqual(ticket.status, "dispatched")
            self.assertEqual(len(ticket.phone_hash), 64)
            self.assertEqual(ticket.events.count(), 2)
            entries = AuditEntry.objects.filter(object_id=str(ticket.pk)).order_by("pk")
            self.assertEqual([e.action for e in entries], ["create", "update"])
            self.assertEqual(entries[0].changes["phone"], [None, "138****8000"])
        self.assertTrue(ticket.number.endswith("00002"))

    def test_a_failing_row_leaves_nothing_behind(self):
        number, key = services._take_number(timezone.localdate(), Ticket)
        data = {"content": "公司拖欠两个月工资。", "enterprise": self.h.world.enterprise_a}
        ticket = services._new_ticket(data, self.h.world.county, "phone", self.h.operator, number, save=False)
        ticket.pk = key
        ticket.fill_derived_fields()
        event = TicketEvent(ticket=ticket, kind=TicketEvent.Kind.INTAKE, at=ticket.created_at)
        too_long = AuditEntry(request_id="r", action="create", content_type_id=1, object_id="x" * 300)
        with self.assertRaises(DataError):
            services._insert_rows([(Ticket, [ticket]), (TicketEvent, [event]), (AuditEntry, [too_long])])
        self.assertFalse(Ticket.objects.filter(pk=key).exists())
        self.assertFalse(TicketEvent.objects.exists())


class InsertRowsTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.h = HotlineWorld()

    def test_rows_inserted_in_one_query_read_back_as_the_orm_writes_them(self):
        odd = "工资 100% 'quoted' \"double\" back\\slash %s %(x)s ; -- \n新行"
        saved = self.h.ticket(content=odd, caller_name="O'Brien")
        saved.extended_limits = {"resolution": {"amount": 1.5, "unit": "workdays", "note": odd}}
        saved.pauses = [["2026-11-24T08:00:00+08:00", None]]
        saved.save()
        copy = Ticket.objects.get(pk=saved.pk)
        key_of = Ticket if connection.vendor == "postgresql" else None  # (SQLite: bulk_create sets it)
        copy.number, copy.pk = services._take_number(dt.date(2099, 1, 1), key_of)
        event = TicketEvent(ticket=copy, kind=TicketEvent.Kind.INTAKE, at=copy.created_at, note=odd)
        services._insert_rows([(Ticket, [copy]), (TicketEvent, [event])])
        copy = Ticket.objects.get(number="2099010100001")
        fields = [f.attname for f in Ticket._meta.concrete_fields if f.name not in ("id", "number")]
        a = Ticket.objects.filter(pk=saved.pk).values(*fields).get()
        b = Ticket.objects.filter(pk=copy.pk).values(*fields).get()
        self.assertEqual(a, b)
        self.assertEqual(b["content"], odd)
        self.assertEqual(TicketEvent.objects.get(ticket=copy).note, odd)


class TicketIndexesTest(TestCase):
    def test_exact_match_indexes_stay_and_the_unused_like_indexes_are_gone(self):
        if connection.vendor != "postgresql":
            self.skipTest("pattern indexes are PostgreSQL's")
        with connection.cursor() as cur:
            cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'hotline_ticket'")
            defs = [row[0] for row in cur.fetchall()]
        self.assertEqual([d for d in defs if "pattern_ops" in d], [])
        for column in ("number", "phone_hash", "town_id"):
            self.assertTrue(any(d.endswith(f"btree ({column})") for d in defs), (column, defs))
