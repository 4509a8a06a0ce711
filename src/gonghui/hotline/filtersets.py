import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from gonghui.core.pii import blind_index
from gonghui.core.scoping import scoped
from gonghui.hotline.models import (
    HandlerAvailability,
    MonthlyTheme,
    RequestType,
    Ticket,
    TimeLimitRule,
    TopicCategory,
    WarningAlert,
)
from gonghui.hotline.warning import DIMENSION_LABELS
from gonghui.orgs.models import Region, UnionOrg

DATE = forms.DateInput(attrs={"type": "date"})
CONTENT_SEARCH_DAYS = 90


class TicketFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="工单号、手机号或内容", method="search")
    status = django_filters.MultipleChoiceFilter(label="状态", choices=Ticket.Status.choices, distinct=False)
    request_type = django_filters.ChoiceFilter(label="诉求类型", choices=RequestType.choices)
    channel = django_filters.ChoiceFilter(label="来源", choices=Ticket.Channel.choices)
    union = django_filters.ModelChoiceFilter(
        label="承办单位（含下级）",
        queryset=UnionOrg.objects.none(),
        method="by_union",
        field_name="handling_union",  # names the model field, so the API schema knows its type
    )
    town = django_filters.ModelChoiceFilter(
        label="镇街", queryset=Region.objects.filter(level=Region.Level.TOWN)
    )
    overdue = django_filters.BooleanFilter(
        label="已超时",
        widget=forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")]),
    )
    since = django_filters.DateFilter(label="受理起", method="created_since", widget=DATE)
    until = django_filters.DateFilter(label="受理止", method="created_until", widget=DATE)
    # drill-down from the rates page: the tickets behind one figure
    rate = django_filters.ChoiceFilter(
        label="三率明细",
        choices=[("response", "响应率"), ("resolution", "解决率"), ("satisfaction", "满意率")],
        method="by_rate",
    )
    part = django_filters.ChoiceFilter(
        label="口径", choices=[("den", "分母"), ("num", "分子")], method="noop"
    )
    start = django_filters.DateFilter(label="统计期起", method="noop", widget=DATE)
    end = django_filters.DateFilter(label="统计期止（不含）", method="noop", widget=DATE)

    class Meta:
        model = Ticket
        fields = ["q", "status", "request_type", "channel", "union", "town", "overdue"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            unions = scoped(UnionOrg.objects.all(), request.user)
            self.filters["union"].queryset = unions
            # Any union in scope is accepted (drill-down links name enterprise unions), but the
            # drop-down lists only the county and town levels: a county has thousands of unions.
            levels = unions.filter(kind__in=[UnionOrg.Kind.COUNTY_FEDERATION, UnionOrg.Kind.TOWN_UNION])
            self.form.fields["union"].widget = forms.Select(
                choices=[("", "---------")] + [(u.pk, u.name) for u in levels.only("pk", "name")],
                attrs={"class": "form-select"},
            )

    def noop(self, qs, name, value):
        return qs

    def search(self, qs, name, value):
        """A ticket number or a phone number is looked up exactly (indexed); other text is searched in
        the content, which is read row by row: without 受理起/止 dates, in the last
        CONTENT_SEARCH_DAYS days only (over millions of tickets an unbounded search takes seconds)."""
        value = value.strip()
        if value.isdigit() and len(value) == 13:
            return qs.filter(number=value)
        if value.isdigit():
            return qs.filter(Q(phone_hash=blind_index(value)) | Q(content__icontains=value, **self._window()))
        return qs.filter(content__icontains=value, **self._window())

    def _window(self):
        data = self.form.cleaned_data
        if data.get("since") or data.get("until"):
            return {}
        return {"created_at__gte": timezone.now() - dt.timedelta(days=CONTENT_SEARCH_DAYS)}

    @property
    def content_window_applied(self):
        """True when the list shows a content search limited to the recent days (the page says so)."""
        data = getattr(self.form, "cleaned_data", {}) or {}
        value = (data.get("q") or "").strip()
        return bool(value) and not (value.isdigit() and len(value) == 13) and bool(self._window())

    def by_union(self, qs, name, value):
        return qs.filter(handling_union__path__startswith=value.path)

    def created_since(self, qs, name, value):
        return qs.filter(created_at__date__gte=value)

    def created_until(self, qs, name, value):
        return qs.filter(created_at__date__lte=value)

    def by_rate(self, qs, name, value):
        from gonghui.hotline import reports

        data = self.form.cleaned_data
        today = dt.date.today()
        start = data.get("start") or today.replace(day=1)
        end = data.get("end") or (start + dt.timedelta(days=32)).replace(day=1)
        return reports.drill_down(qs, value, data.get("part") or "den", start, end)


class TopicFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", field_name="path", lookup_expr="icontains")

    class Meta:
        model = TopicCategory
        fields = ["q", "level", "active"]


class TimeLimitFilterSet(django_filters.FilterSet):
    class Meta:
        model = TimeLimitRule
        fields = ["clock", "request_type", "priority"]


class HandlerFilterSet(django_filters.FilterSet):
    class Meta:
        model = HandlerAvailability
        fields = ["available"]


class AlertFilterSet(django_filters.FilterSet):
    since = django_filters.DateFilter(label="日期起", field_name="as_of", lookup_expr="gte", widget=DATE)
    kind = django_filters.ChoiceFilter(label="维度", choices=list(DIMENSION_LABELS.items()))
    severity = django_filters.ChoiceFilter(label="等级", choices=[(s, s) for s in ("高", "中", "低")])

    class Meta:
        model = WarningAlert
        fields = ["since", "kind", "severity"]


class ThemeFilterSet(django_filters.FilterSet):
    class Meta:
        model = MonthlyTheme
        fields = ["union"]
