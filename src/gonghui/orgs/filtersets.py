import django_filters
from django.db.models import Q

from gonghui.core.pii import blind_index
from gonghui.orgs.models import Enterprise, Member, Region, UnionOrg, Venue


def _towns(request):
    return Region.objects.filter(level=Region.Level.TOWN)


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    town = django_filters.ModelChoiceFilter(label="镇街", queryset=_towns)
    size = django_filters.ChoiceFilter(
        label="规模",
        method="by_size",
        choices=[("micro", "小微企业（<50人）"), ("medium", "中型"), ("large", "大型（300人以上）")],
    )
    has_own_union = django_filters.BooleanFilter(label="已单独建会")
    industry = django_filters.CharFilter(label="行业代码前缀", method="by_industry")

    class Meta:
        model = Enterprise
        fields = ["q", "town", "size", "has_own_union", "industry"]

    def search(self, qs, name, value):
        return qs.filter(
            Q(name__icontains=value) | Q(credit_code__iexact=value.strip()) | Q(address__icontains=value)
        )

    def by_size(self, qs, name, value):
        from django.conf import settings

        t = settings.GONGHUI_MICRO_THRESHOLD
        return {
            "micro": qs.filter(headcount__lt=t),
            "medium": qs.filter(headcount__gte=t, headcount__lt=300),
            "large": qs.filter(headcount__gte=300),
        }.get(value, qs)

    def by_industry(self, qs, name, value):
        return qs.filter(industry_id__startswith=value.strip())


class UnionOrgFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", field_name="name", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="类型", choices=UnionOrg.Kind.choices)
    model_home_level = django_filters.ChoiceFilter(
        label="模范职工之家", choices=UnionOrg.ModelHomeLevel.choices[1:]
    )

    class Meta:
        model = UnionOrg
        fields = ["q", "kind", "model_home_level"]


class MemberFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名、身份证号或手机号", method="search")
    new_form_kind = django_filters.ChoiceFilter(label="新就业形态", choices=Member.NewFormKind.choices[1:])
    union = django_filters.ModelChoiceFilter(
        label="所在工会", queryset=lambda r: UnionOrg.objects.none(), method="by_union"
    )

    class Meta:
        model = Member
        fields = ["q", "new_form_kind"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from gonghui.core.scoping import scoped

        if request is not None:
            self.filters["union"].queryset = scoped(UnionOrg.objects.all(), request.user)

    def by_union(self, qs, name, value):
        return qs.filter(union__path__startswith=value.path)

    def search(self, qs, name, value):
        value = value.strip()
        # Encrypted columns cannot be searched by substring: ID numbers and phones match exactly.
        return qs.filter(
            Q(name__icontains=value) | Q(id_number_hash=blind_index(value)) | Q(phone_hash=blind_index(value))
        )


class VenueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", field_name="name", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="类型", choices=Venue.Kind.choices)

    class Meta:
        model = Venue
        fields = ["q", "kind"]
