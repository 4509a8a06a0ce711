"""The daily-job scheduler (hotline/schedule.py, `gonghui manage run_daily_jobs`): each job once a day."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from gonghui.hotline import schedule
from gonghui.hotline.models import ScheduledRun, Ticket, TicketEvent
from gonghui.hotline.sla import CST
from gonghui.hotline.tests.helpers import HotlineWorld

R = ScheduledRun.Status
DAY = dt.date(2026, 11, 24)


def at(hour, minute=0, day=DAY):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CST)


class FailingJob:
    """A job that fails its first `failures` runs, then succeeds; counts its runs."""

    def __init__(self, failures):
        self.failures, self.calls = failures, 0

    def __call__(self, day):
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError(f"boom {self.calls}")
        return {"day": day.isoformat()}


@pytest.fixture
def only_job(monkeypatch):
    """Replace the schedule by one job (the real ones are exercised in SchedulerRealJobsTest)."""

    def install(run):
        monkeypatch.setattr(schedule, "JOBS", {"probe": schedule.Job("probe", dt.time(1, 0), run, "探针")})
        return run

    return install


@pytest.mark.django_db
def test_a_job_runs_once_its_time_has_come_and_never_twice_the_same_day(only_job):
    job = only_job(FailingJob(0))
    assert schedule.run_due(now=at(0, 30)) == []  # before 01:00 local time
    [run] = schedule.run_due(now=at(1, 5))
    assert (run.job, run.day, run.status, run.attempts, run.result) == (
        "probe",
        DAY,
        R.DONE,
        1,
        {"day": "2026-11-24"},
    )
    assert schedule.run_due(now=at(9)) == []  # a later call the same day (or after a restart)
    assert schedule.run_due(now=at(23, 59)) == []
    assert job.calls == 1
    # the next day it runs again, once
    assert [r.day for r in schedule.run_due(now=at(1, 0, DAY + dt.timedelta(days=1)))] == [
        DAY + dt.timedelta(days=1)
    ]
    assert job.calls == 2


@pytest.mark.django_db
def test_a_failed_run_is_recorded_and_retried_at_most_three_times(only_job):
    job = only_job(FailingJob(10))
    for attempt in (1, 2, 3):
        [run] = schedule.run_due(now=at(2, attempt))
        assert (run.status, run.attempts) == (R.FAILED, attempt)
        assert f"boom {attempt}" in run.error
    assert schedule.run_due(now=at(3)) == []  # no attempts left
    assert job.calls == 3


@pytest.mark.django_db
def test_a_failure_then_success_ends_done(only_job):
    only_job(FailingJob(1))
    assert schedule.run_due(now=at(2))[0].status == R.FAILED
    run = schedule.run_due(now=at(2, 10))[0]
    assert (run.status, run.attempts, run.error) == (R.DONE, 2, "")


@pytest.mark.django_db
def test_a_run_left_running_is_taken_over_only_once_it_is_stale(only_job):
    job = only_job(FailingJob(0))
    # another scheduler claimed it at 01:00 and is still at work (or died)
    assert schedule.claim("probe", DAY, now=at(1)) is not None
    assert schedule.run_due(now=at(1, 30)) == []  # still running: left alone
    assert job.calls == 0
    later = at(1) + schedule.STALE_AFTER + dt.timedelta(minutes=1)
    [run] = schedule.run_due(now=later)
    assert (run.status, run.attempts) == (R.DONE, 2)
    assert job.calls == 1


@pytest.mark.django_db
def test_a_second_scheduler_cannot_claim_a_claimed_run():
    first = schedule.claim("check_overdue", DAY, now=at(1))
    assert first is not None
    assert schedule.claim("check_overdue", DAY, now=at(1)) is None
    first.status = R.FAILED
    first.save()
    # a failed run: of two schedulers retrying it, only one wins the conditional update
    assert schedule.claim("check_overdue", DAY, now=at(2)) is not None
    assert schedule.claim("check_overdue", DAY, now=at(2)) is None


@pytest.mark.django_db
def test_command_runs_due_jobs_lists_them_and_refuses_bad_days(only_job):
    only_job(FailingJob(0))
    out = io.StringIO()
    call_command("run_daily_jobs", "--day", "2026-11-01", stdout=out)
    assert "探针：完成" in out.getvalue()
    listing = io.StringIO()
    call_command("run_daily_jobs", "--list", "--day", "2026-11-01", stdout=listing)
    assert "探针（probe）：已完成" in listing.getvalue()
    with pytest.raises(CommandError):
        call_command("run_daily_jobs", "--day", "2026-13-01")
    with pytest.raises(CommandError):
        call_command("run_daily_jobs", "--day", (timezone.localdate() + dt.timedelta(days=1)).isoformat())


@pytest.mark.django_db
def test_command_fails_loudly_when_a_job_fails(only_job):
    only_job(FailingJob(1))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("run_daily_jobs", "--day", "2026-11-01", stderr=err)
    assert "boom 1" in err.getvalue()


class SchedulerRealJobsTest(TestCase):
    def test_the_real_jobs_run_once_a_day(self):
        h = HotlineWorld()
        from gonghui.hotline import services

        t = services.dispatch(h.operator, h.ticket())
        Ticket.objects.filter(pk=t.pk).update(response_due=timezone.now() - dt.timedelta(minutes=1))
        now = timezone.now()
        runs = {r.job: r for r in schedule.run_due(now=now, ignore_time=True)}
        self.assertEqual(set(runs), {"check_overdue", "early_warning"})
        self.assertEqual(runs["check_overdue"].result, {"flagged": 1})
        self.assertEqual(runs["early_warning"].status, R.DONE)
        self.assertTrue(Ticket.objects.get(pk=t.pk).overdue)
        self.assertEqual(TicketEvent.objects.filter(ticket=t, kind=TicketEvent.Kind.ESCALATE).count(), 1)
        self.assertEqual(schedule.run_due(now=now, ignore_time=True), [])


class ConcurrentSchedulersTest(TransactionTestCase):
    def test_schedulers_started_together_run_a_job_once(self):
        from concurrent.futures import ThreadPoolExecutor

        from django.db import connection

        if connection.vendor == "sqlite":
            pytest.skip("SQLite serialises writers; the race needs PostgreSQL")

        def claim(_):
            try:
                return schedule.claim("early_warning", DAY, now=at(1)) is not None
            finally:
                connection.close()

        with ThreadPoolExecutor(8) as pool:
            won = list(pool.map(claim, range(8)))
        self.assertEqual(won.count(True), 1)
        self.assertEqual(ScheduledRun.objects.filter(job="early_warning", day=DAY).count(), 1)
