import re

from django import forms
from django.conf import settings
from django.core import signing

from gonghui.core import codes
from gonghui.core.scoping import scoped
from gonghui.core.tables import can_see_pii
from gonghui.hotline import sla
from gonghui.hotline.models import (
    Clock,
    HandlerAvailability,
    MonthlyTheme,
    RateSettings,
    Ticket,
    TimeLimitRule,
    TopicCategory,
)
from gonghui.orgs.forms import ScopedModelForm
from gonghui.orgs.models import Enterprise, Region, UnionOrg

MAX_CONTENT = 2000
SCRIPTY = re.compile(r"<\s*/?\s*(script|iframe|object|embed|svg|img|a)\b|javascript:|on\w+\s*=", re.I)


def _style(form):
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select")
        else:
            w.attrs.setdefault("class", "form-control")


def resolve_enterprise(text, user=None):
    """An enterprise by exact credit code, exact name, or the only name containing the text."""
    text = (text or "").strip()
    if not text:
        return None
    qs = Enterprise.objects.select_related("town", "union")
    hit = qs.filter(credit_code__iexact=text).first() or qs.filter(name=text).first()
    if hit:
        return hit
    partial = list(qs.filter(name__icontains=text)[:2])
    return partial[0] if len(partial) == 1 else None


class TicketForm(ScopedModelForm):
    """Intake by an operator (and correction of the intake data)."""

    enterprise_query = forms.CharField(
        label="涉及企业", required=False, help_text="企业名称或统一社会信用代码；找到的企业决定属地派单"
    )
    answered_on_call = forms.CharField(
        label="当场答复（咨询类当场办结）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    dispatch_now = forms.BooleanField(label="受理后立即按属地派单", required=False, initial=True)

    class Meta:
        model = Ticket
        fields = [
            "phone",
            "caller_name",
            "anonymous",
            "content",
            "request_type",
            "topic",
            "priority",
            "enterprise",
            "enterprise_name",
            "town",
        ]
        widgets = {"content": forms.Textarea(attrs={"rows": 4}), "phone": forms.TextInput()}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["enterprise"].widget = forms.HiddenInput()
        self.fields["enterprise"].required = False
        self.fields["enterprise"].queryset = Enterprise.objects.select_related("town", "union")
        self.fields["enterprise_name"].widget = forms.HiddenInput()
        self.fields["topic"].queryset = TopicCategory.objects.filter(active=True)
        self.fields["town"].queryset = Region.objects.filter(level=Region.Level.TOWN)
        self.fields["content"].widget.attrs.update(
            {
                "hx-get": "/hotline/suggest/",
                "hx-trigger": "keyup changed delay:800ms",
                "hx-target": "#topic-suggest",
            }
        )
        self.order_fields(
            [
                "phone",
                "caller_name",
                "anonymous",
                "content",
                "request_type",
                "topic",
                "priority",
                "enterprise_query",
            ]
        )
        if self.instance.pk:
            del self.fields["answered_on_call"]
            del self.fields["dispatch_now"]
            self.fields["enterprise_query"].initial = self.instance.enterprise_name
            self.hide_pii = not can_see_pii(user)
            if self.hide_pii:
                self.initial["phone"] = ""
                self.fields["phone"].widget.attrs["placeholder"] = (
                    f"{codes.mask_phone(self.instance.phone)}（不修改请留空）"
                )
        else:
            self.hide_pii = False
        self.fields["phone"].required = False
        _style(self)

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if not value and self.hide_pii:
            return self.instance.phone
        if value and codes.validate_mobile(value) and not re.fullmatch(r"0\d{2,3}-?\d{7,8}", value):
            raise forms.ValidationError("请填写正确的手机号或固定电话。")
        return value

    def clean(self):
        data = super().clean()
        query = (data.get("enterprise_query") or "").strip()
        enterprise = resolve_enterprise(query)
        data["enterprise"] = enterprise
        data["enterprise_name"] = enterprise.name if enterprise else query[:100]
        if enterprise and not data.get("town"):
            data["town"] = enterprise.town
        return data


class PublicTicketForm(forms.Form):
    """The workers' public form: captcha-free anti-spam (honeypot, signed start time, size limits)."""

    phone = forms.CharField(label="手机号", max_length=20)
    caller_name = forms.CharField(label="姓名（可不填）", max_length=50, required=False)
    anonymous = forms.BooleanField(label="匿名反映", required=False)
    enterprise_query = forms.CharField(label="单位名称", max_length=100, required=False)
    town = forms.ModelChoiceField(
        label="所在镇街", queryset=Region.objects.filter(level=Region.Level.TOWN), required=False
    )
    content = forms.CharField(
        label="反映的问题", widget=forms.Textarea(attrs={"rows": 6}), max_length=MAX_CONTENT
    )
    # Honeypot: hidden from people by CSS; bots fill every field.
    website = forms.CharField(label="网址", required=False)
    started = forms.CharField(widget=forms.HiddenInput())

    MIN_SECONDS = 3
    MAX_AGE = 3600

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["started"].initial = signing.TimestampSigner(salt="hotline-public").sign("form")
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        _style(self)

    def spam_reason(self):
        """Why the submission is refused as abuse, or '' (checked before the field validation)."""
        data = self.data
        if data.get("website"):
            return "honeypot"
        try:
            signing.TimestampSigner(salt="hotline-public").unsign(
                data.get("started", ""), max_age=self.MAX_AGE
            )
        except signing.SignatureExpired:
            return "expired"
        except signing.BadSignature:
            return "no-token"
        # age: signed value holds the timestamp
        ts = signing.TimestampSigner(salt="hotline-public")
        value = data.get("started", "")
        try:
            ts.unsign(value, max_age=self.MIN_SECONDS)
            return "too-fast"
        except signing.SignatureExpired:
            pass
        if SCRIPTY.search(
            " ".join(str(data.get(k, "")) for k in ("content", "caller_name", "enterprise_query"))
        ):
            return "script"
        return ""

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if codes.validate_mobile(value):
            raise forms.ValidationError("请填写正确的11位手机号，便于工作人员联系和回访。")
        return value

    def clean_content(self):
        value = self.cleaned_data["content"].strip()
        if len(value) < 5:
            raise forms.ValidationError("请把问题写清楚一些（至少5个字）。")
        return value

    def ticket_data(self):
        d = self.cleaned_data
        enterprise = resolve_enterprise(d.get("enterprise_query"))
        return {
            "phone": d["phone"],
            "caller_name": "" if d.get("anonymous") else d.get("caller_name", ""),
            "anonymous": d.get("anonymous", False),
            "content": d["content"],
            "request_type": "服务帮扶",
            "enterprise": enterprise,
            "enterprise_name": enterprise.name if enterprise else (d.get("enterprise_query") or "")[:100],
            "town": d.get("town") or (enterprise.town if enterprise else None),
        }


MAX_PUBLIC_BODY = getattr(settings, "GONGHUI_HOTLINE_MAX_BODY", 16 * 1024)


class CallbackForm(forms.Form):
    callback_result = forms.ChoiceField(
        label="您对办理结果的评价", choices=Ticket.CallbackResult.choices, widget=forms.RadioSelect
    )
    callback_resolved = forms.TypedChoiceField(
        label="问题是否已解决",
        choices=[("", "未回答"), ("1", "已解决"), ("0", "未解决")],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    comment = forms.CharField(
        label="意见建议", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DispatchForm(forms.Form):
    union = forms.ModelChoiceField(
        label="承办单位（留空按属地）", queryset=UnionOrg.objects.none(), required=False
    )
    note = forms.CharField(label="派单说明", required=False, max_length=500)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["union"].queryset = scoped(UnionOrg.objects.all(), user)
        _style(self)


class ExtensionForm(forms.Form):
    clock = forms.ChoiceField(label="时限类型", choices=Clock.choices, initial="resolution")
    amount = forms.DecimalField(label="延期后时限", min_value=1, max_digits=6, decimal_places=1)
    unit = forms.ChoiceField(
        label="单位", choices=[(u, sla.UNIT_LABELS[u]) for u in sla.UNITS], initial="workdays"
    )
    reason = forms.CharField(label="延期理由", max_length=500)


class TopicForm(ScopedModelForm):
    union_fields = ("owner",)

    class Meta:
        model = TopicCategory
        fields = ["owner", "name", "parent", "order", "active"]


class TimeLimitForm(ScopedModelForm):
    union_fields = ("owner",)

    class Meta:
        model = TimeLimitRule
        fields = ["owner", "clock", "request_type", "topic", "priority", "amount", "unit"]


class HandlerForm(ScopedModelForm):
    union_fields = ("union",)

    class Meta:
        model = HandlerAvailability
        fields = ["union", "user", "available"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        from django.contrib.auth import get_user_model

        path = user.org.path if getattr(user, "org", None) else "\0"
        users = get_user_model().objects.all()
        self.fields["user"].queryset = (
            users if user.is_superuser else users.filter(org__path__startswith=path)
        )


class ThemeForm(ScopedModelForm):
    union_fields = ("union",)
    problems_text = forms.CharField(
        label="问题（每行一个，如：拖欠工资 / 制造业）", widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = MonthlyTheme
        fields = ["union", "month", "title", "note", "problems"]
        widgets = {"month": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # entered as text lines, parsed in clean()
        self.fields["problems"] = forms.JSONField(required=False, widget=forms.HiddenInput())
        if self.instance.pk:
            self.fields["problems_text"].initial = "\n".join(
                " / ".join(str(v) for v in p.values()) for p in self.instance.problems
            )

    def clean(self):
        data = super().clean()
        problems = []
        for line in (data.get("problems_text") or "").splitlines():
            parts = [p.strip() for p in line.split("/") if p.strip()]
            if parts:
                problem = {"topic": parts[0]}
                if len(parts) > 1:
                    problem["dim"] = parts[1]
                problems.append(problem)
        data["problems"] = problems
        if "month" in data and data["month"]:
            data["month"] = data["month"].replace(day=1)
        return data


class RateSettingsForm(forms.ModelForm):
    class Meta:
        model = RateSettings
        fields = ["response", "resolution", "satisfaction", "basic_weight"]

    def __init__(self, *args, **kwargs):
        from gonghui.hotline import rates

        super().__init__(*args, **kwargs)
        table = rates.build_formulas()
        for key in rates.RATE_KEYS:
            self.fields[key] = forms.ChoiceField(
                label=self.fields[key].label,
                choices=[(v, f.definition) for (k, v), f in table.items() if k == key],
                widget=forms.RadioSelect,
            )
