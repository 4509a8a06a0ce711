"""Generic pages every app reuses, NetBox style: list (search, filters, pagination, Excel export),
detail (with history), edit (form → service) and delete. Apps subclass and name their pieces."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from gonghui.core import audit, excel, holidays, officialdays
from gonghui.core.models import AuditEntry, OfficialDay
from gonghui.core.scoping import get_scoped, is_worker, require_perm, scoped, sees_every_union
from gonghui.core.tables import can_see_pii

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content, filename):
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class ScopedMixin(LoginRequiredMixin):
    model = None
    action = "view"

    def base_queryset(self):
        return self.model.objects.all()

    def scoped_queryset(self):
        require_perm(self.request.user, self.model, self.action)
        return scoped(self.base_queryset(), self.request.user)


class ObjectListView(ScopedMixin, ListView):
    """A filtered, searchable, paginated list; `?export=xlsx` exports exactly the filtered rows."""

    filterset_class = None
    columns = ()
    paginate_by = 50
    template_name = "core/object_list.html"
    title = ""
    add_url_name = None
    import_kind = None

    def get_queryset(self):
        qs = self.scoped_queryset()
        self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
        return self.filterset.qs if self.filterset.is_bound else qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self):
        user = self.request.user
        if not user.has_perm(f"{self.model._meta.app_label}.export_data") and not user.has_perm(
            "orgs.export_data"
        ):
            raise PermissionDenied("没有导出数据的权限。")
        qs = self.get_queryset()
        pii = can_see_pii(user)
        rows = ([c.value(obj, pii) for c in self.columns] for obj in qs.iterator(chunk_size=2000))
        content = excel.export_workbook(self.title, [c.label for c in self.columns], rows)
        audit.record(
            user,
            AuditEntry.Action.EXPORT,
            user,
            changes={},
            note=f"导出{self.title}：{self.request.GET.urlencode()}"[:500],
        )
        return xlsx_response(content, f"{self.title}-{timezone.localdate():%Y%m%d}.xlsx")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        pii = can_see_pii(self.request.user)
        ctx.update(
            title=self.title,
            filterset=self.filterset,
            columns=self.columns,
            rows=[(obj, [c.value(obj, pii) for c in self.columns]) for obj in ctx["object_list"]],
            add_url=reverse(self.add_url_name) if self.add_url_name and self._can("add") else None,
            import_url=reverse("orgs:import", args=[self.import_kind])
            if self.import_kind and self.request.user.has_perm("orgs.import_data")
            else None,
            query_without_page=_without_page(self.request.GET),
        )
        return ctx

    def _can(self, action):
        return self.request.user.has_perm(
            f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"
        )


def _without_page(querydict):
    q = querydict.copy()
    q.pop("page", None)
    return q.urlencode()


class ObjectDetailView(ScopedMixin, TemplateView):
    template_name = None
    fields = ()  # (label, accessor) pairs or core.tables.Column

    def get(self, request, pk):
        obj = get_scoped(request.user, self.model, pk)
        pii = can_see_pii(request.user)
        ctx = {
            "object": obj,
            "title": str(obj),
            "fields": [
                (c.label, value)
                for c in self.fields
                for value in [c.value(obj, pii)]
                if value not in ("", None) or not is_worker(request.user)  # a worker sees what is there
            ],
            # The audit trail is the union staff's record of who did what; a worker reading their
            # own request or member record does not get the staff's names and internal fields.
            "history": None if is_worker(request.user) else audit.history(obj)[:100],
            "can_change": request.user.has_perm(
                f"{self.model._meta.app_label}.change_{self.model._meta.model_name}"
            ),
            "can_delete": request.user.has_perm(
                f"{self.model._meta.app_label}.delete_{self.model._meta.model_name}"
            ),
            "edit_url_name": self.edit_url_name,
            "delete_url_name": self.delete_url_name,
        }
        ctx.update(self.extra_context_for(obj))
        return render(request, self.template_name or "core/object_detail.html", ctx)

    edit_url_name = None
    delete_url_name = None

    def extra_context_for(self, obj):
        return {}


class ObjectEditView(ScopedMixin, View):
    """GET shows the form; POST hands cleaned data to the service and maps its errors back."""

    form_class = None
    service_create = None
    service_update = None
    template_name = "core/object_edit.html"

    def get_object(self, pk):
        if pk is None:
            require_perm(self.request.user, self.model, "add")
            return None
        return get_scoped(self.request.user, self.model, pk, "change")

    def get(self, request, pk=None):
        obj = self.get_object(pk)
        form = self.form_class(instance=obj, user=request.user)
        return self.render(form, obj)

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        form = self.form_class(request.POST, instance=obj, user=request.user)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data}
            try:
                if obj is None:
                    obj = type(self).service_create(request.user, data)
                    messages.success(request, f"已新建：{obj}")
                else:
                    # ModelForm validation has already copied the form's values onto `obj`; the
                    # service gets the stored object, so its audit "before" is what was stored.
                    obj = type(self).service_update(request.user, self.get_object(pk), data)
                    messages.success(request, f"已保存：{obj}")
                return redirect(obj.get_absolute_url())
            except ValidationError as exc:
                _errors_to_form(form, exc)
        return self.render(form, obj, status=400)

    def render(self, form, obj, status=200):
        verbose = self.model._meta.verbose_name
        title = f"编辑{verbose}：{obj}" if obj else f"新建{verbose}"
        return render(
            self.request, self.template_name, {"form": form, "object": obj, "title": title}, status=status
        )


def _errors_to_form(form, exc):
    if hasattr(exc, "error_dict"):
        for field_name, errs in exc.message_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


class ObjectDeleteView(ScopedMixin, View):
    service_delete = None
    success_url_name = None

    def get(self, request, pk):
        obj = get_scoped(request.user, self.model, pk, "delete")
        return render(request, "core/object_delete.html", {"object": obj, "title": f"删除：{obj}"})

    def post(self, request, pk):
        obj = get_scoped(request.user, self.model, pk, "delete")
        try:
            type(self).service_delete(request.user, obj)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect(obj.get_absolute_url())
        messages.success(request, f"已删除：{obj}")
        return redirect(self.success_url_name)


class AuditListView(LoginRequiredMixin, ListView):
    """The audit log, limited to entries about objects the user may see (by their writer's org)."""

    template_name = "core/audit_list.html"
    paginate_by = 50

    def get_queryset(self):
        user = self.request.user
        require_perm(user, AuditEntry, "view")
        qs = AuditEntry.objects.select_related("user", "content_type")
        if not user.is_superuser:
            qs = qs.filter(user__org__path__startswith=user.org.path if user.org else "\0")
        if self.request.GET.get("request_id"):
            qs = qs.filter(request_id=self.request.GET["request_id"])
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = "操作记录"
        ctx["query_without_page"] = _without_page(self.request.GET)
        return ctx


class DashboardView(LoginRequiredMixin, TemplateView):
    """The landing page: each app contributes its panel through dashboard_context()."""

    template_name = "dashboard.html"

    def get_context_data(self, **kwargs):
        from gonghui.hotline.dashboard import dashboard_context as hotline_panel
        from gonghui.orgs.dashboard import dashboard_context as orgs_panel

        ctx = super().get_context_data(**kwargs)
        for panel in (orgs_panel, hotline_panel):
            ctx.update(panel(self.request.user))
        ctx["title"] = "总览"
        return ctx


class ArrangementForm(forms.Form):
    name = forms.CharField(
        label="节日", max_length=40, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    first = forms.DateField(
        label="放假开始", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    last = forms.DateField(
        label="放假结束", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    workdays = forms.CharField(
        label="调休上班日",
        required=False,
        help_text="多个日期用逗号或顿号分隔，如 2月14日、2月28日；未写年份的取离放假日期最近的一年",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    source = forms.CharField(
        label="依据",
        required=False,
        max_length=200,
        help_text="如：国务院办公厅关于2027年部分节假日安排的通知",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def clean(self):
        data = super().clean()
        if "first" in data and "last" in data:
            days, errors = holidays.parse_dates(data.get("workdays", ""), data["first"])
            if errors:
                self.add_error("workdays", errors)
            arrangement = holidays.Arrangement(data["name"], data["first"], data["last"], tuple(days))
            for message in [] if errors else holidays.check_arrangement(arrangement):
                self.add_error(None, message)
            data["arrangement"] = arrangement
        return data


@login_required
def holiday_calendar(request):
    """The official working-day calendar of a year, and the form to record a new notice."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2004), today.year + 5)
    user = request.user
    can_write = user.has_perm("core.add_officialday") and (user.is_superuser or sees_every_union(user))
    form = ArrangementForm(request.POST or None) if can_write else None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied("节假日安排由县（市、区）总工会统一录入。")
        if form.is_valid():
            try:
                saved = officialdays.record_arrangement(
                    user, form.cleaned_data["arrangement"], form.cleaned_data["source"]
                )
                messages.success(request, f"已录入「{form.cleaned_data['name']}」{len(saved)} 天。")
                return redirect(f"{reverse('core:holidays')}?year={form.cleaned_data['first'].year}")
            except ValidationError as exc:
                _errors_to_form(form, exc)
    last_known = holidays.last_package_year()
    rows = officialdays.year_calendar(year)
    ctx = {
        "title": f"{year}年节假日安排",
        "year": year,
        "years": list(range(today.year - 2, today.year + 3)),
        "rows": rows,
        "form": form,
        "can_write": can_write,
        "package_year": last_known,
        "provisional": (last_known is None or year > last_known) and not any(r["obj"] for r in rows),
    }
    return render(request, "core/holidays.html", ctx, status=400 if form is not None and form.errors else 200)


@login_required
def holiday_delete(request, pk):
    if request.method != "POST":
        raise PermissionDenied("请从节假日安排页面删除。")
    obj = get_object_or_404(OfficialDay, pk=pk)
    officialdays.delete_day(request.user, obj)
    messages.success(request, f"已删除：{obj}")
    return redirect(f"{reverse('core:holidays')}?year={obj.date.year}")
