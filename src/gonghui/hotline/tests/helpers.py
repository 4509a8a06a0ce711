"""Shared set-up of the hotline tests: a world with an operator, handlers and a supervisor."""

from gonghui.core.testing import build_world, make_user
from gonghui.hotline import services
from gonghui.hotline.models import HandlerAvailability, TopicCategory


class HotlineWorld:
    def __init__(self):
        self.world = w = build_world()
        self.operator = make_user(w.county, role="hotline_operator", username="operator")
        self.supervisor = make_user(w.county, role="county_admin", username="supervisor")
        self.handler_a = make_user(w.town_a, role="town_cadre", username="handler_a")
        self.handler_a2 = make_user(w.town_a, role="town_cadre", username="handler_a2")
        self.handler_b = make_user(w.town_b, role="town_cadre", username="handler_b")
        for u in (self.handler_a, self.handler_a2):
            HandlerAvailability.objects.create(union=w.town_a, user=u, available=True)
        HandlerAvailability.objects.create(union=w.town_b, user=self.handler_b, available=True)
        self.wages = TopicCategory(owner=w.county, name="劳动报酬")
        self.wages.clean()
        self.wages.save()
        self.arrears = TopicCategory(owner=w.county, name="拖欠工资", parent=self.wages)
        self.arrears.clean()
        self.arrears.save()

    def ticket(self, enterprise=None, **extra):
        data = {
            "phone": "13800138000",
            "caller_name": "王师傅",
            "content": "公司拖欠三个月工资，老板不接电话。",
            "request_type": "信访投诉",
            "topic": self.arrears,
            "priority": "一般",
            "enterprise": enterprise or self.world.enterprise_a,
        }
        data.update(extra)
        return services.intake(self.operator, data)
