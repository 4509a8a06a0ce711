"""Background work: large pairing plans are solved by the django_tasks worker (`gonghui manage db_worker`)."""

from django_tasks import task


@task()
def solve_plan_task(plan_id):
    from gonghui.pairing.services import solve_plan

    solve_plan(plan_id)
