"""Hotline pages: thin views over services.py, reports.py and the pure kernels."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from gonghui.core import excel
from gonghui.core import views as generic
from gonghui.core.scoping import get_scoped, is_worker, require_perm, scoped
from gonghui.core.tables import can_see_pii
from gonghui.hotline import filtersets, forms, rates, reports, services, tables
from gonghui.hotline.models import (
    ExtensionRequest,
    HandlerAvailability,
    MonthlyTheme,
    Ticket,
    TimeLimitRule,
    TopicCategory,
    WarningAlert,
)

# --- tickets ---------------------------------------------------------------------------------------


class CappedPaginator(Paginator):
    """Never counts the whole result: an exact COUNT(*) over millions of tickets costs more than
    the page. It looks two pages ahead of the requested one instead; `capped` says there are more.

    The look-ahead reads only the keys (an index-only scan of the list's index however deep the
    page), and the page's rows are then fetched by those keys: the OFFSET never walks full rows."""

    def __init__(self, *args, wanted_page=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.wanted = max(1, wanted_page)
        self.capped = False
        self._probe = None

    def _keys(self, bottom, top):
        return list(self.object_list[bottom:top].values_list("pk", flat=True))

    @cached_property
    def count(self):
        bottom = (self.wanted - 1) * self.per_page
        ahead = 2 * self.per_page
        probe = self._keys(bottom, bottom + ahead + 1)
        self._probe = (bottom, probe)
        self.capped = len(probe) > ahead
        return bottom + min(len(probe), ahead)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self._probe is not None and self._probe[0] == bottom:
            keys = self._probe[1][: top - bottom]
        else:
            keys = self._keys(bottom, top)
        rows = {}
        if keys:
            rows = {obj.pk: obj for obj in self.object_list.order_by().filter(pk__in=keys)}
        return self._get_page([rows[k] for k in keys if k in rows], number, self)


class TicketListView(generic.ObjectListView):
    model = Ticket
    filterset_class = filtersets.TicketFilterSet
    columns = tables.TICKET_COLUMNS
    title = "热线工单"
    add_url_name = "hotline:ticket_add"
    paginate_by = 50
    template_name = "hotline/ticket_list.html"

    def base_queryset(self):
        return Ticket.objects.select_related("handling_union", "handler")

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        try:
            wanted = int(self.request.GET.get("page") or 1)
        except ValueError:
            wanted = 1
        return CappedPaginator(queryset, per_page, orphans, allow_empty_first_page, wanted_page=wanted)


class TicketDetailView(generic.ObjectDetailView):
    model = Ticket
    fields = tables.TICKET_DETAIL
    template_name = "hotline/ticket_detail.html"
    edit_url_name = "hotline:ticket_edit"
    delete_url_name = "hotline:ticket_delete"

    def extra_context_for(self, ticket):
        user = self.request.user
        state = services.clocks(ticket)
        can_change = user.has_perm("hotline.change_ticket") and not is_worker(user)
        return {
            "ticket": ticket,
            "clocks": [state[c] for c in ("response", "feedback", "resolution")],
            "events": ticket.events.select_related("actor", "union"),
            "extensions": ticket.extensions.all(),
            "can_act": can_change,
            "can_callback": user.has_perm("hotline.callback_ticket"),
            "can_supervise": user.has_perm("hotline.supervise_ticket"),
            "dispatch_form": forms.DispatchForm(user=user),
            "extension_form": forms.ExtensionForm(),
            "callback_form": forms.CallbackForm(),
            "callback_url": self.request.session.pop(f"callback-link-{ticket.pk}", None),
            "warnings": ticket.warnings.all(),
            "content": ticket.content,
            "is_worker": is_worker(user),
        }


class TicketEditView(generic.ObjectEditView):
    model = Ticket
    form_class = forms.TicketForm
    service_update = services.update_ticket

    def post(self, request, pk=None):
        if pk is not None:
            return super().post(request, pk)
        require_perm(request.user, Ticket, "add")
        form = self.form_class(request.POST, user=request.user)
        if form.is_valid():
            data = {name: form.cleaned_data.get(name) for name in form.Meta.fields}
            try:
                ticket = services.intake(
                    request.user,
                    data,
                    answered_on_call=form.cleaned_data.get("answered_on_call", ""),
                    dispatch_now=form.cleaned_data.get("dispatch_now", False),
                )
            except ValidationError as exc:
                generic._errors_to_form(form, exc)
            else:
                messages.success(request, f"已受理：工单号 {ticket.number}（{ticket.get_status_display()}）")
                return redirect(ticket.get_absolute_url())
        return self.render(form, None, status=400)

    def render(self, form, obj, status=200):
        title = f"修改工单：{obj}" if obj else "受理诉求"
        return render(
            self.request,
            "hotline/ticket_form.html",
            {"form": form, "object": obj, "title": title},
            status=status,
        )


class TicketDeleteView(generic.ObjectDeleteView):
    model = Ticket
    service_delete = services.delete_ticket
    success_url_name = "hotline:ticket_list"


ACTIONS = {
    "dispatch": "派单",
    "return": "退单",
    "sign": "签收",
    "feedback": "进展反馈",
    "pause": "暂停计时",
    "resume": "恢复计时",
    "extension": "申请延期",
    "reply": "答复",
    "callback": "回访",
    "callback_link": "生成回访链接",
    "close_intake": "当场办结",
    "merge": "合并",
}


@login_required
@require_POST
def ticket_action(request, pk, action):
    """One step of the life cycle, posted from the ticket page; the service decides if it is allowed."""
    if action not in ACTIONS:
        raise Http404
    user, post = request.user, request.POST
    ticket = get_scoped(user, Ticket, pk, "view")
    note = post.get("note", "")
    try:
        if action == "dispatch":
            form = forms.DispatchForm(post, user=user)
            union = form.cleaned_data.get("union") if form.is_valid() else None
            services.dispatch(user, ticket, union, note)
        elif action == "return":
            services.return_ticket(user, ticket, note)
        elif action == "sign":
            services.sign(user, ticket)
        elif action == "feedback":
            services.feedback(user, ticket, note)
        elif action == "pause":
            services.pause(user, ticket, note)
        elif action == "resume":
            services.resume(user, ticket, note)
        elif action == "extension":
            form = forms.ExtensionForm(post)
            if not form.is_valid():
                raise ValidationError("请完整填写延期申请。")
            d = form.cleaned_data
            services.request_extension(user, ticket, d["clock"], d["amount"], d["unit"], d["reason"])
        elif action == "reply":
            services.reply(user, ticket, post.get("reply", ""))
        elif action == "callback":
            form = forms.CallbackForm(post)
            if not form.is_valid():
                raise ValidationError("请选择回访评价。")
            d = form.cleaned_data
            services.callback(user, ticket, d["callback_result"], d["comment"], d["callback_resolved"])
        elif action == "callback_link":
            token = services.make_callback_link(user, ticket)
            request.session[f"callback-link-{ticket.pk}"] = request.build_absolute_uri(
                reverse("hotline:callback_public", args=[token])
            )
        elif action == "close_intake":
            services.close_at_intake(user, ticket, post.get("answer", ""))
        elif action == "merge":
            into = scoped(Ticket.objects.all(), user).filter(number=post.get("into", "").strip()).first()
            if into is None:
                raise ValidationError("未找到要合并到的工单号。")
            services.merge(user, ticket, into)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(ticket.get_absolute_url())
    messages.success(request, f"已{ACTIONS[action]}。")
    return redirect(ticket.get_absolute_url())


@login_required
@require_POST
def extension_decide(request, pk):
    ext = get_scoped(request.user, ExtensionRequest, pk, "view")
    try:
        services.decide_extension(
            request.user, ext, request.POST.get("approve") == "1", request.POST.get("note", "")
        )
        messages.success(request, "已审批。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(ext.ticket.get_absolute_url())


_classifier = {"model": None, "at": None, "accuracy": None, "n": 0}


def topic_classifier(max_age=dt.timedelta(hours=1)):
    """The suggestion model, learned from the last operator-labelled tickets; rebuilt hourly."""
    from gonghui.hotline import classify

    now = timezone.now()
    if _classifier["model"] is not None and now - _classifier["at"] < max_age:
        return _classifier
    rows = list(
        Ticket.objects.exclude(topic_path="")
        .exclude(channel=Ticket.Channel.PROACTIVE)
        .order_by("-created_at")
        .values_list("content", "topic_path")[:5000]
    )
    _classifier.update(model=None, at=now, accuracy=None, n=len(rows))
    if len({label for _, label in rows}) >= 2:
        texts, labels = [r[0] for r in rows], [r[1] for r in rows]
        _classifier["model"] = classify.train(texts, labels)
        if len(rows) >= 40:
            _classifier["accuracy"] = classify.evaluate(texts, labels).get("accuracy")
    return _classifier


@login_required
def suggest(request):
    """htmx: topic suggestions for the text typed on the intake form."""
    require_perm(request.user, Ticket, "add")
    text = (request.GET.get("content") or "")[:2000]
    state = topic_classifier()
    suggestions = []
    if state["model"] is not None and len(text.strip()) >= 4:
        by_path = {t.path: t for t in TopicCategory.objects.filter(active=True)}
        for path, p in state["model"].suggest(text, 3):
            if path in by_path:
                suggestions.append((by_path[path], round(p * 100)))
    return render(request, "hotline/_suggest.html", {"suggestions": suggestions, "state": state})


# --- public pages: the workers' form and the call-back link -----------------------------------------

PUBLIC_LIMIT = 5  # submissions per address per window
PUBLIC_WINDOW = 600  # seconds


def _client_ip(request):
    return request.META.get("REMOTE_ADDR", "")


def _throttled(request):
    key = f"hotline-public:{_client_ip(request)}"
    added = cache.add(key, 1, PUBLIC_WINDOW)
    if added:
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, PUBLIC_WINDOW)
        return False
    return count > PUBLIC_LIMIT


def public_form(request):
    """诉求提交: no login, no captcha; abuse is refused by honeypot, timing, size and throttle."""
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > forms.MAX_PUBLIC_BODY:
            return _refuse(request, "提交的内容过长，请精简后再提交。", 413)
        form = forms.PublicTicketForm(request.POST)
        reason = form.spam_reason()
        if reason in ("honeypot", "script", "no-token"):
            return _refuse(request, "提交未被受理：内容不符合要求。", 400)
        if reason in ("too-fast", "expired"):
            return _refuse(request, "页面停留时间异常，请刷新页面后重新填写提交。", 400)
        if _throttled(request):
            return _refuse(request, "提交过于频繁，请稍后再试，或拨打职工服务热线12351。", 429)
        if form.is_valid():
            worker = request.user if getattr(request.user, "role", "") == "worker" else None
            ticket = services.public_intake(form.ticket_data(), worker=worker)
            return render(request, "hotline/public_done.html", {"ticket": ticket, "title": "提交成功"})
        return render(request, "hotline/public_form.html", {"form": form, "title": "职工诉求"}, status=400)
    return render(
        request,
        "hotline/public_form.html",
        {"form": forms.PublicTicketForm(initial=_worker_initial(request.user)), "title": "职工诉求"},
    )


def _worker_initial(user):
    """A logged-in worker's own phone, name and employer, so they need not type them again."""
    member = getattr(user, "member", None) if is_worker(user) else None
    if member is None:
        return {}
    enterprise = member.enterprise
    return {
        "phone": member.phone,
        "caller_name": member.name,
        "enterprise_query": enterprise.name if enterprise else "",
        "town": enterprise.town_id if enterprise else None,
    }


def _refuse(request, message, status):
    return render(
        request, "hotline/public_refused.html", {"message": message, "title": "未受理"}, status=status
    )


def callback_public(request, token):
    """The worker's own call-back through the link sent to them: one use, expiring, no login."""
    try:
        link = services.callback_link(token)
    except ValidationError as exc:
        return _refuse(request, "；".join(exc.messages), 410)
    form = forms.CallbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.callback_by_token(
                token, d["callback_result"], d["comment"], d["callback_resolved"], request_user=request.user
            )
        except (ValidationError, PermissionDenied) as exc:
            msg = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return _refuse(request, msg, 403 if isinstance(exc, PermissionDenied) else 410)
        return render(request, "hotline/public_done.html", {"rated": True, "title": "感谢您的评价"})
    return render(
        request,
        "hotline/callback_public.html",
        {"form": form, "ticket": link.ticket, "title": "回访评价"},
        status=400 if request.method == "POST" else 200,
    )


# --- the three rates ------------------------------------------------------------------------------


def _period(request):
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        start = dt.date(year, month, 1)
    except ValueError:
        start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


@login_required
def rates_view(request):
    """三率: per handling union or town for a month, definitions, ranking, trend, drill-down, export."""
    user = request.user
    if not user.has_perm("hotline.view_rates"):
        raise PermissionDenied("没有查看三率考核的权限。")
    start, end = _period(request)
    group_by = request.GET.get("group") if request.GET.get("group") in ("union", "town") else "union"
    qs = scoped(Ticket.objects.all(), user)
    config = reports.config_or_default()
    rows, total = reports.rate_table(qs, start, end, group_by, config)
    ranked = reports.ranking(rows, config)
    if request.GET.get("export") == "xlsx":
        if not user.has_perm("hotline.export_data"):
            raise PermissionDenied("没有导出数据的权限。")
        header = ["排名", "单位", "综合得分"]
        for key in rates.RATE_KEYS:
            header += [f"{rates.RATE_NAMES[key]}", "分子", "分母"]
        lines = []
        for r in ranked:
            line = [r["rank"], r["group"], r["score"]]
            for key in rates.RATE_KEYS:
                line += [r[key].percent, r[key].numerator, r[key].denominator]
            lines.append(line)
        content = excel.export_workbook(f"三率{start:%Y-%m}", header, lines)
        return generic.xlsx_response(content, f"三率-{start:%Y%m}.xlsx")
    trend = reports.trend(qs, 12, start, config)
    chart = {
        "labels": [label for label, _ in trend],
        "series": {
            rates.RATE_NAMES[k]: [
                None if t[k].value is None else round(t[k].value * 100, 2) for _, t in trend
            ]
            for k in rates.RATE_KEYS
        },
    }
    return render(
        request,
        "hotline/rates.html",
        {
            "title": "三率考核",
            "start": start,
            "end": end,
            "month": f"{start:%Y-%m}",
            "group_by": group_by,
            "rows": ranked,
            "total": total,
            "definitions": [(rates.RATE_NAMES[k], d) for k, d in config.definitions().items()],
            "ranking_weights": config.ranking_weights,
            "chart": chart,
            "keys": rates.RATE_KEYS,
            "list_url": reverse("hotline:ticket_list"),
        },
    )


@login_required
def rate_settings_view(request):
    user = request.user
    require_perm(user, services.RateSettings, "change")
    current = services.RateSettings.objects.order_by("-updated_at", "-pk").first()
    form = forms.RateSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_rate_settings(user, {k: form.cleaned_data[k] for k in form.Meta.fields})
        except ValidationError as exc:
            generic._errors_to_form(form, exc)
        else:
            messages.success(request, "三率口径已保存。")
            return redirect("hotline:rates")
    return render(request, "hotline/rate_settings.html", {"form": form, "title": "三率口径"})


# --- early warning and 每月一题 --------------------------------------------------------------------


class AlertListView(generic.ObjectListView):
    model = WarningAlert
    filterset_class = filtersets.AlertFilterSet
    columns = tables.ALERT_COLUMNS
    title = "未诉先办预警"
    template_name = "hotline/alert_list.html"

    def base_queryset(self):
        return WarningAlert.objects.select_related("union")


class AlertDetailView(generic.ObjectDetailView):
    model = WarningAlert
    fields = tables.ALERT_COLUMNS + [tables.Column("说明", "explanation")]
    template_name = "hotline/alert_detail.html"

    def extra_context_for(self, obj):
        pii = can_see_pii(self.request.user)
        return {
            "tasks": obj.tasks.select_related("handling_union"),
            "evidence": [
                (t, [c.value(t, pii) for c in tables.TICKET_COLUMNS])
                for t in scoped(obj.evidence.select_related("handling_union", "handler"), self.request.user)[
                    :200
                ]
            ],
            "columns": tables.TICKET_COLUMNS,
        }


class ThemeListView(generic.ObjectListView):
    model = MonthlyTheme
    filterset_class = filtersets.ThemeFilterSet
    columns = tables.THEME_COLUMNS
    title = "每月一题"
    add_url_name = "hotline:theme_add"
    template_name = "hotline/theme_list.html"

    def base_queryset(self):
        return MonthlyTheme.objects.select_related("union")

    def get_context_data(self, **kwargs):
        from gonghui.hotline import warning

        ctx = super().get_context_data(**kwargs)
        end = timezone.localdate()
        start = end - dt.timedelta(days=365)
        records = _problem_records(self.request.user, start, end)
        ctx["ranking"] = warning.rank_problems(records, start, end + dt.timedelta(days=1), top=10)
        ctx["ranking_labels"] = {
            "topic": "按诉求分类",
            "topic+industry": "分类 × 行业",
            "topic+town": "分类 × 镇街",
        }
        return ctx


def _problem_records(user, start, end):
    qs = (
        scoped(Ticket.objects.all(), user)
        .filter(created_at__date__gte=start, created_at__date__lte=end)
        .exclude(status=Ticket.Status.MERGED)
        .exclude(channel=Ticket.Channel.PROACTIVE)
        .exclude(topic_path="")
        .values_list(
            "id",
            "created_at",
            "topic_path",
            "enterprise_id",
            "enterprise__industry__parent__name",
            "town__name",
            "content",
        )
    )
    tz = timezone.get_current_timezone()
    return [
        {
            "id": pk,
            "date": c.astimezone(tz).date(),
            "topic": topic.split("/")[0],
            "enterprise_id": ent,
            "industry": ind,
            "town": town,
            "text": text,
        }
        for pk, c, topic, ent, ind, town, text in qs.iterator(chunk_size=5000)
    ]


class ThemeDetailView(generic.ObjectDetailView):
    model = MonthlyTheme
    fields = tables.THEME_COLUMNS + [tables.Column("措施", "note")]
    template_name = "hotline/theme_detail.html"
    edit_url_name = "hotline:theme_edit"
    delete_url_name = "hotline:theme_delete"

    def extra_context_for(self, theme):
        from gonghui.hotline import warning

        start = theme.month - dt.timedelta(days=200)
        end = (theme.month + dt.timedelta(days=32)).replace(day=1)
        records = _problem_records(self.request.user, start, end)
        verdicts = []
        for problem in theme.problems:
            topic = problem.get("topic")
            dim = problem.get("dim")

            def match(t, topic=topic, dim=dim):
                return t["topic"] == topic and (not dim or dim in (t.get("industry"), t.get("town")))

            verdicts.append(warning.judge_theme(records, match, theme.month.year, theme.month.month))
            verdicts[-1]["verdict"] = verdicts[-1]["verdict"].replace(
                "所选问题", " / ".join(problem.values())
            )
        return {"verdicts": verdicts}


class ThemeEditView(generic.ObjectEditView):
    model = MonthlyTheme
    form_class = forms.ThemeForm
    service_create = services.create_theme
    service_update = services.update_theme


class ThemeDeleteView(generic.ObjectDeleteView):
    model = MonthlyTheme
    service_delete = services.delete_theme
    success_url_name = "hotline:theme_list"


# --- reference data --------------------------------------------------------------------------------


def _crud(model, filterset, columns, title, form, create, update, delete, prefix):
    class ListV(generic.ObjectListView):
        pass

    ListV.model, ListV.filterset_class, ListV.columns, ListV.title = model, filterset, columns, title
    ListV.add_url_name = f"hotline:{prefix}_add"

    class DetailV(generic.ObjectDetailView):
        pass

    DetailV.model, DetailV.fields = model, columns
    DetailV.edit_url_name, DetailV.delete_url_name = f"hotline:{prefix}_edit", f"hotline:{prefix}_delete"

    class EditV(generic.ObjectEditView):
        pass

    EditV.model, EditV.form_class = model, form
    EditV.service_create, EditV.service_update = staticmethod(create), staticmethod(update)

    class DeleteV(generic.ObjectDeleteView):
        pass

    DeleteV.model, DeleteV.service_delete = model, staticmethod(delete)
    DeleteV.success_url_name = f"hotline:{prefix}_list"
    return ListV, DetailV, EditV, DeleteV


TOPIC_VIEWS = _crud(
    TopicCategory, filtersets.TopicFilterSet, tables.TOPIC_COLUMNS, "诉求分类", forms.TopicForm,
    services.create_topic, services.update_topic, services.delete_topic, "topic",
)  # fmt: skip
TIMELIMIT_VIEWS = _crud(
    TimeLimitRule, filtersets.TimeLimitFilterSet, tables.TIMELIMIT_COLUMNS, "办理时限", forms.TimeLimitForm,
    services.create_timelimit, services.update_timelimit, services.delete_timelimit, "timelimit",
)  # fmt: skip
HANDLER_VIEWS = _crud(
    HandlerAvailability, filtersets.HandlerFilterSet, tables.HANDLER_COLUMNS, "承办人", forms.HandlerForm,
    services.create_handler, services.update_handler, services.delete_handler, "handler",
)  # fmt: skip


@login_required
def defaults_view(request):
    """The default time limits from sla.py, shown next to the configured ones."""
    require_perm(request.user, TimeLimitRule, "view")
    rows = []
    for rule in services.sla.DEFAULT_RULES:
        limit = services.sla.Limit(rule["amount"], rule.get("unit", "hours"))
        rows.append(
            (
                services.sla.CLOCK_LABELS[rule["clock"]],
                rule.get("request_type", "全部"),
                rule.get("priority", "全部"),
                limit.label,
            )
        )
    return HttpResponse(
        render(request, "hotline/defaults.html", {"rows": rows, "title": "默认办理时限"}).content
    )
