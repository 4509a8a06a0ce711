from django import forms

from gonghui.core import codes
from gonghui.core.scoping import scoped
from gonghui.core.tables import can_see_pii
from gonghui.orgs.models import Enterprise, Member, Region, UnionOrg, Venue


class ScopedModelForm(forms.ModelForm):
    """Union choices are limited to the user's jurisdiction; the service checks again on write."""

    union_fields = ()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.union_fields:
            if name in self.fields:
                self.fields[name].queryset = scoped(UnionOrg.objects.all(), user)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            field.widget.attrs.setdefault("class", css)


class EnterpriseForm(ScopedModelForm):
    union_fields = ("union",)

    class Meta:
        model = Enterprise
        fields = [
            "name",
            "credit_code",
            "town",
            "address",
            "lng",
            "lat",
            "industry",
            "headcount",
            "has_own_union",
            "union",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"].required = False
        self.fields["union"].help_text = "留空则由所在镇街工会覆盖"
        self.fields["town"].queryset = Region.objects.filter(level=Region.Level.TOWN)
        self.fields["industry"].widget = forms.TextInput(
            attrs={"class": "form-control", "placeholder": "四位小类代码，如 3054"}
        )

    def clean_credit_code(self):
        return self.cleaned_data["credit_code"].strip().upper()


class UnionOrgForm(ScopedModelForm):
    union_fields = ("parent",)

    class Meta:
        model = UnionOrg
        fields = [
            "name",
            "kind",
            "parent",
            "region",
            "chair_name",
            "founded_on",
            "model_home_level",
            "model_home_year",
        ]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"})}


class MemberForm(ScopedModelForm):
    union_fields = ("union",)

    class Meta:
        model = Member
        fields = ["name", "id_number", "phone", "enterprise", "union", "joined_on", "new_form_kind"]
        widgets = {
            "joined_on": forms.DateInput(attrs={"type": "date"}),
            "id_number": forms.TextInput(),
            "phone": forms.TextInput(),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["enterprise"].queryset = scoped(Enterprise.objects.all(), user)
        # Without the right to see personal data, the stored values are not sent to the browser:
        # the fields show the masked value and an empty entry keeps what is stored.
        self.hide_pii = self.instance.pk is not None and not can_see_pii(user)
        if self.hide_pii:
            for name, mask in (("id_number", codes.mask_id_number), ("phone", codes.mask_phone)):
                self.initial[name] = ""
                self.fields[name].required = False
                self.fields[name].widget.attrs["placeholder"] = (
                    f"{mask(getattr(self.instance, name))}（不修改请留空）"
                )

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip().upper()
        return value or (self.instance.id_number if self.hide_pii else value)

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return value or (self.instance.phone if self.hide_pii else value)


class VenueForm(ScopedModelForm):
    union_fields = ("owner",)

    class Meta:
        model = Venue
        fields = ["name", "kind", "owner", "address", "lng", "lat", "capacity", "facilities"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )
