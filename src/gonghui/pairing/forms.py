from django import forms

from gonghui.core.scoping import scoped
from gonghui.orgs.forms import ScopedModelForm
from gonghui.orgs.models import Region, UnionOrg
from gonghui.pairing.models import PairingPlan, PlannedJointUnion, default_params
from gonghui.pairing.services import PARAM_HELP, SAME_TOWN_LABELS

SAME_TOWN_CHOICES = list(SAME_TOWN_LABELS.items())


def _towns_for(user):
    towns = Region.objects.filter(level=Region.Level.TOWN)
    org = getattr(user, "org", None)
    if user is None or user.is_superuser or org is None:
        return towns if user is not None and user.is_superuser else towns.none()
    if org.kind == UnionOrg.Kind.TOWN_UNION:
        return towns.filter(code=org.region_id)
    return towns.filter(parent=org.region)


class PlanForm(ScopedModelForm):
    """Name, scope and towns, plus the solver's parameters as plain fields (stored as JSON)."""

    union_fields = ("scope_union",)

    max_distance_km = forms.FloatField(label=PARAM_HELP["max_distance_km"], min_value=0.1, max_value=500)
    same_town = forms.ChoiceField(label=PARAM_HELP["same_town"], choices=SAME_TOWN_CHOICES)
    other_town_penalty = forms.IntegerField(label=PARAM_HELP["other_town_penalty"], min_value=0)
    micro_threshold = forms.IntegerField(label=PARAM_HELP["micro_threshold"], min_value=1)
    mentor_min_headcount = forms.IntegerField(label=PARAM_HELP["mentor_min_headcount"], min_value=1)
    capacity_base = forms.IntegerField(label=PARAM_HELP["capacity_base"], min_value=0)
    capacity_staff_step = forms.IntegerField(label=PARAM_HELP["capacity_staff_step"], min_value=0)
    capacity_max = forms.IntegerField(label=PARAM_HELP["capacity_max"], min_value=0)
    model_home_step = forms.IntegerField(label=PARAM_HELP["model_home_step"], min_value=0)
    industry_penalty = forms.CharField(
        label=PARAM_HELP["industry_penalty"], help_text="五个整数，以逗号分隔，如 0,150,300,600,1000"
    )
    joint_min_members = forms.IntegerField(label=PARAM_HELP["joint_min_members"], min_value=1)
    joint_max_members = forms.IntegerField(label=PARAM_HELP["joint_max_members"], min_value=1)
    joint_max_staff = forms.IntegerField(label=PARAM_HELP["joint_max_staff"], min_value=1)
    joint_max_distance_km = forms.FloatField(
        label=PARAM_HELP["joint_max_distance_km"], min_value=0.1, max_value=500
    )
    keep_existing = forms.BooleanField(label=PARAM_HELP["keep_existing"], required=False)
    use_federations = forms.BooleanField(label=PARAM_HELP["use_federations"], required=False)

    # The edit page groups the fields under these headings (pairing/plan_form.html).
    sections = (
        ("方案与范围", ("name", "scope_union", "towns")),
        (
            "大带小结对",
            (
                "max_distance_km",
                "same_town",
                "other_town_penalty",
                "micro_threshold",
                "mentor_min_headcount",
                "capacity_base",
                "capacity_staff_step",
                "capacity_max",
                "model_home_step",
                "industry_penalty",
                "keep_existing",
            ),
        ),
        (
            "联合工会、工会联合会",
            (
                "joint_min_members",
                "joint_max_members",
                "joint_max_staff",
                "joint_max_distance_km",
                "use_federations",
            ),
        ),
    )

    # Every field under the sections after the first is one key of the plan's parameters.
    param_names = tuple(name for _title, names in sections[1:] for name in names)

    class Meta:
        model = PairingPlan
        fields = ["name", "scope_union", "towns", "params"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # The parameters are edited as the plain fields above; clean() gathers them into `params`.
        self.fields["params"] = forms.JSONField(required=False, widget=forms.HiddenInput)
        self.fields["scope_union"].queryset = scoped(UnionOrg.objects.all(), user).filter(
            kind__in=[UnionOrg.Kind.COUNTY_FEDERATION, UnionOrg.Kind.TOWN_UNION]
        )
        self.fields["towns"].queryset = _towns_for(user)
        self.fields["towns"].widget.attrs["size"] = 8
        params = default_params()
        if self.instance.pk:
            params.update(self.instance.params or {})
        elif user is not None and getattr(user, "org", None) is not None:
            self.initial.setdefault(
                "scope_union", user.org.pk if user.org.kind in ("county", "town") else None
            )
        for name in self.param_names:
            value = params[name]
            if isinstance(value, list):
                value = ",".join(str(x) for x in value)
            elif isinstance(value, float) and value == int(value):
                value = int(value)  # 15, not 15.0
            self.initial.setdefault(name, value)

    def clean_industry_penalty(self):
        try:
            values = [int(x) for x in self.cleaned_data["industry_penalty"].replace("，", ",").split(",")]
        except ValueError as exc:
            raise forms.ValidationError("请输入五个整数。") from exc
        if len(values) != 5 or min(values) < 0:
            raise forms.ValidationError("请输入五个非负整数。")
        return values

    def clean(self):
        data = super().clean()
        data["params"] = {name: data[name] for name in self.param_names if name in data}
        return data


class MoveForm(forms.Form):
    enterprise = forms.IntegerField(label="企业")
    mentor = forms.IntegerField(label="帮带工会")


class ExcludeForm(forms.Form):
    enterprise = forms.IntegerField(label="企业")
    note = forms.CharField(label="排除原因", max_length=200)


class EnterpriseForm(forms.Form):
    enterprise = forms.IntegerField(label="企业")


class IdsField(forms.TypedMultipleChoiceField):
    """Ids of any objects: the view resolves them in the user's jurisdiction, the service checks them."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, choices=(), **kwargs)

    def valid_value(self, value):
        return str(value).isdigit()


class GroupCreateForm(forms.Form):
    enterprises = IdsField(label="企业")
    kind = forms.ChoiceField(label="形式", choices=PlannedJointUnion.Kind.choices)


class GroupMoveForm(forms.Form):
    enterprise = forms.IntegerField(label="企业")
    joint_union = forms.IntegerField(label="联合工会")
