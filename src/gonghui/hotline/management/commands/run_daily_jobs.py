"""`gonghui manage run_daily_jobs`: run each of the hotline's daily jobs once a day (hotline/schedule.py).

Call it every 10 minutes, e.g. from cron::

    */10 * * * *  gonghui  cd /srv/gonghui && set -a && . ./.env && gonghui manage run_daily_jobs

It returns at once when nothing is due; a job's run is recorded in the database, so overlapping
calls, several servers calling it, or a restart never run a job twice for a day.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.hotline import schedule
from gonghui.hotline.models import ScheduledRun


class Command(BaseCommand):
    help = "运行到点的热线每日任务（每天每项只运行一次，记录在数据库中）。"

    def add_arguments(self, parser):
        parser.add_argument("--job", action="append", choices=sorted(schedule.JOBS), help="只运行这一项")
        parser.add_argument("--day", help="补跑某一天（YYYY-MM-DD），不论时刻")
        parser.add_argument("--list", action="store_true", help="只列出当天各项任务的运行记录")

    def handle(self, *args, **options):
        try:
            day = dt.date.fromisoformat(options["day"]) if options["day"] else None
        except ValueError as exc:
            raise CommandError(_("日期格式应为 YYYY-MM-DD。")) from exc
        if day is not None and day > timezone.localdate():
            raise CommandError(_("不能提前运行以后日期的任务。"))
        if options["list"]:
            self._list(day or timezone.localdate())
            return
        runs = schedule.run_due(day=day, only=options["job"])
        for run in runs:
            label = schedule.JOBS[run.job].label
            if run.status == ScheduledRun.Status.DONE:
                self.stdout.write(
                    _("%(day)s %(label)s：完成 %(result)s")
                    % {"day": run.day, "label": label, "result": run.result}
                )
            else:
                self.stderr.write(
                    _("%(day)s %(label)s：失败（第 %(n)s 次）\n%(error)s")
                    % {"day": run.day, "label": label, "n": run.attempts, "error": run.error}
                )
        if any(run.status == ScheduledRun.Status.FAILED for run in runs):
            raise CommandError(_("有任务失败，下次调用时将重试。"))

    def _list(self, day):
        runs = {r.job: r for r in ScheduledRun.objects.filter(day=day)}
        for name, job in schedule.JOBS.items():
            run = runs.get(name)
            state = run.get_status_display() if run else _("未运行")
            self.stdout.write(f"{day} {job.at:%H:%M} {job.label}（{name}）：{state}")
