"""Services beyond the life cycle: ticket numbers, the rates as database aggregations (the same
figures as the pure rates.py), and the daily early warning turning alerts into proactive tasks."""

import datetime as dt
import random

from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from gonghui.hotline import rates, reports, services, tasks
from gonghui.hotline.models import Ticket, TicketSequence, WarningAlert
from gonghui.hotline.sla import CST
from gonghui.hotline.tests.helpers import HotlineWorld


class NumberTest(TransactionTestCase):
    def test_numbers_stay_unique_under_concurrent_intake(self):
        from concurrent.futures import ThreadPoolExecutor

        from django.db import connection

        day = dt.date(2026, 11, 24)

        def take(_):
            try:
                return services.next_number(day)
            finally:
                connection.close()

        if connection.vendor == "sqlite":
            numbers = [take(i) for i in range(40)]  # SQLite serialises writers anyway
        else:
            with ThreadPoolExecutor(8) as pool:
                numbers = list(pool.map(take, range(40)))
        self.assertEqual(len(set(numbers)), 40)
        self.assertEqual(sorted(numbers)[0], "202611240000" + "1")
        self.assertEqual(TicketSequence.objects.get(day=day).last, 40)


class RatesAggregationTest(TestCase):
    """The database figures equal rates.py's over the same tickets, for every formula variant."""

    def setUp(self):
        self.h = HotlineWorld()
        rng = random.Random(4)
        base = dt.datetime(2026, 3, 1, tzinfo=CST)
        results = ["满意", "基本满意", "不满意", "", ""]
        for i in range(60):
            t = self.h.ticket(enterprise=rng.choice([self.h.world.enterprise_a, self.h.world.enterprise_b]))
            created = base + dt.timedelta(hours=rng.randint(0, 24 * 70))
            due = created + dt.timedelta(hours=2)
            Ticket.objects.filter(pk=t.pk).update(
                created_at=created,
                dispatched_at=created,
                handling_union=t.enterprise.union,
                status="closed",
                response_due=due,
                signed_at=created + dt.timedelta(minutes=rng.choice([30, 90, 150, 400])) if i % 7 else None,
                resolution_due=created + dt.timedelta(days=15),
                resolved_at=created + dt.timedelta(days=rng.choice([3, 10, 20])) if i % 5 else None,
                callback_at=created + dt.timedelta(days=21) if i % 3 else None,
                callback_result=rng.choice(results) if i % 3 else "",
                callback_resolved=rng.choice([True, False, None]),
            )

    def _records(self):
        tz = timezone.get_current_timezone()
        out = []
        for t in Ticket.objects.all():
            rec = {
                f: (getattr(t, f).astimezone(tz) if getattr(t, f) else None)
                for f in (
                    "dispatched_at",
                    "response_due",
                    "signed_at",
                    "resolution_due",
                    "resolved_at",
                    "callback_at",
                )
            }
            rec.update(
                id=t.pk,
                union=t.handling_union_id,
                callback_result=t.callback_result or None,
                callback_resolved=t.callback_resolved,
            )
            out.append(rec)
        return out

    def test_every_formula_variant_matches_rates_py(self):
        start, end = dt.date(2026, 3, 1), dt.date(2026, 5, 1)
        variants = [
            ("ontime_sign_due", "ontime_close_due", "weighted"),
            ("ontime_sign_dispatched", "ontime_close_dispatched", "satisfied_or_basic"),
            ("ontime_sign_due", "callback_resolved", "strict"),
        ]
        records = self._records()
        for response, resolution, satisfaction in variants:
            config = rates.RateConfig(response=response, resolution=resolution, satisfaction=satisfaction)
            expected = rates.rates_by_group(records, start, end, ("union",), config)
            rows, total = reports.rate_table(Ticket.objects.all(), start, end, "union", config)
            self.assertTrue(rows)
            for row in rows:
                for key in rates.RATE_KEYS:
                    want = expected[(row["group_id"],)][key]
                    got = row[key]
                    self.assertEqual(got.denominator, want.denominator, (config, key))
                    self.assertAlmostEqual(got.numerator, want.numerator, 6, (config, key))
            whole = rates.compute_rates(records, start, end, config)
            for key in rates.RATE_KEYS:
                self.assertEqual(total[key].denominator, whole[key].denominator)

    def test_drill_down_lists_exactly_the_tickets_behind_a_figure(self):
        start, end = dt.date(2026, 3, 1), dt.date(2026, 5, 1)
        whole = rates.compute_rates(self._records(), start, end)
        for key in rates.RATE_KEYS:
            den = reports.drill_down(Ticket.objects.all(), key, "den", start, end, rates.RateConfig())
            num = reports.drill_down(Ticket.objects.all(), key, "num", start, end, rates.RateConfig())
            self.assertEqual(set(den.values_list("pk", flat=True)), set(whole[key].denominator_ids))
            self.assertEqual(set(num.values_list("pk", flat=True)), set(whole[key].numerator_ids))

    def test_ranking_scores_like_rates_monthly_ranking(self):
        records = self._records()
        rows, _ = reports.rate_table(Ticket.objects.all(), dt.date(2026, 3, 1), dt.date(2026, 4, 1), "union")
        mine = {r["group_id"]: r["score"] for r in reports.ranking(rows)}
        theirs = {r["group"]: r["score"] for r in rates.monthly_ranking(records, 2026, 3)}
        self.assertEqual(mine, theirs)


class EarlyWarningTest(TestCase):
    def test_an_outbreak_at_one_enterprise_becomes_a_proactive_task_with_its_evidence(self):
        h = HotlineWorld()
        today = timezone.localdate()
        rng = random.Random(1)
        ents = [h.world.enterprise_a, h.world.enterprise_b]
        # background: a ticket every fourth day for two months, spread over both enterprises
        for d in range(70, 8, -4):
            t = h.ticket(enterprise=rng.choice(ents))
            Ticket.objects.filter(pk=t.pk).update(
                created_at=timezone.now() - dt.timedelta(days=d), topic_path="劳动报酬/拖欠工资"
            )
        # outbreak: twelve tickets about enterprise A in the last three days
        outbreak = []
        for i in range(12):
            t = h.ticket(content=f"老板跑路了，工资没发，车间停工停产了{i}")
            Ticket.objects.filter(pk=t.pk).update(created_at=timezone.now() - dt.timedelta(days=i % 3))
            outbreak.append(t.pk)
        ids = tasks.early_warning.call()
        self.assertTrue(ids)
        alert = WarningAlert.objects.get(kind="enterprise")
        self.assertEqual(alert.union, h.world.town_a)
        # the alert names the employer, not its database id
        self.assertEqual(alert.title, f"{h.world.enterprise_a.name}近3天异常增多")
        self.assertIn(h.world.enterprise_a.name, alert.explanation)
        self.assertTrue(set(outbreak) <= set(alert.evidence.values_list("pk", flat=True)))
        task = alert.tasks.get()
        self.assertEqual(
            (task.channel, task.status, task.handling_union), ("proactive", "dispatched", h.world.town_a)
        )
        self.assertEqual(alert.as_of, today)
        # idempotent: running again the same day adds nothing
        self.assertEqual(tasks.early_warning.call(), [])

    def test_a_collective_contract_running_out_strengthens_a_small_cluster_into_an_alert(self):
        from gonghui.bargaining.services import expiring_contract_signals
        from gonghui.bargaining.tests.factories import make_case

        h = HotlineWorld()
        today = timezone.localdate()
        rng = random.Random(2)
        ents = [h.world.enterprise_a, h.world.enterprise_b]
        for d in range(70, 8, -4):
            t = h.ticket(enterprise=rng.choice(ents))
            Ticket.objects.filter(pk=t.pk).update(created_at=timezone.now() - dt.timedelta(days=d))
        for i in range(5):  # five wage tickets about A in three days: not enough on their own
            t = h.ticket(content=f"这个月工资还没发{i}")
            Ticket.objects.filter(pk=t.pk).update(created_at=timezone.now() - dt.timedelta(days=i % 3))
        self.assertFalse([a for a in services.run_early_warning(today) if a.kind == "enterprise"])

        # A's one-year contract took effect 11 months ago and nobody has asked to renew it.
        effective = today - dt.timedelta(days=335)
        filed = effective - dt.timedelta(days=16)
        make_case(
            h.world.town_a,
            h.world.enterprise_a,
            offer_on=filed - dt.timedelta(days=40),
            reply_on=filed - dt.timedelta(days=30),
            signed_on=filed - dt.timedelta(days=5),
            filed_on=filed,
            term_years=1,
        )
        self.assertEqual(
            [s["enterprise_id"] for s in expiring_contract_signals(today)], [h.world.enterprise_a.pk]
        )
        WarningAlert.objects.all().delete()  # the day's run again, now with the signal
        alert = next(a for a in services.run_early_warning(today) if a.kind == "enterprise")
        self.assertIn("集体合同临近期满", alert.explanation)
        self.assertEqual(alert.tasks.get().enterprise, h.world.enterprise_a)

    def test_overdue_task_flags_late_tickets(self):
        h = HotlineWorld()
        t = services.dispatch(h.operator, h.ticket())
        Ticket.objects.filter(pk=t.pk).update(response_due=timezone.now() - dt.timedelta(minutes=1))
        self.assertEqual(tasks.check_overdue.call(), 1)
