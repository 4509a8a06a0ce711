"""Background work of the hotline (django_tasks; run by `gonghui manage db_worker`).

`check_overdue` flags late tickets and escalates them; `early_warning` runs the detector. Both run
once a day through `gonghui manage run_daily_jobs` (hotline/schedule.py), which records each run
so that it happens once per day; these tasks are for running one on demand in the worker.
"""

from django_tasks import task

from gonghui.hotline import services


@task()
def check_overdue():
    return services.check_overdue()


@task()
def early_warning(as_of=None):
    import datetime as dt

    day = dt.date.fromisoformat(as_of) if as_of else None
    return [alert.pk for alert in services.run_early_warning(day)]
