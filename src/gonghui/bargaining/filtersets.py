import django_filters
from django.db.models import Q

from gonghui.bargaining.models import (
    BookletVersion,
    EmployeeRow,
    EnterpriseReturn,
    Expert,
    GuidanceVisit,
    NegotiationCase,
    SurveyRound,
    TownGuide,
    WageGuideline,
)


class RoundFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label="年度")
    status = django_filters.ChoiceFilter(label="状态", choices=SurveyRound.Status.choices)

    class Meta:
        model = SurveyRound
        fields = ["year", "status"]


class ReturnFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="企业", field_name="enterprise__name", lookup_expr="icontains")
    round = django_filters.NumberFilter(label="调查编号", field_name="round_id")
    status = django_filters.ChoiceFilter(label="状态", choices=EnterpriseReturn.Status.choices)

    class Meta:
        model = EnterpriseReturn
        fields = ["q", "round", "status"]


class RowFilterSet(django_filters.FilterSet):
    ret = django_filters.NumberFilter(label="调查表编号", field_name="ret_id")
    occupation = django_filters.CharFilter(
        label="职业代码", field_name="occupation_id", lookup_expr="startswith"
    )
    flagged = django_filters.BooleanFilter(label="有复核标记", method="by_flagged")

    class Meta:
        model = EmployeeRow
        fields = ["ret", "occupation", "flagged"]

    def by_flagged(self, qs, name, value):
        return qs.exclude(flags=[]) if value else qs.filter(flags=[])


class GuidelineFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label="年度")

    class Meta:
        model = WageGuideline
        fields = ["year"]


class BookletFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label="年度", field_name="round__year")

    class Meta:
        model = BookletVersion
        fields = ["year"]


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    kind = django_filters.ChoiceFilter(label="类型", choices=NegotiationCase.Kind.choices)
    stage = django_filters.ChoiceFilter(label="进度", choices=NegotiationCase.Stage.choices)

    class Meta:
        model = NegotiationCase
        fields = ["q", "kind", "stage"]

    def search(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(enterprise__name__icontains=value))


class ExpertFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    active = django_filters.BooleanFilter(label="在库")

    class Meta:
        model = Expert
        fields = ["q", "active"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(speciality__icontains=value))


class GuideFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(label="在岗")

    class Meta:
        model = TownGuide
        fields = ["active"]


class VisitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")

    class Meta:
        model = GuidanceVisit
        fields = ["q"]

    def search(self, qs, name, value):
        return qs.filter(Q(visitor__icontains=value) | Q(content__icontains=value))
