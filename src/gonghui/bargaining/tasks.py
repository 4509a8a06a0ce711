"""Background work of 集体协商: computing a big survey round's tables (progress on the round)."""

from django.contrib.auth import get_user_model
from django_tasks import task

from gonghui.bargaining import services
from gonghui.bargaining.models import SurveyRound


@task()
def compute_round_task(round_id, user_id):
    """Run by `gonghui manage db_worker`; tests call `compute_round_task.call(...)` directly."""
    user = get_user_model().objects.get(pk=user_id)
    rnd = SurveyRound.objects.get(pk=round_id)
    services.compute_round(user, rnd)
    return {"round": round_id, "progress": 100}
