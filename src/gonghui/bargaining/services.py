"""Use cases of 集体协商: the only code that writes the bargaining tables.

Reading rules beyond core/scoping.py: survey rounds, wage guidelines and published booklets are
announced by a federation to everybody below it, so they are visible in the user's subtree *and*
from the unions above the user (`visible_*`). Enterprise returns and their employee rows are
strictly scoped: a chair sees their own enterprise's, nobody sees another enterprise's.
"""

import math
from collections import defaultdict
from datetime import date

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from gonghui.bargaining import compare, stats
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
from gonghui.core import audit, services
from gonghui.core.models import AuditEntry
from gonghui.core.scoping import check_in_scope, require_perm, scoped, user_root_path

# Rounds bigger than this are computed by the background worker, with progress on the page.
INLINE_COMPUTE_MAX_ROWS = 200_000

# --- visibility -------------------------------------------------------------------------------


def ancestor_paths(user):
    """Paths of the user's org and every union above it ("/1/5/12/" → "/1/", "/1/5/", "/1/5/12/")."""
    path = user_root_path(user)
    if not path:
        return []
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _downwards(qs, user, field, extra=None):
    """Rows in the user's subtree, plus rows owned by a union above the user."""
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_superuser:
        return qs
    mine = scoped(qs, user)
    above = Q(**{f"{field}__path__in": ancestor_paths(user)})
    if extra is not None:
        above &= extra
    return mine | qs.filter(above)  # no multi-valued join: no duplicates


def visible_rounds(user, qs=None):
    return _downwards(SurveyRound.objects.all() if qs is None else qs, user, "scope_union")


def visible_guidelines(user, qs=None):
    return _downwards(WageGuideline.objects.all() if qs is None else qs, user, "scope_union")


def visible_booklets(user, qs=None):
    return _downwards(BookletVersion.objects.all() if qs is None else qs, user, "round__scope_union")


def get_visible(user, model, pk, queryset_fn):
    from django.http import Http404

    require_perm(user, model, "view")
    try:
        return queryset_fn(user).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到该对象，或不在您的管辖范围内。") from exc


# --- survey rounds ----------------------------------------------------------------------------


def create_round(user, data):
    return services.create_object(user, SurveyRound, data)


def update_round(user, rnd, data):
    return services.update_object(user, rnd, data)


def delete_round(user, rnd):
    if rnd.returns.exists() or rnd.booklets.exists():
        raise ValidationError("该调查已有企业调查表或已发布的版本，不能删除。")
    services.delete_object(user, rnd)


def create_guideline(user, data):
    return services.create_object(user, WageGuideline, data)


def update_guideline(user, obj, data):
    return services.update_object(user, obj, data)


def delete_guideline(user, obj):
    services.delete_object(user, obj)


def guideline_for(rnd):
    """The wage guideline of the round's year from the round's union or the nearest union above."""
    return guideline_at(rnd.scope_union, rnd.year)


def guideline_at(union, year):
    """The wage guideline of ``year`` announced by ``union`` or the nearest union above it."""
    paths = [union.path[: i + 1] for i, ch in enumerate(union.path) if ch == "/"][1:]
    return (
        WageGuideline.objects.filter(year=year, scope_union__path__in=paths)
        .order_by("-scope_union__path")
        .first()
    )


def as_ratios(guideline):
    """A stored guideline (percent) as the pure stats.WageGuideline (ratios), or None."""
    if guideline is None:
        return None
    return stats.WageGuideline(
        year=guideline.year,
        baseline=float(guideline.baseline) / 100,
        upper=float(guideline.upper) / 100,
        lower=float(guideline.lower) / 100,
    )


# --- enterprise returns -----------------------------------------------------------------------


def _check_round_open(user, rnd):
    if not visible_rounds(user).filter(pk=rnd.pk).exists():
        raise PermissionDenied("该工资调查不在您的管辖范围内。")
    if rnd.status == SurveyRound.Status.PUBLISHED and not user.has_perm("bargaining.publish_booklet"):
        raise ValidationError("该工资调查已发布，不再接收调查表。")


def create_return(user, data):
    data = dict(data)
    enterprise = data.get("enterprise")
    if data.get("round") is not None:
        _check_round_open(user, data["round"])
    if enterprise is not None:
        data.setdefault("industry", enterprise.industry)
        data.setdefault("town", enterprise.town)
        data.setdefault("headcount", enterprise.headcount)
        for key in ("industry", "town", "headcount"):
            if data.get(key) in (None, ""):
                data[key] = getattr(enterprise, key)
    if (
        data.get("round") is not None
        and enterprise is not None
        and EnterpriseReturn.objects.filter(round=data["round"], enterprise=enterprise).exists()
    ):
        raise ValidationError({"enterprise": "该企业在本次调查中已有调查表。"})
    return services.create_object(user, EnterpriseReturn, data)


def update_return(user, ret, data):
    if "status" in data and data["status"] != ret.status:
        # Accepting or excluding a return is the federation's review, not the enterprise's own.
        if data["status"] in (EnterpriseReturn.Status.ACCEPTED, EnterpriseReturn.Status.EXCLUDED):
            require_perm(user, EnterpriseReturn, "delete")
    return services.update_object(user, ret, data)


def delete_return(user, ret):
    services.delete_object(user, ret)


def replace_rows(user, ret, facts, rows, flags_by_line, report):
    """Write one validated return whole: facts, and the employee rows replacing any earlier ones.

    Called by imports.py inside its transaction once the file has no errors."""
    require_perm(user, EnterpriseReturn, "change" if ret.pk else "add")
    check_in_scope(user, ret.enterprise.union)
    before = audit.snapshot(ret) if ret.pk else {}
    for key, value in facts.items():
        setattr(ret, key, value)
    ret.employee_count = len(rows)
    ret.flagged_count = sum(1 for line in flags_by_line if flags_by_line[line])
    ret.report = report
    ret.uploaded_at = timezone.now()
    ret.uploaded_by = user
    if ret.status in ("", EnterpriseReturn.Status.DRAFT, EnterpriseReturn.Status.REVIEW):
        ret.status = EnterpriseReturn.Status.REVIEW if ret.flagged_count else EnterpriseReturn.Status.ACCEPTED
    ret.full_clean(exclude=["round", "enterprise"] if ret.pk else None, validate_unique=False)
    created = ret.pk is None
    ret.save()
    ret.rows.all().delete()
    EmployeeRow.objects.bulk_create(rows_for(ret, rows, flags_by_line), batch_size=2000)
    audit.record(
        user,
        AuditEntry.Action.IMPORT,
        ret,
        changes=audit.diff(before, audit.snapshot(ret)),
        note=f"Excel 导入：{'新建' if created else '替换'}，职工记录 {len(rows)} 行，待复核 {ret.flagged_count} 行",
    )
    return ret


def rows_for(ret, rows, flags_by_line):
    for r in rows:
        yield EmployeeRow(ret=ret, flags=flags_by_line.get(r["line"], []), **r)


# --- computing and publishing ------------------------------------------------------------------


def _round_arrays(rnd):
    """The round's usable rows as columnar arrays for stats.compute_tables (accepted + review)."""
    returns = list(
        rnd.returns.filter(
            status__in=[EnterpriseReturn.Status.ACCEPTED, EnterpriseReturn.Status.REVIEW]
        ).values_list("pk", "industry_id", "town_id")
    )
    index = {pk: i for i, (pk, _, _) in enumerate(returns)}
    enterprises = {
        "division": np.array([ind[:2] for _, ind, _ in returns], dtype=object),
        "group": np.array([ind[:3] for _, ind, _ in returns], dtype=object),
        "region": np.array([town for _, _, town in returns], dtype=object),
    }
    qs = EmployeeRow.objects.filter(ret_id__in=index.keys()).values_list(
        "ret_id",
        "occupation_id",
        "level",
        "monthly_base_pay",
        "monthly_allowances",
        "monthly_overtime_pay",
        "annual_total_pay",
        "weight",
    )
    ent, occ, lvl, monthly, annual, weight = [], [], [], [], [], []
    for ret_id, o, lv, base, allow, over, total, w in qs.iterator(chunk_size=5000):
        ent.append(index[ret_id])
        occ.append(o)
        lvl.append(lv)
        monthly.append(float(base + allow + over))
        annual.append(float(total))
        weight.append(float(w) if w is not None else math.nan)
    rows = {
        "enterprise": np.array(ent, dtype=np.int64),
        "occupation": np.array(occ, dtype=object),
        "level": np.array(lvl, dtype=object),
        "monthly_pay": np.array(monthly, dtype=np.float64),
        "annual_pay": np.array(annual, dtype=np.float64),
    }
    w = np.array(weight, dtype=np.float64)
    if len(w) and not np.isnan(w).any():
        rows["weight"] = w  # survey weights only when every row carries one
    return rows, enterprises, returns


def _tableset(rnd):
    rows, enterprises, returns = _round_arrays(rnd)
    if len(rows["enterprise"]) == 0:
        raise ValidationError("本次调查还没有可用的调查表（已采用或待复核），无法计算。")
    previous = None
    last = SurveyRound.objects.filter(scope_union=rnd.scope_union, year=rnd.year - 1).first()
    if last is not None:
        prev_rows, prev_ent, _ = _round_arrays(last)
        if len(prev_rows["enterprise"]):
            previous = stats.compute_tables(prev_rows, prev_ent, rules=last.rules())
    tables = stats.compute_tables(rows, enterprises, rules=rnd.rules(), previous=previous)
    return tables, rows, enterprises, returns


def serialize_tables(tables):
    return {
        name: {"title": t.title, "dims": list(t.dims), "rows": t.rows()} for name, t in tables.tables.items()
    }


def count_rows(rnd):
    return EmployeeRow.objects.filter(
        ret__round=rnd,
        ret__status__in=[EnterpriseReturn.Status.ACCEPTED, EnterpriseReturn.Status.REVIEW],
    ).count()


def start_compute(user, rnd):
    """Compute now for an ordinary round; hand a big one to the background worker."""
    _require_publish(user, rnd)
    n = count_rows(rnd)
    if n == 0:
        raise ValidationError("本次调查还没有可用的调查表（已采用或待复核），无法计算。")
    _set_progress(rnd, 0, f"排队等待计算（{n} 条职工记录）…", SurveyRound.Status.COMPUTING)
    audit.record(user, AuditEntry.Action.UPDATE, rnd, changes={}, note=f"开始计算（{n} 条职工记录）")
    if n > INLINE_COMPUTE_MAX_ROWS:
        from gonghui.bargaining.tasks import compute_round_task

        compute_round_task.enqueue(rnd.pk, user.pk)
        return False
    compute_round(user, rnd)
    return True


def _require_publish(user, rnd):
    if not user.has_perm("bargaining.publish_booklet"):
        raise PermissionDenied("没有计算和发布薪酬参考信息的权限。")
    check_in_scope(user, rnd.scope_union)


def _set_progress(rnd, percent, note, status=None):
    rnd.progress = percent
    rnd.progress_note = note[:200]
    fields = ["progress", "progress_note"]
    if status:
        rnd.status = status
        fields.append("status")
    SurveyRound.objects.filter(pk=rnd.pk).update(**{f: getattr(rnd, f) for f in fields})


def compute_round(user, rnd):
    """Compute every table of the round (stats.py) and store them with the round."""
    _require_publish(user, rnd)
    try:
        _set_progress(rnd, 10, "读取职工记录…", SurveyRound.Status.COMPUTING)
        tables, rows, _, returns = _tableset(rnd)
        _set_progress(rnd, 70, f"已计算 {len(tables.tables)} 张表，正在保存…")
        data = {
            "tables": serialize_tables(tables),
            "weighted": tables.weighted,
            "enterprises": len(returns),
            "employees": int(len(rows["enterprise"])),
        }
    except Exception as exc:
        _set_progress(rnd, 0, f"计算失败：{exc}"[:200], SurveyRound.Status.COLLECTING)
        raise
    with transaction.atomic():
        rnd.computed_tables = data
        rnd.computed_at = timezone.now()
        rnd.progress = 100
        rnd.progress_note = f"计算完成：样本企业 {data['enterprises']} 家，职工 {data['employees']} 人。"
        if rnd.status != SurveyRound.Status.PUBLISHED:
            rnd.status = SurveyRound.Status.COMPUTED
        rnd.save(update_fields=["computed_tables", "computed_at", "progress", "progress_note", "status"])
        audit.record(user, AuditEntry.Action.UPDATE, rnd, changes={}, note=rnd.progress_note)
    return rnd


def benefits_summary(rnd):
    rets = list(
        rnd.returns.filter(
            status__in=[EnterpriseReturn.Status.ACCEPTED, EnterpriseReturn.Status.REVIEW]
        ).values(
            "industry_id",
            "paid_leave_days",
            "supplementary_medical",
            "enterprise_annuity",
            "meal_allowance",
            "transport_allowance",
            "housing_allowance",
            "high_temperature_allowance",
        )
    )
    if not rets:
        return []
    division = np.array([r["industry_id"][:2] for r in rets])  # a str array: stats calls .item()
    cols = {}
    for key in stats.BENEFIT_LABELS:
        values = [r[key] for r in rets]
        if key == "paid_leave_days":
            cols[key] = np.array([float(v) for v in values], dtype=np.float64)  # mean days
        else:
            cols[key] = np.array([bool(v) for v in values], dtype=bool)  # share of enterprises offering it
    return stats.summarize_benefits(division, cols, min_enterprises=rnd.min_enterprises)


def publish_booklet(user, rnd, note=""):
    """Freeze the computed tables as a new booklet version with its PDF and Excel files."""
    _require_publish(user, rnd)
    if not rnd.computed_tables:
        raise ValidationError("请先计算统计表，再发布。")
    from gonghui.bargaining import booklet as booklet_mod

    rules = rnd.rules()
    guideline = guideline_for(rnd)
    benefits = benefits_summary(rnd)
    with transaction.atomic():
        SurveyRound.objects.select_for_update().filter(pk=rnd.pk).first()
        version = (rnd.booklets.aggregate(m=Max("version"))["m"] or 0) + 1
        obj = BookletVersion(
            round=rnd,
            version=version,
            published_by=user,
            tables=rnd.computed_tables["tables"],
            benefits=benefits,
            method_note=stats.METHOD_NOTE,
            rules={
                "min_enterprises": rules.min_enterprises,
                "min_employees": rules.min_employees,
                "max_enterprise_share": rules.max_enterprise_share,
                "min_employees_for_tails": rules.min_employees_for_tails,
                "note": rules.note(),
                "symbol": stats.SUPPRESSION_SYMBOL,
                "weighted": rnd.computed_tables.get("weighted", False),
            },
            enterprises=rnd.computed_tables.get("enterprises", 0),
            employees=rnd.computed_tables.get("employees", 0),
            note=note,
        )
        obj.save()
        pdf_bytes, xlsx_bytes = _render_booklet(booklet_mod, obj, rnd, guideline)
        stem = f"{rnd.year}-v{version}"
        obj.pdf.save(f"booklet-{stem}.pdf", ContentFile(pdf_bytes), save=False)
        obj.xlsx.save(f"booklet-{stem}.xlsx", ContentFile(xlsx_bytes), save=False)
        obj.save(update_fields=["pdf", "xlsx"])
        rnd.status = SurveyRound.Status.PUBLISHED
        rnd.save(update_fields=["status"])
        audit.record(user, AuditEntry.Action.CREATE, obj, note=f"发布第 {version} 版")
    return obj


def _render_booklet(booklet_mod, obj, rnd, guideline):
    """Render the PDF and the workbook through booklet.py from the stored tables, so the files
    show exactly the figures stored with the version."""
    tables = tableset_from_json(obj.tables, rnd.rules(), obj.rules.get("weighted", False))
    names = code_names(tables)
    wg = as_ratios(guideline)
    pdf = booklet_mod.render_pdf(
        tables,
        year=rnd.year,
        issuer=rnd.scope_union.name,
        names=names,
        benefits=obj.benefits,
        guideline=wg,
    )
    xlsx = booklet_mod.render_xlsx(tables, names=names, guideline=wg)
    return pdf, xlsx


_STATUS_CODES = {"published": stats.PUBLISHED, "primary": stats.PRIMARY, "secondary": stats.SECONDARY}


def tableset_from_json(data, rules, weighted):
    """The inverse of serialize_tables: a stats.TableSet from stored rows."""
    out = {}
    for name, t in data.items():
        rows = t["rows"]
        dims = tuple(t["dims"])
        value_cols = [
            k
            for k in (rows[0] if rows else {})
            if k
            not in (
                "key",
                "status",
                "enterprises",
                "employees",
                "weighted_employees",
                "tails_published",
                "parents",
            )
        ]
        parent_names = list(rows[0]["parents"]) if rows else []

        def num(v):
            return math.nan if v is None else v

        out[name] = stats.Table(
            name=name,
            dims=dims,
            title=t["title"],
            keys={d: np.array([r["key"][d] for r in rows], dtype=object) for d in dims},
            parent_index={p: np.array([r["parents"][p] for r in rows], dtype=np.int64) for p in parent_names},
            enterprises=np.array(
                [r["enterprises"] if r["enterprises"] is not None else -1 for r in rows], dtype=np.int64
            ),
            employees=np.array(
                [r["employees"] if r["employees"] is not None else -1 for r in rows], dtype=np.int64
            ),
            weighted_employees=np.array([num(r["weighted_employees"]) for r in rows], dtype=np.float64),
            values={c: np.array([num(r.get(c)) for r in rows], dtype=np.float64) for c in value_cols},
            status=np.array([_STATUS_CODES[r["status"]] for r in rows], dtype=np.int8),
            tails_published=np.array([r["tails_published"] for r in rows], dtype=bool),
        )
    return stats.TableSet(tables=out, rules=rules, weighted=weighted)


def code_names(tables):
    """Names of the codes the tables use: industries, occupations, regions (levels are names)."""
    from gonghui.bargaining.models import Occupation
    from gonghui.orgs.models import Industry, Region

    codes = defaultdict(set)
    for t in tables.tables.values():
        for d in t.dims:
            codes[d].update(t.keys[d].tolist())
    industry_codes = codes["division"] | codes["group"]
    industries = dict(Industry.objects.filter(code__in=industry_codes).values_list("code", "name"))
    return {
        "division": {c: industries.get(c, c) for c in codes["division"]},
        "group": {c: industries.get(c, c) for c in codes["group"]},
        "occupation": dict(
            Occupation.objects.filter(code__in=codes["occupation"]).values_list("code", "name")
        ),
        "region": dict(Region.objects.filter(code__in=codes["region"]).values_list("code", "name")),
        "level": {c: c for c in codes["level"]},
    }


# --- my enterprise vs the market ---------------------------------------------------------------

CELL_PREFERENCE = compare.CELL_PREFERENCE


def _check_booklet_visible(user, booklet):
    if not visible_booklets(user).filter(pk=booklet.pk).exists():
        raise PermissionDenied("该薪酬参考信息不在您的管辖范围内。")


def market_comparison(user, ret, booklet):
    """Per occupation and level of the return: the enterprise's median monthly (and annual) pay,
    where it sits in the published market distribution, and whether it falls below P25. Uses only
    published cells of the booklet and the enterprise's own rows."""
    require_perm(user, EnterpriseReturn, "view")
    if not scoped(EnterpriseReturn.objects.filter(pk=ret.pk), user).exists():
        raise PermissionDenied("该调查表不在您的管辖范围内。")
    _check_booklet_visible(user, booklet)
    names = {}
    pay_rows = []
    for occ, occ_name, level, base, allow, over, annual in ret.rows.values_list(
        "occupation_id",
        "occupation__name",
        "level",
        "monthly_base_pay",
        "monthly_allowances",
        "monthly_overtime_pay",
        "annual_total_pay",
    ):
        pay_rows.append((occ, level, float(base + allow + over), float(annual)))
        names[occ] = occ_name
    return compare.compare_groups(
        compare.group_pay(pay_rows),
        ret.industry_id[:2],
        booklet.tables,
        names,
        weighted=bool(booklet.rules.get("weighted")),
    )


def latest_booklet(user):
    """The newest booklet the user may read (None without the permission or without one)."""
    if not user.has_perm("bargaining.view_bookletversion"):
        return None
    return visible_booklets(user).select_related("round").first()


def pay_table_comparison(user, enterprise, booklet, fileobj):
    """A chair's own pay table (uploaded, checked with the survey's row checks, never stored) against
    the booklet's published cells. Returns ``(report, result)``: ``result`` is empty when the
    report has errors. Raises PermissionDenied outside the user's enterprises or booklets and
    excel.FileRejected for a malformed file."""
    from gonghui.bargaining import imports
    from gonghui.bargaining.models import Occupation
    from gonghui.orgs.models import Enterprise

    require_perm(user, Enterprise, "view")
    require_perm(user, BookletVersion, "view")
    if not scoped(Enterprise.objects.filter(pk=enterprise.pk), user).exists():
        raise PermissionDenied("该企业不在您的管辖范围内。")
    _check_booklet_visible(user, booklet)
    report = imports.read_pay_table(user, booklet.round, fileobj)
    if not report.ok:
        return report, []
    pay_rows = [
        (
            r["occupation_id"],
            r["level"],
            float(r["monthly_base_pay"] + r["monthly_allowances"] + r["monthly_overtime_pay"]),
            float(r["annual_total_pay"]),
        )
        for r in report.checked
    ]
    groups = compare.group_pay(pay_rows)
    names = dict(Occupation.objects.filter(code__in={occ for occ, _ in groups}).values_list("code", "name"))
    return report, compare.compare_groups(
        groups,
        enterprise.industry_id[:2],
        booklet.tables,
        names,
        weighted=bool(booklet.rules.get("weighted")),
    )


# --- pools and visits --------------------------------------------------------------------------


def create_expert(user, data):
    return services.create_object(user, Expert, data)


def update_expert(user, obj, data):
    return services.update_object(user, obj, data)


def delete_expert(user, obj):
    services.delete_object(user, obj)


def _end_other_guides(guide):
    if guide.active:
        TownGuide.objects.filter(town_union=guide.town_union, active=True).exclude(pk=guide.pk).update(
            active=False
        )


def create_townguide(user, data):
    if data.get("active", True) and data.get("town_union") is not None:
        TownGuide.objects.filter(town_union=data["town_union"], active=True).update(active=False)
    return services.create_object(user, TownGuide, data)


def update_townguide(user, obj, data):
    if data.get("active") and not obj.active:
        TownGuide.objects.filter(town_union=obj.town_union, active=True).exclude(pk=obj.pk).update(
            active=False
        )
    return services.update_object(user, obj, data)


def delete_townguide(user, obj):
    services.delete_object(user, obj)


def create_visit(user, data):
    _check_case_union(user, data)
    return services.create_object(user, GuidanceVisit, data)


def update_visit(user, obj, data):
    _check_case_union(user, data)
    return services.update_object(user, obj, data)


def delete_visit(user, obj):
    services.delete_object(user, obj)


def _check_case_union(user, data):
    for key in ("case", "enterprise"):
        obj = data.get(key)
        if obj is not None:
            union = obj.union
            check_in_scope(user, union)


# --- negotiation cases -------------------------------------------------------------------------


def create_case(user, data):
    data = dict(data)
    if data.get("enterprise") is not None and data.get("union") is None:
        data["union"] = data["enterprise"].union
    if data.get("enterprise") is not None:
        check_in_scope(user, data["enterprise"].union)
    return services.create_object(user, NegotiationCase, data, after_save=_check_case_rules)


def update_case(user, case, data):
    if data.get("enterprise") is not None:
        check_in_scope(user, data["enterprise"].union)
    return services.update_object(user, case, data, after_save=_check_case_rules)


def delete_case(user, case):
    services.delete_object(user, case)


def _check_case_rules(case):
    """Refuse a step the law does not allow yet: a vote that fails its counts cannot lead to signing."""
    from gonghui.bargaining import caserules

    problems = caserules.blocking_problems(case)
    if problems:
        raise ValidationError(problems)
    stage = caserules.stage_of(case)
    if stage != case.stage:
        NegotiationCase.objects.filter(pk=case.pk).update(stage=stage)
        case.stage = stage


def add_representative(user, data):
    case = data.get("case")
    if case is not None:
        check_in_scope(user, case.union)

    def check(rep):
        from gonghui.bargaining import caserules

        problems = caserules.representative_problems(rep.case, blocking_only=True)
        if problems:
            raise ValidationError({"name": problems})

    return services.create_object(user, Representative, data, after_save=check)


def update_representative(user, rep, data):
    def check(obj):
        from gonghui.bargaining import caserules

        problems = caserules.representative_problems(obj.case, blocking_only=True)
        if problems:
            raise ValidationError({"name": problems})

    return services.update_object(user, rep, data, after_save=check)


def delete_representative(user, rep):
    services.delete_object(user, rep)


def add_meeting(user, data):
    case = data.get("case")
    if case is not None:
        check_in_scope(user, case.union)
        if case.offer_on and data.get("held_on") and data["held_on"] < case.offer_on:
            raise ValidationError({"held_on": "协商会议日期不能早于书面要约日期。"})
    return services.create_object(user, Meeting, data, after_save=lambda m: _check_case_rules(m.case))


def update_meeting(user, meeting, data):
    return services.update_object(user, meeting, data)


def delete_meeting(user, meeting):
    services.delete_object(user, meeting)


def today():
    return date.today()


# --- signals for the hotline's early warning (未诉先办) -----------------------------------------------


def expiring_contract_signals(as_of, lapsed_days=90):
    """Enterprises whose collective contract is in its last 3 months without a renewal request, or
    lapsed within ``lapsed_days`` without one, as signals for hotline.warning.detect: a season when
    pay disputes come. A newer offer for the same enterprise (the next negotiation) ends the signal.
    The signal is a state, dated ``as_of``: it strengthens an enterprise's ticket alert on any day."""
    from gonghui.bargaining import caserules

    cases = NegotiationCase.objects.filter(
        kind=NegotiationCase.Kind.ENTERPRISE,
        enterprise__isnull=False,
        signed_on__isnull=False,
        renewal_requested_on__isnull=True,
    ).order_by("pk")
    latest_offer = dict(
        NegotiationCase.objects.filter(enterprise__isnull=False, offer_on__isnull=False)
        .values("enterprise_id")
        .annotate(last=Max("offer_on"))
        .values_list("enterprise_id", "last")
    )
    signals = []
    for case in cases:
        renewal = next((d for d in caserules.case_deadlines(case, as_of) if d.key == "renewal"), None)
        if renewal is None or renewal.status not in ("due_soon", "missed"):
            continue
        if renewal.status == "missed" and (as_of - renewal.due).days > lapsed_days:
            continue
        offered = latest_offer.get(case.enterprise_id)
        if offered is not None and offered >= renewal.window_start:
            continue
        signals.append(
            {
                "id": f"contract:{case.pk}",
                "kind": "contract_expiring",
                "date": as_of,
                "enterprise_id": case.enterprise_id,
            }
        )
    return signals
