"""Pages of 集体协商. Thin: reads through scoping / services.visible_*, writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gonghui.bargaining import (
    booklet,
    caserules,
    filtersets,
    forms,
    imports,
    services,
    stats,
    tables,
)
from gonghui.bargaining.compare import ABOVE, BELOW, guideline_check
from gonghui.bargaining.models import (
    BookletVersion,
    EmployeeRow,
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
from gonghui.core import excel
from gonghui.core import views as generic
from gonghui.core.scoping import get_scoped, require_perm, scoped
from gonghui.core.tables import Column
from gonghui.orgs.models import Enterprise

# --- visible-downwards pages (rounds, guidelines, booklets) ---------------------------------------


class DownwardsListMixin:
    visible = None  # services.visible_* function

    def scoped_queryset(self):
        require_perm(self.request.user, self.model, self.action)
        return type(self).visible(self.request.user, self.base_queryset())


class DownwardsDetailView(generic.ObjectDetailView):
    """ObjectDetailView over the downwards-visible set (403 without permission, 404 outside)."""

    visible = None

    def get(self, request, pk):
        from gonghui.core import audit

        obj = services.get_visible(request.user, self.model, pk, type(self).visible)
        label = self.model._meta.model_name
        ctx = {
            "object": obj,
            "title": str(obj),
            "fields": [(c.label, c.value(obj)) for c in self.fields],
            "history": audit.history(obj)[:100],
            "can_change": request.user.has_perm(f"bargaining.change_{label}"),
            "can_delete": request.user.has_perm(f"bargaining.delete_{label}"),
            "edit_url_name": self.edit_url_name,
            "delete_url_name": self.delete_url_name,
        }
        ctx.update(self.extra_context_for(obj))
        return render(request, self.template_name or "core/object_detail.html", ctx)


# --- landing page --------------------------------------------------------------------------------


@login_required
def home(request):
    user = request.user
    require_perm(user, SurveyRound, "view")
    ctx = {"title": "集体协商"}
    ctx["rounds"] = services.visible_rounds(user).select_related("scope_union")[:10]
    if user.has_perm("bargaining.view_bookletversion"):
        ctx["booklets"] = services.visible_booklets(user).select_related("round")[:10]
    if user.has_perm("bargaining.view_wageguideline"):
        ctx["guidelines"] = services.visible_guidelines(user)[:5]
    if user.has_perm("bargaining.view_enterprisereturn"):
        ctx["returns"] = scoped(EnterpriseReturn.objects.select_related("enterprise", "round"), user)[:10]
    if user.has_perm("bargaining.view_negotiationcase"):
        cases = list(scoped(NegotiationCase.objects.select_related("enterprise", "union"), user)[:200])
        ctx["case_count"] = len(cases)
        ctx["overdue"] = [(c, c.missed_deadlines()) for c in cases if c.missed_deadlines()][:20]
        ctx["open_cases"] = [c for c in cases if c.stage not in ("effective", "failed")][:10]
    if user.has_perm("bargaining.view_bookletversion") and user.has_perm("orgs.view_enterprise"):
        ctx["paytable_enterprises"] = scoped(Enterprise.objects.order_by("name"), user)[:10]
    links = [
        ("工资调查", "bargaining:surveyround_list", "bargaining.view_surveyround"),
        ("企业调查表", "bargaining:enterprisereturn_list", "bargaining.view_enterprisereturn"),
        ("薪酬参考信息（蓝宝书）", "bargaining:bookletversion_list", "bargaining.view_bookletversion"),
        ("工资指导线", "bargaining:wageguideline_list", "bargaining.view_wageguideline"),
        ("协商案例", "bargaining:negotiationcase_list", "bargaining.view_negotiationcase"),
        ("专家库", "bargaining:expert_list", "bargaining.view_expert"),
        ("镇街指导员", "bargaining:townguide_list", "bargaining.view_townguide"),
        ("指导记录", "bargaining:guidancevisit_list", "bargaining.view_guidancevisit"),
    ]
    ctx["links"] = [(label, reverse(name)) for label, name, perm in links if user.has_perm(perm)]
    return render(request, "bargaining/home.html", ctx)


# --- survey rounds ---------------------------------------------------------------------------------


class RoundListView(DownwardsListMixin, generic.ObjectListView):
    model = SurveyRound
    visible = services.visible_rounds
    filterset_class = filtersets.RoundFilterSet
    columns = tables.ROUND_COLUMNS
    title = "工资调查"
    add_url_name = "bargaining:surveyround_add"

    def base_queryset(self):
        return SurveyRound.objects.select_related("scope_union")


@login_required
def round_detail(request, pk):
    user = request.user
    rnd = services.get_visible(user, SurveyRound, pk, services.visible_rounds)
    from gonghui.core import audit

    can_publish = user.has_perm("bargaining.publish_booklet") and _in_scope(user, rnd.scope_union)
    ctx = {
        "object": rnd,
        "title": str(rnd),
        "fields": [(c.label, c.value(rnd)) for c in tables.ROUND_COLUMNS[1:]]
        + [
            ("岗位等级", "、".join(rnd.levels)),
            ("公布规则", rnd.rules().note()),
        ],
        "history": audit.history(rnd)[:50],
        "can_change": user.has_perm("bargaining.change_surveyround") and _in_scope(user, rnd.scope_union),
        "can_delete": user.has_perm("bargaining.delete_surveyround") and _in_scope(user, rnd.scope_union),
        "edit_url_name": "bargaining:surveyround_edit",
        "delete_url_name": "bargaining:surveyround_delete",
        "can_upload": user.has_perm("bargaining.import_survey"),
        "can_publish": can_publish,
        "booklets": services.visible_booklets(user).filter(round=rnd)
        if user.has_perm("bargaining.view_bookletversion")
        else [],
    }
    if user.has_perm("bargaining.view_enterprisereturn"):
        returns = scoped(rnd.returns.select_related("enterprise"), user)
        ctx["returns"] = returns[:100]
        ctx["return_count"] = returns.count()
    if can_publish and rnd.computed_tables:
        ctx["preview"] = _table_view(
            rnd.computed_tables["tables"],
            request.GET.get("table") or "division",
            services.as_ratios(services.guideline_for(rnd)),
        )
    return render(request, "bargaining/round_detail.html", ctx)


def _in_scope(user, union):
    if user.is_superuser:
        return True
    return bool(user.org) and union.path.startswith(user.org.path)


class RoundEditView(generic.ObjectEditView):
    model = SurveyRound
    form_class = forms.RoundForm
    service_create = services.create_round
    service_update = services.update_round


class RoundDeleteView(generic.ObjectDeleteView):
    model = SurveyRound
    service_delete = services.delete_round
    success_url_name = "bargaining:surveyround_list"


@login_required
def round_template(request, pk):
    rnd = services.get_visible(request.user, SurveyRound, pk, services.visible_rounds)
    return generic.xlsx_response(imports.template_workbook(rnd), f"{rnd}-企业调查表模板.xlsx")


@login_required
def round_upload(request, pk):
    user = request.user
    rnd = services.get_visible(user, SurveyRound, pk, services.visible_rounds)
    if not user.has_perm("bargaining.import_survey"):
        raise PermissionDenied("没有上传工资调查表的权限。")
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    report = rejected = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            report = imports.import_return(user, rnd, request.FILES["file"])
        except excel.FileRejected as exc:
            rejected, status = str(exc), 400
        except ValidationError as exc:
            rejected, status = "；".join(exc.messages), 400
        else:
            if report.written:
                messages.success(
                    request,
                    f"{report.enterprise}：已导入职工记录 {report.rows} 行，其中 {len(report.flags)} 处标记待复核。",
                )
            else:
                status = 400
    return render(
        request,
        "bargaining/upload.html",
        {
            "title": f"上传企业调查表：{rnd}",
            "round": rnd,
            "form": form,
            "report": report,
            "rejected": rejected,
        },
        status=status,
    )


@login_required
@require_POST
def round_compute(request, pk):
    rnd = services.get_visible(request.user, SurveyRound, pk, services.visible_rounds)
    try:
        done = services.start_compute(request.user, rnd)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if done:
            messages.success(request, "统计表已计算完成，请核对后发布。")
        else:
            messages.info(request, "数据量较大，已交给后台计算；本页会显示进度。")
    return redirect(rnd.get_absolute_url())


@login_required
def round_progress(request, pk):
    rnd = services.get_visible(request.user, SurveyRound, pk, services.visible_rounds)
    return render(request, "bargaining/_progress.html", {"object": rnd})


@login_required
@require_POST
def round_publish(request, pk):
    rnd = services.get_visible(request.user, SurveyRound, pk, services.visible_rounds)
    try:
        booklet = services.publish_booklet(request.user, rnd, note=request.POST.get("note", "")[:200])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(rnd.get_absolute_url())
    messages.success(request, f"已发布：{booklet}")
    return redirect(booklet.get_absolute_url())


# --- enterprise returns and rows -----------------------------------------------------------------


class ReturnListView(generic.ObjectListView):
    model = EnterpriseReturn
    filterset_class = filtersets.ReturnFilterSet
    columns = tables.RETURN_COLUMNS
    title = "企业调查表"

    def base_queryset(self):
        return EnterpriseReturn.objects.select_related("enterprise", "round")


class ReturnDetailView(generic.ObjectDetailView):
    model = EnterpriseReturn
    fields = tables.RETURN_COLUMNS[1:] + [
        Column("带薪年休假天数", "paid_leave_days"),
        Column("补充医疗保险", "supplementary_medical"),
        Column("企业年金", "enterprise_annuity"),
        Column("餐费补贴（元/月）", "meal_allowance"),
        Column("交通补贴（元/月）", "transport_allowance"),
        Column("住房补贴（元/月）", "housing_allowance"),
        Column("高温津贴（元/月）", "high_temperature_allowance"),
    ]
    template_name = "bargaining/return_detail.html"
    edit_url_name = "bargaining:enterprisereturn_edit"
    delete_url_name = "bargaining:enterprisereturn_delete"

    def extra_context_for(self, obj):
        user = self.request.user
        rows = obj.rows.select_related("occupation") if user.has_perm("bargaining.view_employeerow") else None
        return {
            "rows": rows[:500] if rows is not None else None,
            "row_columns": tables.ROW_COLUMNS[1:],
            "row_values": [[c.value(r) for c in tables.ROW_COLUMNS[1:]] for r in rows[:500]]
            if rows is not None
            else [],
            "report": obj.report,
            "booklets": services.visible_booklets(user)
            if user.has_perm("bargaining.view_bookletversion")
            else [],
        }


class ReturnEditView(generic.ObjectEditView):
    model = EnterpriseReturn
    form_class = forms.ReturnForm
    service_update = services.update_return

    def get_object(self, pk):
        if pk is None:
            raise Http404
        return super().get_object(pk)


class ReturnDeleteView(generic.ObjectDeleteView):
    model = EnterpriseReturn
    service_delete = services.delete_return
    success_url_name = "bargaining:enterprisereturn_list"


class RowListView(generic.ObjectListView):
    """Raw employee rows: strictly scoped (a chair sees their own enterprise's only)."""

    model = EmployeeRow
    filterset_class = filtersets.RowFilterSet
    columns = tables.ROW_COLUMNS
    title = "职工工资记录"

    def base_queryset(self):
        return EmployeeRow.objects.select_related("occupation", "ret__enterprise")


@login_required
def compare(request, pk):
    """My enterprise vs the market."""
    user = request.user
    ret = get_scoped(user, EnterpriseReturn, pk)
    booklets = services.visible_booklets(user) if user.has_perm("bargaining.view_bookletversion") else []
    if not user.has_perm("bargaining.view_bookletversion"):
        raise PermissionDenied("没有查看薪酬参考信息的权限。")
    chosen = None
    if request.GET.get("booklet"):
        chosen = services.get_visible(user, BookletVersion, request.GET["booklet"], services.visible_booklets)
    else:
        chosen = booklets.filter(round__year=ret.round.year).first() or booklets.first()
    result = services.market_comparison(user, ret, chosen) if chosen else []
    can_upload = scoped(Enterprise.objects.filter(pk=ret.enterprise_id), user).exists()
    return render(
        request,
        "bargaining/compare.html",
        {
            "title": f"本企业与市场比较：{ret.enterprise}",
            "object": ret,
            "booklets": booklets,
            "chosen": chosen,
            "paytable_url": reverse("bargaining:paytable_compare", args=[ret.enterprise_id])
            if can_upload and user.has_perm("orgs.view_enterprise")
            else None,
            **_compare_context(result),
        },
    )


@login_required
def paytable_compare(request, pk):
    """My enterprise vs the market from an uploaded pay table: checked like a survey return,
    compared with the published cells of a booklet, and not stored."""
    user = request.user
    enterprise = get_scoped(user, Enterprise, pk)
    require_perm(user, BookletVersion, "view")
    booklets = services.visible_booklets(user).select_related("round")
    wanted = request.POST.get("booklet") or request.GET.get("booklet")
    if wanted:
        chosen = services.get_visible(user, BookletVersion, wanted, services.visible_booklets)
    else:
        chosen = booklets.first()
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    form.fields["file"].label = "本企业职工工资表（.xlsx）"
    report = rejected = None
    result = []
    status = 200
    if request.method == "POST" and form.is_valid():
        if chosen is None:
            rejected, status = "尚无已发布的薪酬参考信息，无法比较。", 400
        else:
            try:
                report, result = services.pay_table_comparison(
                    user, enterprise, chosen, request.FILES["file"]
                )
            except excel.FileRejected as exc:
                rejected, status = str(exc), 400
            else:
                if not report.ok:
                    status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "bargaining/paytable.html",
        {
            "title": f"上传工资表与市场比较：{enterprise}",
            "enterprise": enterprise,
            "booklets": booklets,
            "chosen": chosen,
            "form": form,
            "report": report,
            "rejected": rejected,
            **_compare_context(result),
        },
        status=status,
    )


@login_required
def paytable_template(request, pk):
    """The pay-table template of a booklet's survey (its levels), for the comparison upload."""
    booklet = services.get_visible(request.user, BookletVersion, pk, services.visible_booklets)
    return generic.xlsx_response(
        imports.pay_table_template(booklet.round), f"{booklet.round.year}年本企业工资表模板.xlsx"
    )


def _compare_context(result):
    return {
        "result": result,
        "below": [r for r in result if r["below_p25"]],
        "annual_below": [r for r in result if r.get("annual_below_p25")],
        "chart": [
            {
                "name": f"{r['occupation_name']}·{r['level']}",
                "pay": round(r["pay"]),
                "p25": r["p25"],
                "p50": r["p50"],
                "p75": r["p75"],
            }
            for r in result
            if r["p25"] is not None
        ],
    }


# --- booklets --------------------------------------------------------------------------------------


class BookletListView(DownwardsListMixin, generic.ObjectListView):
    model = BookletVersion
    visible = services.visible_booklets
    filterset_class = filtersets.BookletFilterSet
    columns = tables.BOOKLET_COLUMNS
    title = "薪酬参考信息（蓝宝书）"

    def base_queryset(self):
        return BookletVersion.objects.select_related("round__scope_union")


GUIDELINE_CSS = {BELOW: "table-danger", ABOVE: "table-warning"}


def _table_view(tables_json, name, guideline=None):
    """One stored table for a page: money columns, then each year-on-year change with the wage
    guideline's verdict beside it (``guideline`` a stats.WageGuideline in ratios, or None)."""
    names = [(k, v["title"]) for k, v in tables_json.items()]
    if name not in tables_json:
        name = names[0][0] if names else None
    if name is None:
        return {"names": [], "rows": []}
    table = tables_json[name]
    dims = table["dims"]
    first = table["rows"][0] if table["rows"] else {}
    # a weighted survey's tables show its weighted estimates, as the booklet prints them
    w = "w" if "monthly_wp50" in first else ""
    cols = []
    for var, var_label in (("monthly", "月工资"), ("annual", "年工资")):
        for col in ("mean", *stats.QUANTILE_NAMES):
            label = "平均数" if col == "mean" else stats.QUANTILE_LABELS[col]
            cols.append((f"{var}_{w}{col}", f"{var_label}{'（加权）' if w else ''}{label}"))
    growth_cols = [(c, f"{label}增长") for c, label in booklet.YOY_SHOWN if c in first]
    out = []
    for row in table["rows"]:
        published = row["status"] == "published"
        growth = []
        for c, _ in growth_cols:
            v = row.get(c)
            check = guideline_check(v, guideline)
            growth.append(
                {
                    "text": "—" if v is None else f"{v * 100:+.1f}%",
                    "flag": check.label if check else "",
                    "css": GUIDELINE_CSS.get(check.flag, "") if check else "",
                }
            )
        out.append(
            {
                "key": [row["key"][d] for d in dims],
                "published": published,
                "enterprises": row["enterprises"],
                "employees": row["employees"],
                "values": [row.get(c) for c, _ in cols],
                "growth": growth,
            }
        )
    dim_labels = {
        "division": "行业大类",
        "group": "行业中类",
        "occupation": "职业",
        "level": "岗位等级",
        "region": "区域",
    }
    return {
        "name": name,
        "names": names,
        "dims": [dim_labels.get(d, d) for d in dims],
        "cols": [label for _, label in cols],
        "growth_cols": [label for _, label in growth_cols],
        "guideline_text": (
            f"{guideline.year}年工资指导线：基准线{guideline.baseline:.1%}，上线{guideline.upper:.1%}，"
            f"下线{guideline.lower:.1%}"
            if guideline is not None
            else ""
        ),
        "rows": out,
        "symbol": stats.SUPPRESSION_SYMBOL,
    }


@login_required
def booklet_detail(request, pk):
    from gonghui.core import audit

    user = request.user
    obj = services.get_visible(user, BookletVersion, pk, services.visible_booklets)
    guideline = services.guideline_for(obj.round)
    view = _table_view(obj.tables, request.GET.get("table") or "division", services.as_ratios(guideline))
    return render(
        request,
        "bargaining/booklet_detail.html",
        {
            "object": obj,
            "title": str(obj),
            "fields": [(c.label, c.value(obj)) for c in tables.BOOKLET_COLUMNS[1:]],
            "table": view,
            "guideline": guideline,
            "history": audit.history(obj)[:50],
            "benefit_labels": stats.BENEFIT_LABELS,
            "benefit_rows": _benefit_rows(obj.benefits),
        },
    )


def _benefit_rows(benefits):
    out = []
    for row in benefits:
        values = []
        for key in stats.BENEFIT_LABELS:
            v = row.get(key)
            if v is None:
                values.append(stats.SUPPRESSION_SYMBOL)
            elif key == "paid_leave_days":
                values.append(f"{v:.1f}天")
            else:
                values.append(f"{v:.0%}")  # share of enterprises offering it
        out.append((row["division"], row["enterprises"], values))
    return out


@login_required
def booklet_download(request, pk, kind):
    obj = services.get_visible(request.user, BookletVersion, pk, services.visible_booklets)
    f = obj.pdf if kind == "pdf" else obj.xlsx if kind == "xlsx" else None
    if not f:
        raise Http404("文件不存在。")
    name = f"{obj.round.year}年薪酬参考信息-第{obj.version}版.{kind}"
    return FileResponse(f.open("rb"), as_attachment=True, filename=name)


# --- wage guidelines --------------------------------------------------------------------------------


class GuidelineListView(DownwardsListMixin, generic.ObjectListView):
    model = WageGuideline
    visible = services.visible_guidelines
    filterset_class = filtersets.GuidelineFilterSet
    columns = tables.GUIDELINE_COLUMNS
    title = "工资指导线"
    add_url_name = "bargaining:wageguideline_add"

    def base_queryset(self):
        return WageGuideline.objects.select_related("scope_union")


class GuidelineDetailView(DownwardsDetailView):
    model = WageGuideline
    visible = services.visible_guidelines
    fields = tables.GUIDELINE_COLUMNS[1:]
    edit_url_name = "bargaining:wageguideline_edit"
    delete_url_name = "bargaining:wageguideline_delete"


class GuidelineEditView(generic.ObjectEditView):
    model = WageGuideline
    form_class = forms.GuidelineForm
    service_create = services.create_guideline
    service_update = services.update_guideline


class GuidelineDeleteView(generic.ObjectDeleteView):
    model = WageGuideline
    service_delete = services.delete_guideline
    success_url_name = "bargaining:wageguideline_list"


# --- negotiation cases -----------------------------------------------------------------------------


class CaseListView(generic.ObjectListView):
    model = NegotiationCase
    filterset_class = filtersets.CaseFilterSet
    columns = tables.CASE_COLUMNS
    title = "协商案例"
    add_url_name = "bargaining:negotiationcase_add"

    def base_queryset(self):
        return NegotiationCase.objects.select_related("union", "enterprise", "guide")


class CaseDetailView(generic.ObjectDetailView):
    model = NegotiationCase
    template_name = "bargaining/case_detail.html"
    fields = tables.CASE_COLUMNS[1:] + [
        Column("企业方", "employer_side"),
        Column("要约方", lambda c: c.get_offer_by_display()),
        Column("书面回应", "reply_on"),
        Column("草案签字", "draft_signed_on"),
        Column("职代会表决", "congress_on"),
        Column(
            "表决票数",
            lambda c: (
                f"代表{c.congress_total}人，出席{c.congress_present}人，赞成{c.congress_for}票"
                if c.congress_total is not None
                else ""
            ),
        ),
        Column("报送审查", "filed_on"),
        Column("期限（年）", "term_years"),
        Column("备注", "notes"),
    ]
    edit_url_name = "bargaining:negotiationcase_edit"
    delete_url_name = "bargaining:negotiationcase_delete"

    def extra_context_for(self, case):
        user = self.request.user
        deadline_list = case.deadlines()
        return {
            "deadlines": [
                (
                    d,
                    caserules.STATUS_CSS.get(d.status, "secondary"),
                    caserules.STATUS_LABELS.get(d.status, ""),
                )
                for d in deadline_list
            ],
            "counting_note": caserules.deadlines.COUNTING_NOTE,
            "rep_problems": caserules.representative_problems(case),
            "vote_problems": caserules.vote_problems(case),
            "representatives": case.representatives.all(),
            "meetings": case.meetings.all(),
            "visits": scoped(case.visits.all(), user)
            if user.has_perm("bargaining.view_guidancevisit")
            else [],
            "factors": _wage_factors(user, case),
            "can_add_rep": user.has_perm("bargaining.add_representative"),
            "can_add_meeting": user.has_perm("bargaining.add_meeting"),
            "can_delete_rep": user.has_perm("bargaining.delete_representative"),
        }


def _wage_factors(user, case):
    """The factors beside a wage negotiation: the booklet's market figures for the enterprise's
    industry and town, the wage guideline, CPI, productivity, profits, labour cost (entered on the
    case); every growth figure with the guideline's verdict beside it."""
    out = {
        "case": case,
        "market": None,
        "region_market": None,
        "guideline": None,
        "booklet": None,
        "growth": [],
    }
    booklets = (
        services.visible_booklets(user).select_related("round__scope_union")
        if user.has_perm("bargaining.view_bookletversion")
        else BookletVersion.objects.none()
    )
    year = (case.offer_on or services.today()).year
    booklet_obj = booklets.filter(round__year=year).first() or booklets.first()
    division = town = None
    if case.enterprise_id:
        division, town = case.enterprise.industry_id[:2], case.enterprise.town_id
    else:
        if case.industry_id:
            division = case.industry_id[:2]
        if case.union_id:
            town = case.union.region_id  # a regional negotiation: the town of the union running it
    if booklet_obj is not None:
        out["booklet"] = booklet_obj
        out["market"] = _published_row(booklet_obj.tables, "division", "division", division)
        if town:
            out["region_market"] = _published_row(booklet_obj.tables, "region", "region", town)
    guideline = services.guideline_at(case.union, year) if case.union_id else None
    if guideline is None and booklet_obj is not None:
        guideline = services.guideline_for(booklet_obj.round)
    out["guideline"] = guideline
    wg = services.as_ratios(guideline)
    figures = [
        ("职工方提出增幅", None if case.proposed_increase is None else float(case.proposed_increase) / 100),
        ("协商确定增幅", None if case.agreed_increase is None else float(case.agreed_increase) / 100),
    ]
    for key, label in (("market", "本行业"), ("region_market", "本镇街")):
        row = out[key]
        if row:
            figures += [
                (f"{label}月工资中位数比上年", row.get("yoy_monthly_p50")),
                (f"{label}月工资平均数比上年", row.get("yoy_monthly_mean")),
            ]
    for label, value in figures:
        if value is None:
            continue
        check = guideline_check(value, wg)
        out["growth"].append(
            {
                "label": label,
                "text": f"{value * 100:+.1f}%",
                "flag": check.label if check else "",
                "css": {"below": "danger", "above": "warning"}.get(check.flag, "success") if check else "",
            }
        )
    return out


def _published_row(tables_json, table_name, dim, key):
    """The published row of ``key`` in a stored table (or the total row when ``key`` is None)."""
    table = tables_json.get(table_name if key else "total")
    if not table:
        return None
    for row in table["rows"]:
        if row["status"] == "published" and (key is None or row["key"].get(dim) == key):
            return row
    return None


class CaseEditView(generic.ObjectEditView):
    model = NegotiationCase
    form_class = forms.CaseForm
    service_create = services.create_case
    service_update = services.update_case


class CaseDeleteView(generic.ObjectDeleteView):
    model = NegotiationCase
    service_delete = services.delete_case
    success_url_name = "bargaining:negotiationcase_list"


def _child_form(request, case_pk, form_class, service, model, title):
    case = get_scoped(request.user, NegotiationCase, case_pk)
    require_perm(request.user, model, "add")
    form = form_class(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data, case=case)
            try:
                service(request.user, data)
            except ValidationError as exc:
                generic._errors_to_form(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect(case.get_absolute_url())
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {"form": form, "object": case, "title": f"{title}：{case}"},
        status=status,
    )


@login_required
def representative_add(request, pk):
    return _child_form(
        request, pk, forms.RepresentativeForm, services.add_representative, Representative, "添加协商代表"
    )


@login_required
def meeting_add(request, pk):
    return _child_form(request, pk, forms.MeetingForm, services.add_meeting, Meeting, "记录协商会议")


@login_required
@require_POST
def representative_delete(request, pk):
    rep = get_scoped(request.user, Representative, pk, "delete")
    services.delete_representative(request.user, rep)
    messages.success(request, f"已删除协商代表：{rep.name}")
    return redirect(reverse("bargaining:negotiationcase_detail", args=[rep.case_id]))


# --- pools and visits ------------------------------------------------------------------------------


class ExpertListView(generic.ObjectListView):
    model = Expert
    filterset_class = filtersets.ExpertFilterSet
    columns = tables.EXPERT_COLUMNS
    title = "协商专家库"
    add_url_name = "bargaining:expert_add"

    def base_queryset(self):
        return Expert.objects.select_related("union")


class ExpertDetailView(generic.ObjectDetailView):
    model = Expert
    fields = tables.EXPERT_COLUMNS + [Column("联系电话", "phone")]
    edit_url_name = "bargaining:expert_edit"
    delete_url_name = "bargaining:expert_delete"


class ExpertEditView(generic.ObjectEditView):
    model = Expert
    form_class = forms.ExpertForm
    service_create = services.create_expert
    service_update = services.update_expert


class ExpertDeleteView(generic.ObjectDeleteView):
    model = Expert
    service_delete = services.delete_expert
    success_url_name = "bargaining:expert_list"


class GuideListView(generic.ObjectListView):
    model = TownGuide
    filterset_class = filtersets.GuideFilterSet
    columns = tables.GUIDE_COLUMNS
    title = "镇街集体协商指导员"
    add_url_name = "bargaining:townguide_add"

    def base_queryset(self):
        return TownGuide.objects.select_related("town_union")


class GuideDetailView(generic.ObjectDetailView):
    model = TownGuide
    fields = tables.GUIDE_COLUMNS[1:]
    edit_url_name = "bargaining:townguide_edit"
    delete_url_name = "bargaining:townguide_delete"


class GuideEditView(generic.ObjectEditView):
    model = TownGuide
    form_class = forms.TownGuideForm
    service_create = services.create_townguide
    service_update = services.update_townguide


class GuideDeleteView(generic.ObjectDeleteView):
    model = TownGuide
    service_delete = services.delete_townguide
    success_url_name = "bargaining:townguide_list"


class VisitListView(generic.ObjectListView):
    model = GuidanceVisit
    filterset_class = filtersets.VisitFilterSet
    columns = tables.VISIT_COLUMNS
    title = "指导记录"
    add_url_name = "bargaining:guidancevisit_add"

    def base_queryset(self):
        return GuidanceVisit.objects.select_related("union", "enterprise", "case")


class VisitDetailView(generic.ObjectDetailView):
    model = GuidanceVisit
    fields = tables.VISIT_COLUMNS[1:] + [Column("日期", "visited_on"), Column("指导人员", "visitor")]
    edit_url_name = "bargaining:guidancevisit_edit"
    delete_url_name = "bargaining:guidancevisit_delete"


class VisitEditView(generic.ObjectEditView):
    model = GuidanceVisit
    form_class = forms.VisitForm
    service_create = services.create_visit
    service_update = services.update_visit


class VisitDeleteView(generic.ObjectDeleteView):
    model = GuidanceVisit
    service_delete = services.delete_visit
    success_url_name = "bargaining:guidancevisit_list"
