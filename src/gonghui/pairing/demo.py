"""Demo data for pairing: one solved (not yet approved) county plan, so the demo shows the map,
the pairs table and the approval step right away."""

from django.contrib.auth import get_user_model

from gonghui.pairing import services
from gonghui.pairing.models import PairingPlan

DEMO_PLAN_NAME = "阜宁县大带小结对方案（示例）"


def load_demo(progress=None):
    say = progress or (lambda *_: None)
    if PairingPlan.objects.filter(name=DEMO_PLAN_NAME).exists():
        return None
    admin = get_user_model().objects.filter(username="county_admin").select_related("org").first()
    if admin is None or admin.org is None:
        return None
    say("计算大带小结对示例方案…")
    plan = services.create_plan(admin, {"name": DEMO_PLAN_NAME, "scope_union": admin.org})
    return services.run_plan(admin, plan, background=False)
