"""The hotline's daily jobs and the scheduler that runs each once a day (`gonghui manage run_daily_jobs`).

A deployment calls the command often (every 10 minutes from cron or a systemd timer); each call
runs the jobs whose time of day has come and that have no run recorded for the day. The record
(ScheduledRun, unique per job and day) is claimed before the job starts, in its own committed
statement, so two schedulers, or a scheduler restarted during the day, never run a job twice:

* a run that is done stays done;
* a failed run is tried again at the next call, at most ``MAX_ATTEMPTS`` times in all;
* a run still marked running after ``STALE_AFTER`` belonged to a scheduler that died; it is
  taken over (counted as an attempt).

The jobs themselves are idempotent as well (overdue tickets are flagged once, an alert is created
once per day, kind and key), so a run taken over after a crash cannot double their effects.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from gonghui.hotline.models import ScheduledRun

MAX_ATTEMPTS = 3
STALE_AFTER = dt.timedelta(hours=2)
R = ScheduledRun.Status


@dataclass(frozen=True)
class Job:
    name: str
    at: dt.time  # local time of day (Asia/Shanghai) from which the day's run is due
    run: Callable[[dt.date], dict]
    label: str


def _check_overdue(day):
    from gonghui.hotline import services

    return {"flagged": services.check_overdue()}


def _early_warning(day):
    from gonghui.hotline import services

    return {"alerts": [alert.pk for alert in services.run_early_warning(day)]}


JOBS = {
    job.name: job
    for job in (
        Job("check_overdue", dt.time(0, 10), _check_overdue, "超时工单标记与督办"),
        Job("early_warning", dt.time(1, 0), _early_warning, "未诉先办预警检测"),
    )
}


def _me():
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim(job: str, day: dt.date, now=None) -> ScheduledRun | None:
    """The run of `job` for `day`, claimed for this process; None if it is done or someone else's."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(job=job, day=day, started_at=now, claimed_by=_me())
    except IntegrityError:
        pass
    # Recorded already: take it over only if it failed (attempts left) or its scheduler died. The
    # conditional UPDATE is the claim: of two schedulers trying at once, one updates the row.
    retry = Q(status=R.FAILED, attempts__lt=MAX_ATTEMPTS) | Q(
        status=R.RUNNING, started_at__lt=now - STALE_AFTER, attempts__lt=MAX_ATTEMPTS
    )
    row = ScheduledRun.objects.filter(retry, job=job, day=day).first()
    if row is None:
        return None
    won = (
        ScheduledRun.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts)
        .filter(retry)
        .update(
            status=R.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            finished_at=None,
            claimed_by=_me(),
            error="",
        )
    )
    if not won:
        return None
    row.refresh_from_db()
    return row


def execute(run: ScheduledRun) -> ScheduledRun:
    """Run the claimed job and record how it ended (an exception is recorded, not raised)."""
    job = JOBS[run.job]
    try:
        result = job.run(run.day)
    except Exception:  # noqa: BLE001 - recorded on the run, retried at the next call
        run.status, run.error, run.result = R.FAILED, traceback.format_exc()[-5000:], {}
    else:
        run.status, run.error, run.result = R.DONE, "", result or {}
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "result", "finished_at"])
    return run


def due_jobs(now=None, only=None, ignore_time=False):
    """The jobs whose time of day has come (local time), in the order of JOBS."""
    local = timezone.localtime(now or timezone.now())
    return [
        job
        for name, job in JOBS.items()
        if (not only or name in only) and (ignore_time or local.time() >= job.at)
    ]


def run_due(now=None, day=None, only=None, ignore_time=False) -> list[ScheduledRun]:
    """Every due job that has no run for the day yet (or may be retried): claimed, then run."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    ran = []
    for job in due_jobs(now, only, ignore_time or day != timezone.localdate(now)):
        run = claim(job.name, day, now)
        if run is not None:
            ran.append(execute(run))
    return ran
