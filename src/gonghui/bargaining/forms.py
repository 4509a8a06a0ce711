from django import forms
from django.contrib.auth import get_user_model

from gonghui.bargaining.models import (
    EnterpriseReturn,
    Expert,
    GuidanceVisit,
    Meeting,
    NegotiationCase,
    Representative,
    SurveyRound,
    TownGuide,
    WageGuideline,
)
from gonghui.core.scoping import scoped
from gonghui.orgs.forms import ScopedModelForm
from gonghui.orgs.models import Enterprise, UnionOrg

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LevelsField(forms.CharField):
    """The position levels as one per line."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class RoundForm(ScopedModelForm):
    union_fields = ("scope_union",)
    levels = LevelsField(label="岗位等级", required=False, help_text="每行一个；留空则用广州市的五级")

    class Meta:
        model = SurveyRound
        fields = [
            "year",
            "title",
            "scope_union",
            "reference_month",
            "min_wage",
            "levels",
            "min_enterprises",
            "min_employees",
            "max_enterprise_share",
            "min_employees_for_tails",
        ]
        widgets = {"reference_month": DATE}


class ReturnForm(ScopedModelForm):
    class Meta:
        model = EnterpriseReturn
        fields = [
            "headcount",
            "paid_leave_days",
            "supplementary_medical",
            "enterprise_annuity",
            "meal_allowance",
            "transport_allowance",
            "housing_allowance",
            "high_temperature_allowance",
            "status",
        ]


class GuidelineForm(ScopedModelForm):
    union_fields = ("scope_union",)

    class Meta:
        model = WageGuideline
        fields = ["year", "scope_union", "baseline", "upper", "lower", "source"]


def _users_in_scope(user):
    """Accounts of the user's subtree (a guide is chosen among them)."""
    User = get_user_model()
    if user is None or user.org is None:
        return User.objects.none()
    return User.objects.filter(org__path__startswith=user.org.path).order_by("username")


class CaseForm(ScopedModelForm):
    union_fields = ("union",)

    class Meta:
        model = NegotiationCase
        fields = [
            "title",
            "kind",
            "topic",
            "union",
            "enterprise",
            "industry",
            "employer_side",
            "guide",
            "offer_by",
            "offer_on",
            "reply_on",
            "draft_signed_on",
            "congress_on",
            "congress_total",
            "congress_present",
            "congress_for",
            "signed_on",
            "filed_on",
            "review_objection_on",
            "term_years",
            "renewal_requested_on",
            "proposed_increase",
            "agreed_increase",
            "cpi_change",
            "productivity_change",
            "profit_change",
            "labour_cost_share",
            "enterprise_avg_pay",
            "notes",
        ]
        widgets = {
            name: DATE
            for name in (
                "offer_on",
                "reply_on",
                "draft_signed_on",
                "congress_on",
                "signed_on",
                "filed_on",
                "review_objection_on",
                "renewal_requested_on",
            )
        } | {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["union"].required = False
        self.fields["union"].help_text = "企业协商留空则取企业所属工会"
        self.fields["enterprise"].queryset = scoped(Enterprise.objects.all(), user)
        self.fields["guide"].queryset = _users_in_scope(user)
        self.fields["industry"].widget = forms.TextInput(
            attrs={"class": "form-control", "placeholder": "行业代码，如 30 或 3054"}
        )


class RepresentativeForm(forms.ModelForm):
    class Meta:
        model = Representative
        fields = ["side", "name", "position", "is_chief", "is_outside_expert"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["held_on", "place", "minutes", "outcome"]
        widgets = {"held_on": DATE, "minutes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class ExpertForm(ScopedModelForm):
    union_fields = ("union",)

    class Meta:
        model = Expert
        fields = ["name", "union", "organisation", "speciality", "phone", "active"]


class TownGuideForm(ScopedModelForm):
    union_fields = ("town_union",)

    class Meta:
        model = TownGuide
        fields = ["town_union", "name", "guide", "phone", "since", "active"]
        widgets = {"since": DATE}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["town_union"].queryset = scoped(
            UnionOrg.objects.filter(kind=UnionOrg.Kind.TOWN_UNION), user
        )
        self.fields["guide"].queryset = _users_in_scope(user)


class VisitForm(ScopedModelForm):
    union_fields = ("union",)

    class Meta:
        model = GuidanceVisit
        fields = ["union", "visited_on", "visitor", "enterprise", "case", "content"]
        widgets = {"visited_on": DATE, "content": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["enterprise"].queryset = scoped(Enterprise.objects.all(), user)
        self.fields["case"].queryset = scoped(NegotiationCase.objects.all(), user)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="填好的调查表（.xlsx）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )


def _style(form):
    for field in form.fields.values():
        css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
        field.widget.attrs.setdefault("class", css)
