import django_filters

from gonghui.pairing.models import PairingPlan


class PlanFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", field_name="name", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label="状态", choices=PairingPlan.Status.choices)

    class Meta:
        model = PairingPlan
        fields = ["q", "status"]
