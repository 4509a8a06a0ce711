"""Pairing pages: plans (list, detail with progress, edit, delete), the pairs table with htmx
actions, the map, version comparison, the Excel working list and the coverage dashboard."""

import json
from urllib.parse import unquote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gonghui.core import audit
from gonghui.core import views as generic
from gonghui.core.models import AuditEntry
from gonghui.core.scoping import get_scoped, require_perm, scoped
from gonghui.core.tables import Column
from gonghui.orgs.dashboard import DATA_DIR
from gonghui.orgs.models import Enterprise, UnionOrg
from gonghui.pairing import filtersets, forms, services, tables
from gonghui.pairing.models import PairingPlan


class PlanListView(generic.ObjectListView):
    model = PairingPlan
    filterset_class = filtersets.PlanFilterSet
    columns = tables.PLAN_COLUMNS
    title = "大带小结对方案"
    add_url_name = "pairing:plan_add"
    template_name = "pairing/plan_list.html"

    def base_queryset(self):
        return PairingPlan.objects.select_related("scope_union")


class PlanDetailView(generic.ObjectDetailView):
    model = PairingPlan
    template_name = "pairing/plan_detail.html"
    fields = [
        Column("范围", "scope_union.name"),
        Column("镇街", lambda p: "、".join(t.name for t in p.towns.all()) or "范围内全部镇街"),
        Column("状态", lambda p: p.get_status_display()),
        Column("版本", "version"),
        Column("上一版本", lambda p: str(p.previous) if p.previous_id else ""),
        Column("创建人", "created_by"),
        Column("批准人", "approved_by"),
        Column(
            "批准时间",
            lambda p: timezone.localtime(p.approved_at).strftime("%Y-%m-%d %H:%M") if p.approved_at else "",
        ),
    ]
    edit_url_name = "pairing:plan_edit"
    delete_url_name = "pairing:plan_delete"

    def extra_context_for(self, obj):
        user = self.request.user
        params = services.plan_params(obj)
        return {
            "params": [(label, text) for _key, label, text in services.describe_params(params)],
            "summary": obj.summary,
            "can_run": user.has_perm("pairing.run_pairingplan"),
            "can_approve": user.has_perm("pairing.approve_pairingplan"),
            "can_export": user.has_perm("pairing.export_data"),
            "next_versions": scoped(obj.next_versions.all(), user),
        }


class PlanEditView(generic.ObjectEditView):
    model = PairingPlan
    form_class = forms.PlanForm
    template_name = "pairing/plan_form.html"
    service_create = services.create_plan
    service_update = services.update_plan


class PlanDeleteView(generic.ObjectDeleteView):
    model = PairingPlan
    service_delete = services.delete_plan
    success_url_name = "pairing:plan_list"


def _plan(request, pk, action="view"):
    return get_scoped(request.user, PairingPlan, pk, action)


@login_required
def plan_progress(request, pk):
    """The progress bar; htmx polls it while the plan runs and reloads the page when it is done."""
    plan = _plan(request, pk)
    response = render(request, "pairing/_progress.html", {"object": plan})
    if request.GET.get("was") == "running" and plan.status != PairingPlan.Status.RUNNING:
        response["HX-Refresh"] = "true"
    return response


def _action(request, pk, fn, done):
    plan = _plan(request, pk)
    try:
        result = fn(request.user, plan)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(plan.get_absolute_url())
    messages.success(request, done(result))
    return redirect(result.get_absolute_url())


@login_required
@require_POST
def plan_run(request, pk):
    return _action(request, pk, services.run_plan, lambda p: p.message or "已开始计算。")


@login_required
@require_POST
def plan_resolve(request, pk):
    return _action(request, pk, services.resolve_plan, lambda p: f"已生成第 {p.version} 版：{p.message}")


@login_required
@require_POST
def plan_approve(request, pk):
    return _action(request, pk, services.approve_plan, lambda p: p.message)


def _tables_context(request, plan):
    params = services.plan_params(plan)
    mentors = services.mentor_points(plan, params) if plan.editable else []
    joint_unions = list(
        plan.joint_unions.select_related("town", "lead", "created_union").prefetch_related("members__town")
    )
    unassigned = list(plan.unassigned.select_related("enterprise__town"))
    load = {}
    pairs = list(plan.pairs.select_related("enterprise__town", "enterprise__industry", "mentor"))
    for p in pairs:
        load[p.mentor_id] = load.get(p.mentor_id, 0) + 1
    excluded = {u.enterprise_id for u in unassigned if u.reason == "excluded"}
    wishes = list(
        plan.joint_wishes.select_related("enterprise__town", "recorded_by").order_by(
            "enterprise__town_id", "enterprise__name"
        )
    )
    enterprises = sorted(
        {p.enterprise for p in pairs}
        | {u.enterprise for u in unassigned if u.enterprise_id not in excluded}
        | {e for ju in joint_unions for e in ju.members.all()},
        key=lambda e: (e.town_id, e.name),
    )
    bounds = {
        "min": params["joint_min_members"],
        "max": params["joint_max_members"],
        "max_staff": params["joint_max_staff"],
        "own": params["own_union_threshold"],
    }
    return {
        "object": plan,
        "pairs": pairs,
        "joint_unions": joint_unions,
        "group_options": [
            (ju, len(ju.members.all()), bounds["max"], bounds["max_staff"] if ju.kind == "joint" else None)
            for ju in joint_unions
        ],
        "bounds": bounds,
        "unassigned": [u for u in unassigned if u.reason != "excluded"],
        "exclusions": plan.exclusions.select_related("enterprise__town", "excluded_by").order_by(
            "enterprise__town_id", "enterprise__name"
        ),
        "joint_wishes": wishes,
        "wish_ids": {w.enterprise_id for w in wishes},
        "mentor_options": sorted(
            ((m.union, load.get(m.union.pk, 0), m.capacity) for m in mentors),
            key=lambda o: (o[1] >= o[2], o[0].name),  # mentors with room first
        ),
        "enterprise_options": enterprises,
        "mentor_has_room": any(m.capacity > load.get(m.union.pk, 0) for m in mentors),
        "can_change": plan.editable
        and plan.status != PairingPlan.Status.DRAFT
        and request.user.has_perm("pairing.change_pairingplan"),
        "reason_labels": services.REASON_LABELS,
    }


@login_required
def plan_pairs(request, pk):
    plan = _plan(request, pk)
    ctx = _tables_context(request, plan)
    ctx["title"] = f"结对明细：{plan}"
    return render(request, "pairing/plan_pairs.html", ctx)


def _tables_response(request, plan, error=None):
    if request.headers.get("HX-Request"):
        ctx = _tables_context(request, plan)
        ctx["error"] = error
        return render(request, "pairing/_plan_tables.html", ctx, status=200)
    if error:
        messages.error(request, error)
    return redirect("pairing:plan_pairs", plan.pk)


@login_required
@require_POST
def pair_move(request, pk):
    plan = _plan(request, pk)
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        return _tables_response(request, plan, "请选择企业和帮带工会。")
    enterprise = get_object_or_404(
        scoped(Enterprise.objects.all(), request.user), pk=form.cleaned_data["enterprise"]
    )
    mentor = get_object_or_404(scoped(UnionOrg.objects.all(), request.user), pk=form.cleaned_data["mentor"])
    try:
        services.assign_mentor(request.user, plan, enterprise, mentor)
    except ValidationError as exc:
        return _tables_response(request, plan, "；".join(exc.messages))
    return _tables_response(request, plan)


@login_required
@require_POST
def pair_lock(request, pk, pair_pk):
    plan = _plan(request, pk)
    pair = get_object_or_404(plan.pairs, pk=pair_pk)
    try:
        services.set_locked(request.user, pair, request.POST.get("locked") == "1")
    except ValidationError as exc:
        return _tables_response(request, plan, "；".join(exc.messages))
    return _tables_response(request, plan)


def _enterprise(request, pk):
    return get_object_or_404(scoped(Enterprise.objects.all(), request.user), pk=pk)


def _edit(request, plan, fn, *args):
    """Run one manual change and answer with the refreshed tables (or the error above them)."""
    try:
        fn(request.user, plan, *args)
    except ValidationError as exc:
        return _tables_response(request, plan, "；".join(exc.messages))
    return _tables_response(request, plan)


def _prompted_note(request):
    """The note of a POST, or the text typed into htmx's prompt (hx-prompt) when the form sent none;
    htmx URI-encodes a header that is not Latin-1 (Chinese)."""
    note = request.POST.get("note", "")
    if not note and request.headers.get("HX-Prompt"):
        note = request.headers["HX-Prompt"]
        if request.headers.get("HX-Prompt-URI-AutoEncoded") == "true":
            note = unquote(note)
    return note


def _enterprise_edit(request, pk, fn, *args):
    """A manual change about one enterprise of the plan (chosen in the form, in the user's scope)."""
    plan = _plan(request, pk)
    form = forms.EnterpriseForm(request.POST)
    if not form.is_valid():
        return _tables_response(request, plan, "请选择企业。")
    return _edit(request, plan, fn, _enterprise(request, form.cleaned_data["enterprise"]), *args)


@login_required
@require_POST
def plan_exclude(request, pk):
    plan = _plan(request, pk)
    form = forms.ExcludeForm({"enterprise": request.POST.get("enterprise"), "note": _prompted_note(request)})
    if not form.is_valid():
        return _tables_response(request, plan, "请选择企业并填写排除原因。")
    enterprise = _enterprise(request, form.cleaned_data["enterprise"])
    return _edit(request, plan, services.exclude_enterprise, enterprise, form.cleaned_data["note"])


@login_required
@require_POST
def plan_include(request, pk):
    return _enterprise_edit(request, pk, services.include_enterprise)


@login_required
@require_POST
def plan_joint_wish(request, pk):
    return _enterprise_edit(request, pk, services.record_joint_wish, _prompted_note(request)[:200])


@login_required
@require_POST
def plan_joint_wish_withdraw(request, pk):
    return _enterprise_edit(request, pk, services.withdraw_joint_wish)


@login_required
@require_POST
def group_move(request, pk):
    plan = _plan(request, pk)
    form = forms.GroupMoveForm(request.POST)
    if not form.is_valid():
        return _tables_response(request, plan, "请选择企业和联合工会。")
    enterprise = _enterprise(request, form.cleaned_data["enterprise"])
    ju = get_object_or_404(plan.joint_unions, pk=form.cleaned_data["joint_union"])
    return _edit(request, plan, services.move_to_group, enterprise, ju)


@login_required
@require_POST
def group_create(request, pk):
    plan = _plan(request, pk)
    form = forms.GroupCreateForm(request.POST)
    if not form.is_valid():
        return _tables_response(request, plan, "请选择企业和组建形式。")
    enterprises = list(
        scoped(Enterprise.objects.all(), request.user).filter(pk__in=form.cleaned_data["enterprises"])
    )
    if len(enterprises) != len(set(form.cleaned_data["enterprises"])):
        raise Http404
    return _edit(request, plan, services.create_group, enterprises, form.cleaned_data["kind"])


def _group_action(request, pk, ju_pk):
    plan = _plan(request, pk)
    return plan, get_object_or_404(plan.joint_unions, pk=ju_pk)


def _group_enterprise_edit(request, pk, ju_pk, fn, error):
    """A change of one proposed group about one enterprise (chosen in the form, in the user's scope)."""
    plan, ju = _group_action(request, pk, ju_pk)
    form = forms.EnterpriseForm(request.POST)
    if not form.is_valid():
        return _tables_response(request, plan, error)
    return _edit(request, plan, fn, ju, _enterprise(request, form.cleaned_data["enterprise"]))


@login_required
@require_POST
def group_remove(request, pk, ju_pk):
    return _group_enterprise_edit(request, pk, ju_pk, services.remove_from_group, "请选择企业。")


@login_required
@require_POST
def group_lead(request, pk, ju_pk):
    return _group_enterprise_edit(request, pk, ju_pk, services.set_group_lead, "请选择龙头企业。")


@login_required
@require_POST
def group_lock(request, pk, ju_pk):
    plan, ju = _group_action(request, pk, ju_pk)
    return _edit(request, plan, services.set_group_locked, ju, request.POST.get("locked") == "1")


@login_required
@require_POST
def group_dissolve(request, pk, ju_pk):
    plan, ju = _group_action(request, pk, ju_pk)
    return _edit(request, plan, services.dissolve_group, ju)


@login_required
def plan_map(request, pk):
    plan = _plan(request, pk)
    params = services.plan_params(plan)
    points = {m.union.pk: m for m in services.mentor_points(plan, params)}
    mentors = [[m.lng, m.lat, m.union.name, m.capacity] for m in points.values()]
    lines, micros = [], []
    for p in plan.pairs.select_related("enterprise"):
        e, m = p.enterprise, points.get(p.mentor_id)
        if e.lng is None:
            continue
        micros.append([e.lng, e.lat, e.name, "结对"])
        if m is not None:
            lines.append({"coords": [[e.lng, e.lat], [m.lng, m.lat]], "name": f"{e.name} → {m.union.name}"})
    clusters = []
    for ju in plan.joint_unions.prefetch_related("members"):
        clusters.append(
            {
                "name": ju.name,
                "kind": ju.get_kind_display(),
                "points": [[e.lng, e.lat, e.name] for e in ju.members.all() if e.lng is not None],
            }
        )
    uncovered = [
        [u.enterprise.lng, u.enterprise.lat, u.enterprise.name, u.explanation]
        for u in plan.unassigned.select_related("enterprise")
        if u.enterprise.lng is not None
    ]
    outline_path = DATA_DIR / "fuining_outline.json"
    outline = json.loads(outline_path.read_text(encoding="utf-8")) if outline_path.exists() else None
    data = {
        "mentors": mentors,
        "micros": micros,
        "lines": lines,
        "clusters": clusters,
        "uncovered": uncovered,
        "outline": outline,
    }
    return render(
        request, "pairing/plan_map.html", {"object": plan, "title": f"结对地图：{plan}", "map_data": data}
    )


@login_required
def plan_compare(request, pk):
    plan = _plan(request, pk)
    other_pk = request.GET.get("with") or plan.previous_id
    other = _plan(request, other_pk) if other_pk else None
    rows = services.compare_plans(other, plan) if other is not None else []
    param_rows = services.compare_params(other, plan) if other is not None else []
    choices = scoped(
        PairingPlan.objects.filter(scope_union=plan.scope_union).exclude(pk=plan.pk), request.user
    )
    return render(
        request,
        "pairing/plan_compare.html",
        {
            "object": plan,
            "other": other,
            "rows": rows,
            "param_rows": param_rows,
            "choices": choices,
            "title": f"版本对比：{plan}",
        },
    )


@login_required
def plan_export(request, pk):
    plan = _plan(request, pk)
    if not request.user.has_perm("pairing.export_data"):
        raise PermissionDenied("没有导出结对方案的权限。")
    if plan.status not in (PairingPlan.Status.SOLVED, PairingPlan.Status.APPROVED):
        messages.error(request, "方案尚未计算，无法导出。")
        return redirect(plan.get_absolute_url())
    title = "大带小结对工作清单" if plan.status == PairingPlan.Status.APPROVED else "大带小结对方案（未批准）"
    content = services.export_workbook(plan, title)
    audit.record(request.user, AuditEntry.Action.EXPORT, plan, changes={}, note=f"导出{title}")
    return generic.xlsx_response(content, f"{title}-{plan.name}-第{plan.version}版.xlsx")


@login_required
def coverage(request):
    require_perm(request.user, PairingPlan, "view")
    rows, total = services.coverage_by_town(request.user)
    uncovered, uncovered_count = services.uncovered_with_reasons(request.user)
    return render(
        request,
        "pairing/coverage.html",
        {
            "title": "小微企业工会覆盖",
            "rows": rows,
            "total": total,
            "uncovered": uncovered,
            "uncovered_count": uncovered_count,
            "chart": {
                "towns": [r["town"].name for r in rows],
                "own": [r["own"] for r in rows],
                "mentored": [r["mentored"] for r in rows],
                "joint": [r["joint"] for r in rows],
                "gap": [r["gap"] for r in rows],
            },
        },
    )
