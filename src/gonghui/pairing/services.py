"""Use cases of 大带小 pairing: the only code that writes the pairing tables.

A plan goes draft → running → solved → approved. Running gathers the micro enterprises and mentors
of the plan's scope from orgs, hands plain records to the pure engine (engine.py / engine_groups.py)
and stores its answer. Manual changes (assign a mentor, lock, exclude) edit the stored answer;
re-solving makes a new version that keeps the locked pairs and the exclusions. Approval writes the
real relationships in orgs through orgs.services, so they are audited like any other change.
"""

import functools
import logging
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone

from gonghui.core import audit
from gonghui.core.models import AuditEntry
from gonghui.core.scoping import check_in_scope, require_perm, scoped
from gonghui.orgs import services as org_services
from gonghui.orgs.dashboard import coverage_counts
from gonghui.orgs.models import Enterprise, MentorLink, Region, UnionOrg, Venue
from gonghui.pairing.models import (
    PairingPlan,
    PlanExclusion,
    PlanJointWish,
    PlannedJointUnion,
    PlannedPair,
    Unassigned,
    default_params,
)

log = logging.getLogger(__name__)

# Scopes with more micro enterprises than this are solved by the background worker.
SYNC_LIMIT_DEFAULT = 3000

PARAM_HELP = {
    "max_distance_km": "最大结对距离（公里）",
    "same_town": "同镇要求",
    "other_town_penalty": "跨镇代价（同镇优先时）",
    "industry_penalty": "行业代价：同小类 / 同中类 / 同大类 / 同门类 / 不同门类",
    "model_home_step": "模范职工之家偏好：每低一级增加的代价",
    "micro_threshold": "小微企业标准（职工少于此数）",
    "own_union_threshold": "应单独建会的人数（《工会法》第十一条，25 人）",
    "mentor_min_headcount": "大企业工会作为导师的最少职工人数",
    "capacity_base": "每个导师单位的基本帮带名额",
    "capacity_staff_step": "职工每满此数增加一个名额",
    "capacity_max": "每个导师单位的名额上限",
    "keep_existing": "保留已有的有效结对",
    "joint_min_members": "联合工会最少企业数",
    "joint_max_members": "联合工会（工会联合会）最多企业数",
    "joint_max_staff": "联合工会职工总数上限",
    "joint_max_distance_km": "联合工会成员间最大距离（公里）",
    "use_federations": "为剩余企业组建工会联合会",
}

SAME_TOWN_LABELS = {"preferred": "同镇优先", "required": "必须同镇", "ignore": "不限镇街"}

# Short Chinese names of the parameters, in the order pages list them.
PARAM_LABELS = {
    "max_distance_km": "最大结对距离",
    "same_town": "同镇要求",
    "other_town_penalty": "跨镇代价",
    "industry_penalty": "行业代价",
    "model_home_step": "模范职工之家偏好",
    "micro_threshold": "小微企业标准",
    "own_union_threshold": "应单独建会人数",
    "mentor_min_headcount": "导师企业最少职工",
    "capacity_base": "基本帮带名额",
    "capacity_staff_step": "按职工增加名额",
    "capacity_max": "帮带名额上限",
    "keep_existing": "保留已有结对",
    "joint_min_members": "联合工会最少企业数",
    "joint_max_members": "联合工会最多企业数",
    "joint_max_staff": "联合工会职工上限",
    "joint_max_distance_km": "联合工会成员间距离",
    "use_federations": "组建工会联合会",
}

INDUSTRY_LEVELS = ("同小类", "同中类", "同大类", "同门类", "不同门类")


def _num(value):
    """15.0 -> "15", 2.5 -> "2.5": numbers as a cadre writes them."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(f)) if f == int(f) else f"{f:g}"


def _yes_no(value):
    return "是" if value else "否"


def param_value_text(key, value):
    """One parameter's value as a cadre reads it (同镇优先, 15 公里, 是/否, …)."""
    if value is None:
        return "—"
    try:
        if key == "same_town":
            return SAME_TOWN_LABELS.get(value, str(value))
        if key == "industry_penalty":
            return "，".join(f"{lvl} {_num(v)} 分" for lvl, v in zip(INDUSTRY_LEVELS, value, strict=False))
        if key in ("keep_existing", "use_federations"):
            return _yes_no(value)
        if key in ("max_distance_km", "joint_max_distance_km"):
            return f"{_num(value)} 公里"
        if key == "other_town_penalty":
            return f"{_num(value)} 分"
        if key == "model_home_step":
            return f"每低一级加 {_num(value)} 分"
        if key == "micro_threshold":
            return f"职工少于 {_num(value)} 人"
        if key == "own_union_threshold":
            return f"职工 {_num(value)} 人及以上"
        if key in ("mentor_min_headcount", "joint_max_staff"):
            return f"{_num(value)} 人"
        if key == "capacity_staff_step":
            return f"职工每满 {_num(value)} 人加 1 家" if int(value) else "不按职工人数增加"
        if key in ("capacity_base", "capacity_max", "joint_min_members", "joint_max_members"):
            return f"{_num(value)} 家"
    except (TypeError, ValueError):
        pass
    return str(value)


def describe_params(params):
    """[(key, label, human value)] for every parameter, known ones first in their documented order."""
    keys = [k for k in PARAM_LABELS if k in params] + sorted(k for k in params if k not in PARAM_LABELS)
    return [(k, PARAM_LABELS.get(k, k), param_value_text(k, params[k])) for k in keys]


def compare_params(a, b):
    """[(label, value in a, value in b)] for the parameters that differ between two plans."""
    pa, pb = plan_params(a), plan_params(b)
    keys = [k for k in PARAM_LABELS if pa.get(k) != pb.get(k)]
    keys += sorted(k for k in set(pa) | set(pb) if k not in PARAM_LABELS and pa.get(k) != pb.get(k))
    return [
        (PARAM_LABELS.get(k, k), param_value_text(k, pa.get(k)), param_value_text(k, pb.get(k))) for k in keys
    ]


# --- audit: readable values, every field kept ---------------------------------------------------


def _audit_snapshot(obj):
    """audit.snapshot with the values a cadre reads: choices by their label, yes/no, local times."""
    data = audit.snapshot(obj)
    for field in obj._meta.concrete_fields:
        if field.name not in data:
            continue
        value = getattr(obj, field.name) if not field.is_relation else None
        if field.choices and value is not None:
            data[field.name] = str(getattr(obj, f"get_{field.name}_display")())
        elif isinstance(field, models.BooleanField):
            data[field.name] = _yes_no(value)
        elif isinstance(field, models.FloatField) and value is not None:
            data[field.name] = f"{value:.1f}"  # 0.0 km is a value, not a blank
        elif isinstance(field, models.DateTimeField) and value is not None:
            data[field.name] = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return data


def plan_snapshot(plan):
    """A plan for the audit log: its fields with readable values, each parameter under its Chinese
    name with its human value (instead of one JSON blob), the towns by name, the summary as text."""
    data = _audit_snapshot(plan)
    data.pop("params", None)
    data.pop("task_id", None)
    data.pop("progress", None)
    data.pop("summary", None)
    for _key, label, text in describe_params(plan_params(plan)):
        data[f"参数·{label}"] = text
    if plan.pk:
        data["towns"] = "、".join(t.name for t in plan.towns.all()) or "范围内全部镇街"
    if plan.summary:
        data["summary"] = summary_text(plan.summary)
    return data


def _created(snapshot):
    """The changes of a new object: every field that has a value (empty ones would read "— → —")."""
    return audit.diff({}, {k: v for k, v in snapshot.items() if v not in (None, "")})


def _delete_audited(user, obj, note):
    """Delete a plan row, its last values kept in the audit log."""
    changes = {k: [v, None] for k, v in _audit_snapshot(obj).items()}
    audit.record(user, AuditEntry.Action.DELETE, obj, changes=changes, note=note)
    obj.delete()


def summary_text(summary):
    if not summary:
        return ""
    return (
        f"小微企业 {summary.get('micro_total', 0)} 家，结对 {summary.get('pairs', 0)} 对，"
        f"联合工会 {summary.get('joint_unions', 0)} 个（{summary.get('joint_members', 0)} 家），"
        f"工会联合会 {summary.get('federations', 0)} 个（{summary.get('federation_members', 0)} 家），"
        f"未覆盖 {summary.get('unassigned', 0)} 家，覆盖率 {summary.get('rate', 0)}%"
    )


MODEL_LEVEL = {"": 0, "county": 1, "city": 2, "provincial": 3, "national": 4}

REASON_LABELS = {
    "excluded": "已排除",
    "not_micro": "非小微企业",
    "no_mentor": "范围内无导师",
    "mentors_full": "导师名额已满",
    "own_union": "应单独建会",
    "no_location": "缺少经纬度",
    "too_few": "不足以组建联合工会",
    "no_core": "无可依托的核心企业",
    "manual": "人工移出",
    "pending": "待安排",
    "joint_wish": "愿入联合工会",
}


def plan_params(plan):
    params = default_params()
    params.update(plan.params or {})
    return params


def _validate_params(params):
    errors = {}
    try:
        if float(params["max_distance_km"]) <= 0:
            errors["params"] = "最大结对距离必须大于 0。"
        if params["same_town"] not in ("required", "preferred", "ignore"):
            errors["params"] = (
                "同镇要求只能是 required（必须同镇）、preferred（同镇优先）或 ignore（不限镇街）。"
            )
        if len(params["industry_penalty"]) != 5:
            errors["params"] = "行业代价需要 5 个数。"
        if not 1 <= int(params["joint_min_members"]) <= int(params["joint_max_members"]):
            errors["params"] = "联合工会企业数的上下限不合理。"
        for key in ("micro_threshold", "capacity_base", "capacity_max", "capacity_staff_step"):
            if int(params[key]) < 0:
                errors["params"] = f"{PARAM_HELP[key]}不能为负数。"
    except (KeyError, TypeError, ValueError) as exc:
        errors["params"] = f"参数格式有误：{exc}"
    if errors:
        raise ValidationError(errors)


# --- scope ------------------------------------------------------------------------------------------


def plan_towns(plan):
    """The towns a plan covers: those chosen, else every town of its scope union."""
    chosen = list(plan.towns.all()) if plan.pk else []
    if chosen:
        return chosen
    scope = plan.scope_union
    if scope.kind == UnionOrg.Kind.TOWN_UNION:
        return [scope.region]
    return list(Region.objects.filter(level=Region.Level.TOWN, parent=scope.region))


def _scope_enterprises(plan):
    qs = Enterprise.objects.filter(union__path__startswith=plan.scope_union.path)
    return qs.filter(town__in=plan_towns(plan))


def _micro_queryset(plan, params):
    """Micro enterprises without a union of their own and not yet in a joint union or federation."""
    return (
        _scope_enterprises(plan)
        .filter(headcount__lt=int(params["micro_threshold"]), has_own_union=False)
        .exclude(union__kind__in=[UnionOrg.Kind.JOINT_UNION, UnionOrg.Kind.UNION_FEDERATION])
        .select_related("town", "industry")
        .order_by("pk")
    )


def mentor_queryset(plan, params=None):
    """Mentors: unions of large enterprises and unions titled 模范职工之家, inside the plan's scope."""
    params = params or plan_params(plan)
    qs = UnionOrg.objects.filter(path__startswith=plan.scope_union.path).filter(
        Q(kind=UnionOrg.Kind.ENTERPRISE_UNION, enterprise__headcount__gte=int(params["mentor_min_headcount"]))
        | ~Q(model_home_level="")
    )
    return qs.filter(region__in=plan_towns(plan)).select_related("enterprise", "region").order_by("pk")


def mentor_capacity(union, params):
    headcount = union.enterprise.headcount if union.enterprise_id else 0
    step = int(params["capacity_staff_step"]) or 0
    extra = headcount // step if step else 0
    return max(0, min(int(params["capacity_max"]), int(params["capacity_base"]) + extra))


@dataclass
class MentorPoint:
    union: UnionOrg
    lng: float
    lat: float
    industry: str | None
    capacity: int
    town: int
    model_level: int


def mentor_points(plan, params):
    """Each mentor with a location: its enterprise's, else its venue's, else its region's centre."""
    unions = list(mentor_queryset(plan, params))
    venue_at = {}
    for owner_id, lng, lat in (
        Venue.objects.filter(owner__in=unions)
        .exclude(lng=None)
        .order_by("pk")
        .values_list("owner_id", "lng", "lat")
    ):
        venue_at.setdefault(owner_id, (lng, lat))
    points = []
    for u in unions:
        e = u.enterprise
        if e is not None and e.lng is not None and e.lat is not None:
            lng, lat = e.lng, e.lat
        elif u.pk in venue_at:
            lng, lat = venue_at[u.pk]
        elif u.region.lng is not None:
            lng, lat = u.region.lng, u.region.lat
        else:
            continue
        points.append(
            MentorPoint(
                union=u,
                lng=lng,
                lat=lat,
                industry=e.industry_id if e is not None else None,
                capacity=mentor_capacity(u, params),
                town=int(e.town_id if e is not None else u.region_id),
                model_level=MODEL_LEVEL.get(u.model_home_level, 0),
            )
        )
    return points


@lru_cache(maxsize=1)
def industry_tree():
    from gonghui.orgs.reference import INDUSTRY_CSV
    from gonghui.pairing.engine import IndustryTree

    return IndustryTree.from_csv(INDUSTRY_CSV)


# --- create / edit / delete -------------------------------------------------------------------------


def _check_scope_union(user, scope_union, towns):
    if scope_union is None or scope_union.kind not in (
        UnionOrg.Kind.COUNTY_FEDERATION,
        UnionOrg.Kind.TOWN_UNION,
    ):
        raise ValidationError({"scope_union": "结对方案的范围只能是县总工会或镇街工会。"})
    check_in_scope(user, scope_union)
    allowed = (
        {scope_union.region_id}
        if scope_union.kind == UnionOrg.Kind.TOWN_UNION
        else set(Region.objects.filter(parent=scope_union.region).values_list("code", flat=True))
    )
    bad = [t.name for t in towns or () if t.code not in allowed]
    if bad:
        raise ValidationError({"towns": f"镇街不在方案范围内：{'、'.join(bad)}"})


def create_plan(user, data):
    require_perm(user, PairingPlan, "add")
    data = dict(data)
    towns = list(data.pop("towns", None) or [])
    params = default_params()
    params.update(data.pop("params", None) or {})
    _validate_params(params)
    plan = PairingPlan(created_by=user if user.is_authenticated else None, params=params, **data)
    _check_scope_union(user, plan.scope_union if plan.scope_union_id else None, towns)
    plan.full_clean()
    with transaction.atomic():
        plan.save()
        plan.towns.set(towns)
        audit.record(user, AuditEntry.Action.CREATE, plan, changes=_created(plan_snapshot(plan)))
    return plan


def update_plan(user, plan, data):
    require_perm(user, PairingPlan, "change")
    check_in_scope(user, plan.scope_union)
    if not plan.editable:
        raise ValidationError("已批准或正在计算的方案不能修改。")
    data = dict(data)
    towns = data.pop("towns", None)
    before = plan_snapshot(plan)
    if "params" in data:
        params = plan_params(plan)
        params.update(data.pop("params") or {})
        _validate_params(params)
        plan.params = params
    for key, value in data.items():
        setattr(plan, key, value)
    _check_scope_union(user, plan.scope_union, towns if towns is not None else list(plan.towns.all()))
    plan.full_clean()
    with transaction.atomic():
        plan.save()
        if towns is not None:
            plan.towns.set(towns)
        changes = audit.diff(before, plan_snapshot(plan))
        stale = plan.status != PairingPlan.Status.DRAFT and any(
            k.startswith("参数·") or k in ("scope_union", "towns") for k in changes
        )
        if stale:
            # The stored answer was computed with the old parameters or scope: back to draft, to be
            # run again (the run keeps the locked pairs, locked joint unions and exclusions).
            plan.status = PairingPlan.Status.DRAFT
            plan.summary = {}
            plan.progress = 0
            plan.message = "参数或范围已修改，请重新运行方案。"
            plan.save(update_fields=["status", "summary", "progress", "message"])
            changes = audit.diff(before, plan_snapshot(plan))
        audit.record(user, AuditEntry.Action.UPDATE, plan, changes=changes)
    return plan


def delete_plan(user, plan):
    require_perm(user, PairingPlan, "delete")
    check_in_scope(user, plan.scope_union)
    if plan.status == PairingPlan.Status.APPROVED:
        raise ValidationError("已批准的方案不能删除，它是结对关系的来源记录。")
    with transaction.atomic():
        audit.record(
            user,
            AuditEntry.Action.DELETE,
            plan,
            changes={k: [v, None] for k, v in plan_snapshot(plan).items()},
        )
        plan.delete()


# --- run ----------------------------------------------------------------------------------------------


def _require_run(user, plan):
    require_perm(user, PairingPlan, "run")
    check_in_scope(user, plan.scope_union)


def _set_progress(plan_id, progress, message, **extra):
    PairingPlan.objects.filter(pk=plan_id).update(progress=progress, message=message[:200], **extra)


def run_plan(user, plan, *, background=None):
    """Solve the plan: synchronously for small scopes, in the background worker for large ones.

    `background` forces one way or the other (None: decided by the number of micro enterprises).
    """
    _require_run(user, plan)
    if plan.status == PairingPlan.Status.APPROVED:
        raise ValidationError("方案已批准，请基于它重新求解生成新版本。")
    if plan.status == PairingPlan.Status.RUNNING:
        raise ValidationError("方案正在计算中。")
    if background is None:
        limit = getattr(settings, "GONGHUI_PAIRING_SYNC_LIMIT", SYNC_LIMIT_DEFAULT)
        background = _micro_queryset(plan, plan_params(plan)).count() > limit
    with transaction.atomic():
        PairingPlan.objects.filter(pk=plan.pk).update(
            status=PairingPlan.Status.RUNNING,
            progress=0,
            message="排队等待计算…" if background else "计算中…",
        )
        audit.record(user, AuditEntry.Action.ACTION, plan, changes={}, note="运行结对方案")
        if background:
            from gonghui.pairing.tasks import solve_plan_task

            def enqueue():
                result = solve_plan_task.enqueue(plan.pk)
                PairingPlan.objects.filter(pk=plan.pk).update(task_id=str(result.id)[:64])

            transaction.on_commit(enqueue)
    if not background:
        solve_plan(plan.pk)
    plan.refresh_from_db()
    return plan


def solve_plan(plan_id):
    """Compute a plan's pairs, joint unions and unassigned enterprises (the task body)."""
    plan = PairingPlan.objects.select_related("scope_union__region").get(pk=plan_id)
    try:
        _solve(plan)
    except Exception as exc:
        log.exception("pairing plan %s failed", plan_id)
        _set_progress(plan_id, 0, f"计算失败：{exc}", status=PairingPlan.Status.FAILED)
        raise


def _solve(plan):
    from gonghui.pairing import engine
    from gonghui.pairing.engine_groups import Enterprise as GroupEnterprise
    from gonghui.pairing.engine_groups import FederationParams, JointUnionParams

    params = plan_params(plan)
    _set_progress(plan.pk, 5, "读取企业与导师单位…")
    micros = list(_micro_queryset(plan, params))
    by_id = {e.pk: e for e in micros}
    excluded = dict(plan.exclusions.values_list("enterprise_id", "note"))
    # Enterprises that asked for a joint union go to the grouping, not to a mentor (their wish
    # outweighs keeping an existing mentor link; a locked pair would have refused the wish).
    wishes = dict(plan.joint_wishes.values_list("enterprise_id", "note"))
    mentors = mentor_points(plan, params)
    mentor_by_id = {m.union.pk: m for m in mentors}

    locked = {}
    for enterprise_id, mentor_id in plan.pairs.filter(locked=True).values_list("enterprise_id", "mentor_id"):
        if enterprise_id in by_id and mentor_id in mentor_by_id and enterprise_id not in excluded:
            locked[enterprise_id] = mentor_id
    if params.get("keep_existing", True):
        for enterprise_id, mentor_id in MentorLink.objects.filter(
            active=True, enterprise_id__in=list(by_id)
        ).values_list("enterprise_id", "mentor_id"):
            if mentor_id in mentor_by_id and enterprise_id not in excluded and enterprise_id not in wishes:
                locked.setdefault(enterprise_id, mentor_id)

    # Joint unions and federations the cadre edited (or locked) are kept as they are, like locked
    # pairs: their members are not handed to the engine again.
    kept = []
    kept_members = set()
    for ju in plan.joint_unions.filter(locked=True).prefetch_related("members").order_by("pk"):
        ids = [
            e.pk
            for e in ju.members.all()
            if e.pk in by_id and e.pk not in excluded and e.pk not in locked and e.pk not in kept_members
        ]
        if ids:
            kept.append((ju, ids))
            kept_members.update(ids)

    unassigned = {}  # enterprise id -> (reason, explanation, should_form_own_union)
    own_threshold = int(params["own_union_threshold"])
    engine_micros = []
    wishing = []  # handed to the joint-union grouping directly
    for e in micros:
        if e.pk in excluded:
            unassigned[e.pk] = (
                "excluded",
                _excluded_text(excluded[e.pk]),
                e.headcount >= own_threshold,
            )
        elif e.pk in kept_members:
            continue
        elif e.lng is None or e.lat is None:
            unassigned[e.pk] = (
                "no_location",
                "缺少经纬度，无法计算距离，请补录企业位置",
                e.headcount >= own_threshold,
            )
        elif e.pk in wishes and e.pk not in locked and e.headcount < own_threshold:
            wishing.append(e)
            unassigned[e.pk] = ("joint_wish", _wish_text(wishes[e.pk]), False)
        else:
            engine_micros.append(engine.Micro(e.pk, e.lng, e.lat, e.industry_id, e.headcount, int(e.town_id)))
    engine_mentors = [
        engine.Mentor(m.union.pk, m.lng, m.lat, m.industry, m.capacity, m.town, m.model_level)
        for m in mentors
    ]
    pp = engine.PairingParams(
        max_distance_km=float(params["max_distance_km"]),
        same_town=params["same_town"],
        other_town_penalty=int(params["other_town_penalty"]),
        industry_penalty=tuple(int(x) for x in params["industry_penalty"]),
        model_home_step=int(params["model_home_step"]),
        micro_threshold=int(params["micro_threshold"]),
        own_union_threshold=own_threshold,
    )
    _set_progress(plan.pk, 20, f"求解 {len(engine_micros)} 家小微企业与 {len(mentors)} 个导师单位的最优结对…")
    present = {m.id for m in engine_micros}
    result = engine.solve(
        engine_micros,
        engine_mentors,
        pp,
        industry_tree(),
        locked=[(e, m) for e, m in sorted(locked.items()) if e in present],
    )

    _set_progress(plan.pk, 60, "为未结对企业组建联合工会、工会联合会…")
    rest = {u.micro_id: u for u in result.unassigned}
    for u in result.unassigned:
        unassigned[u.micro_id] = (u.reason, u.explanation, u.should_form_own_union)

    def group_record(e):
        return GroupEnterprise(e.pk, e.lng, e.lat, e.industry_id, e.headcount, int(e.town_id))

    joinable = [by_id[i] for i, u in rest.items() if u.reason in ("no_mentor", "mentors_full")]
    joinable = sorted(joinable + wishing, key=lambda e: e.pk)
    joint = engine.group_joint_unions(
        [group_record(e) for e in joinable],
        JointUnionParams(
            min_members=int(params["joint_min_members"]),
            max_members=int(params["joint_max_members"]),
            max_staff=int(params["joint_max_staff"]),
            max_distance_km=float(params["joint_max_distance_km"]),
            own_union_threshold=own_threshold,
        ),
        industry_tree(),
    )
    groups = list(joint.groups)
    grouped = {i for g in groups for i in g.member_ids}
    leftovers = {x.id: x for x in joint.leftovers if x.id not in grouped}
    if params.get("use_federations", True):
        cores = [by_id[i] for i, u in rest.items() if u.reason == "own_union" and by_id[i].lng is not None]
        members = [by_id[i] for i, x in leftovers.items() if x.reason == "too_few"]
        if cores and members:
            fed = engine.group_federations(
                [group_record(e) for e in members],
                [group_record(e) for e in cores],
                FederationParams(
                    max_members=int(params["joint_max_members"]),
                    max_distance_km=float(params["joint_max_distance_km"]),
                    own_union_threshold=own_threshold,
                ),
                industry_tree(),
            )
            groups += list(fed.groups)
            grouped |= {i for g in fed.groups for i in g.member_ids}
            for x in fed.leftovers:
                if x.id in leftovers and x.reason != "own_union":
                    leftovers[x.id] = x
    for i, x in leftovers.items():
        if i in unassigned and x.reason != "own_union":
            reason, text, own = unassigned[i]
            unassigned[i] = (
                x.reason if reason in ("no_mentor", "mentors_full") else reason,
                f"{text}；{x.explanation}",
                own,
            )
    for i in grouped:
        unassigned.pop(i, None)

    _set_progress(plan.pk, 85, "保存方案…")
    with transaction.atomic():
        plan.pairs.all().delete()
        plan.joint_unions.exclude(pk__in=[ju.pk for ju, _ in kept]).delete()
        plan.unassigned.all().delete()
        for ju, ids in kept:
            if set(ids) != {e.pk for e in ju.members.all()}:  # members who left the scope meanwhile
                _refresh_group(ju, [by_id[i] for i in ids])
        PlannedPair.objects.bulk_create(
            [
                PlannedPair(
                    plan=plan,
                    enterprise_id=p.micro_id,
                    mentor_id=p.mentor_id,
                    cost=p.cost,
                    distance_km=p.distance_km,
                    explanation=p.explanation[:300],
                    locked=p.locked,
                    should_form_own_union=p.should_form_own_union,
                )
                for p in result.pairs
            ]
        )
        for g in groups:
            lead = by_id[g.lead_id]
            kind = (
                PlannedJointUnion.Kind.JOINT if g.kind == "joint_union" else PlannedJointUnion.Kind.FEDERATION
            )
            ju = PlannedJointUnion.objects.create(
                plan=plan,
                kind=kind,
                name=_group_name(kind, lead, len(g.member_ids)),
                town_id=lead.town_id,
                lead=lead,
                total_staff=g.total_staff,
                explanation=_named(g.explanation, lead)[:300],
            )
            ju.members.set(g.member_ids)
        Unassigned.objects.bulk_create(
            [
                Unassigned(
                    plan=plan, enterprise_id=i, reason=r, explanation=t[:300], should_form_own_union=own
                )
                for i, (r, t, own) in sorted(unassigned.items())
            ]
        )
        total = len(micros)
        covered = len(result.pairs) + len(grouped) + len(kept_members)
        kept_joint = [ids for ju, ids in kept if ju.kind == PlannedJointUnion.Kind.JOINT]
        kept_fed = [ids for ju, ids in kept if ju.kind != PlannedJointUnion.Kind.JOINT]
        summary = {
            "micro_total": total,
            "mentors": len(mentors),
            "pairs": len(result.pairs),
            "locked": sum(1 for p in result.pairs if p.locked),
            "joint_unions": sum(1 for g in groups if g.kind == "joint_union") + len(kept_joint),
            "joint_members": sum(len(g.member_ids) for g in groups if g.kind == "joint_union")
            + sum(map(len, kept_joint)),
            "federations": sum(1 for g in groups if g.kind != "joint_union") + len(kept_fed),
            "federation_members": sum(len(g.member_ids) for g in groups if g.kind != "joint_union")
            + sum(map(len, kept_fed)),
            "kept_groups": len(kept),
            "unassigned": len(unassigned),
            "covered": covered,
            "rate": round(100 * covered / total, 1) if total else 100.0,
            "total_cost": result.total_cost,
            "seconds": round(float(result.stats.get("seconds", 0)), 3),
        }
        PairingPlan.objects.filter(pk=plan.pk).update(
            status=PairingPlan.Status.SOLVED,
            progress=100,
            message=f"计算完成：结对 {len(result.pairs)} 家，组建联合工会/工会联合会 {len(groups) + len(kept)} 个，未覆盖 {len(unassigned)} 家",
            summary=summary,
            solved_at=timezone.now(),
        )


def _short(name):
    for suffix in ("有限责任公司", "股份有限公司", "有限公司", "公司", "厂", "店"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _named(explanation, lead):
    """The engine names enterprises by id; a cadre reads names."""
    return explanation.replace(f"龙头企业 {lead.pk}（", f"龙头企业 {lead.name}（").replace(
        f"以 {lead.pk}（", f"以 {lead.name}（"
    )


# --- manual changes -----------------------------------------------------------------------------------


def _require_editable(user, plan, action="change"):
    require_perm(user, PairingPlan, action)
    check_in_scope(user, plan.scope_union)
    if not plan.editable or plan.status == PairingPlan.Status.DRAFT:
        raise ValidationError("只有已计算、未批准的方案可以人工调整。")


def recount(plan):
    """The plan's summary from its rows as they are after manual changes (the engine's figures —
    total cost, solve time — stay those of the last run)."""
    summary = dict(plan.summary or {})
    pairs = plan.pairs.count()
    groups = list(plan.joint_unions.annotate(n=Count("members")).values_list("kind", "n"))
    joint = [n for kind, n in groups if kind == PlannedJointUnion.Kind.JOINT]
    fed = [n for kind, n in groups if kind != PlannedJointUnion.Kind.JOINT]
    unassigned = plan.unassigned.count()
    covered = pairs + sum(joint) + sum(fed)
    total = covered + unassigned
    summary.update(
        micro_total=total,
        pairs=pairs,
        locked=plan.pairs.filter(locked=True).count(),
        joint_unions=len(joint),
        joint_members=sum(joint),
        federations=len(fed),
        federation_members=sum(fed),
        unassigned=unassigned,
        covered=covered,
        rate=round(100 * covered / total, 1) if total else 100.0,
    )
    PairingPlan.objects.filter(pk=plan.pk).update(summary=summary)
    plan.summary = summary
    return summary


def _recounts(fn):
    """Manual changes keep the plan's summary (the detail page's figures) true to its rows."""

    @functools.wraps(fn)
    def wrapper(user, target, *args, **kwargs):
        plan = target if isinstance(target, PairingPlan) else target.plan
        with transaction.atomic():
            result = fn(user, target, *args, **kwargs)
            recount(plan)
        return result

    return wrapper


def _in_plan(plan, enterprise):
    return (
        plan.pairs.filter(enterprise=enterprise).exists()
        or plan.unassigned.filter(enterprise=enterprise).exists()
        or plan.joint_unions.filter(members=enterprise).exists()
    )


def _group_name(kind, lead, n):
    if kind == PlannedJointUnion.Kind.JOINT:
        return f"{_short(lead.name)}等{n}家企业联合工会"[:100]
    return f"{_short(lead.name)}工会联合会"[:100]


def _group_bounds(ju, params):
    """(min members, max members, max staff or None): the engine's bounds for this kind of group."""
    if ju.kind == PlannedJointUnion.Kind.JOINT:
        return (
            int(params["joint_min_members"]),
            int(params["joint_max_members"]),
            int(params["joint_max_staff"]),
        )
    # engine_groups.FederationParams: at least 2 members including the core, the same maximum.
    return 2, int(params["joint_max_members"]), None


def _group_snapshot(ju):
    data = _audit_snapshot(ju)
    data["members"] = "、".join(e.name for e in ju.members.order_by("pk"))
    return data


def _refresh_group(ju, members, lead=None):
    """Store a group's members after a manual edit: lead, staff, name and explanation follow."""
    members = sorted(members, key=lambda e: e.pk)
    if lead is None:
        lead = next((e for e in members if e.pk == ju.lead_id), None)
    if lead is None:
        # The documented 龙头 score reduces to staff for micro enterprises without union or venue.
        lead = max(members, key=lambda e: (e.headcount, -e.pk))
    ju.lead = lead
    ju.total_staff = sum(e.headcount for e in members)
    ju.name = _group_name(ju.kind, lead, len(members))
    if ju.kind == PlannedJointUnion.Kind.JOINT:
        ju.explanation = f"人工调整：{len(members)} 家企业共 {ju.total_staff} 人，龙头企业 {lead.name}（{lead.headcount} 人）"
    else:
        ju.explanation = (
            f"人工调整：以 {lead.name}（{lead.headcount} 人，可单独建会）为核心，"
            f"{len(members)} 家企业共 {ju.total_staff} 人"
        )
    ju.locked = True
    ju.manual = True
    ju.save()
    ju.members.set(members)


def _take_out(user, plan, enterprise, params, keep_in=None):
    """Remove `enterprise` from wherever it is in the plan (pair, group, unassigned), checking that a
    group it leaves stays within the engine's size bounds. Each change is audited."""
    for pair in plan.pairs.filter(enterprise=enterprise):
        _delete_audited(user, pair, f"{enterprise} 不再由 {pair.mentor} 帮带")
    for ju in plan.joint_unions.filter(members=enterprise).exclude(pk=getattr(keep_in, "pk", None)):
        rest = [e for e in ju.members.order_by("pk") if e.pk != enterprise.pk]
        low, _high, _staff = _group_bounds(ju, params)
        kind = ju.get_kind_display()
        if ju.kind == PlannedJointUnion.Kind.FEDERATION and ju.lead_id == enterprise.pk:
            raise ValidationError(
                f"{enterprise.name}是{ju.name}的核心企业，不能移出；如需调整，请解散该工会联合会。"
            )
        if len(rest) < low:
            raise ValidationError(
                f"{enterprise.name}移出后，{ju.name}只剩 {len(rest)} 家企业，少于{kind}最少的 {low} 家；"
                f"请先移入其他企业，或解散该{kind}。"
            )
        before = _group_snapshot(ju)
        _refresh_group(ju, rest)
        audit.record(
            user,
            AuditEntry.Action.UPDATE,
            ju,
            changes=audit.diff(before, _group_snapshot(ju)),
            note=f"人工调整：{enterprise} 移出 {ju.name}",
        )
    plan.unassigned.filter(enterprise=enterprise).delete()


@_recounts
def assign_mentor(user, plan, enterprise, mentor):
    """Move an enterprise of the plan to `mentor` (from another mentor, a joint union or unassigned).

    The pair is marked manual and locked, so that re-solving keeps it.
    """
    from gonghui.pairing.geo import distance_km

    _require_editable(user, plan)
    params = plan_params(plan)
    points = {m.union.pk: m for m in mentor_points(plan, params)}
    if mentor.pk not in points:
        raise ValidationError({"mentor": "该工会不是本方案范围内的导师单位。"})
    if not _in_plan(plan, enterprise):
        raise ValidationError({"enterprise": "该企业不在本方案中。"})
    if plan.exclusions.filter(enterprise=enterprise).exists():
        raise ValidationError({"enterprise": "该企业已被排除，不能结对；请先恢复纳入。"})
    point = points[mentor.pk]
    load = plan.pairs.filter(mentor=mentor).exclude(enterprise=enterprise).count()
    if load >= point.capacity:
        raise ValidationError({"mentor": f"{mentor.name}的帮带名额（{point.capacity} 家）已满。"})
    km = (
        float(distance_km(enterprise.lng, enterprise.lat, point.lng, point.lat)[0])
        if enterprise.lng is not None and enterprise.lat is not None
        else 0.0
    )
    pair = plan.pairs.filter(enterprise=enterprise).first()
    before = _audit_snapshot(pair) if pair else {}
    with transaction.atomic():
        plan.unassigned.filter(enterprise=enterprise).delete()
        if pair is None:
            _take_out(user, plan, enterprise, params)
            pair = PlannedPair(plan=plan, enterprise=enterprise)
        pair.mentor = mentor
        pair.distance_km = round(km, 3)
        pair.cost = 0
        pair.manual = True
        pair.locked = True
        pair.should_form_own_union = enterprise.headcount >= int(params["own_union_threshold"])
        pair.explanation = f"人工调整，相距 {km:.1f} 公里"
        pair.save()
        audit.record(
            user,
            AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
            pair,
            changes=audit.diff(before, _audit_snapshot(pair)),
            note=f"人工调整结对：{enterprise} → {mentor}",
        )
    return pair


@_recounts
def set_locked(user, pair, locked):
    _require_editable(user, pair.plan)
    return _set_locked(
        user, pair, locked, _audit_snapshot, f"{'锁定' if locked else '解锁'}结对：{pair.enterprise}"
    )


def _set_locked(user, obj, locked, snapshot, note):
    """Lock or unlock a plan row (a pair or a group), audited with its values before and after."""
    before = snapshot(obj)
    with transaction.atomic():
        obj.locked = bool(locked)
        obj.save(update_fields=["locked"])
        audit.record(
            user, AuditEntry.Action.UPDATE, obj, changes=audit.diff(before, snapshot(obj)), note=note
        )
    return obj


# --- joint unions and federations: membership and lead ----------------------------------------------


@_recounts
def move_to_group(user, plan, enterprise, ju):
    """Put an enterprise of the plan into a proposed joint union / federation (from a mentor, another
    group or unassigned), within the engine's bounds. The group is locked: re-solving keeps it."""
    _require_editable(user, plan)
    if ju.plan_id != plan.pk:
        raise ValidationError({"joint_union": "该联合工会不在本方案中。"})
    if not _in_plan(plan, enterprise):
        raise ValidationError({"enterprise": "该企业不在本方案中。"})
    if plan.exclusions.filter(enterprise=enterprise).exists():
        raise ValidationError({"enterprise": "该企业已被排除；请先恢复纳入。"})
    members = list(ju.members.order_by("pk"))
    kind = ju.get_kind_display()
    if any(e.pk == enterprise.pk for e in members):
        raise ValidationError({"enterprise": f"{enterprise.name}已是{ju.name}的成员。"})
    params = plan_params(plan)
    own = int(params["own_union_threshold"])
    low, high, max_staff = _group_bounds(ju, params)
    if enterprise.town_id != ju.town_id:
        raise ValidationError(
            f"{enterprise.name}在{enterprise.town.name}，{ju.name}在{ju.town.name}：{kind}只能由同一镇街的企业组成。"
        )
    if enterprise.headcount >= own:
        raise ValidationError(
            f"{enterprise.name}有职工 {enterprise.headcount} 人，达到《工会法》第十一条规定的 {own} 人，"
            f"应单独建立工会委员会，不能并入{kind}。"
        )
    if len(members) + 1 > high:
        raise ValidationError(
            f"{ju.name}已有 {len(members)} 家企业，{kind}最多 {high} 家（参数“{PARAM_LABELS['joint_max_members']}”）。"
        )
    staff = sum(e.headcount for e in members) + enterprise.headcount
    if max_staff is not None and staff > max_staff:
        raise ValidationError(
            f"并入后{ju.name}职工共 {staff} 人，超过上限 {max_staff} 人（参数“{PARAM_LABELS['joint_max_staff']}”）。"
        )
    with transaction.atomic():
        _take_out(user, plan, enterprise, params, keep_in=ju)
        ju.refresh_from_db()
        before = _group_snapshot(ju)
        _refresh_group(ju, [*members, enterprise])
        audit.record(
            user,
            AuditEntry.Action.UPDATE,
            ju,
            changes=audit.diff(before, _group_snapshot(ju)),
            note=f"人工调整：{enterprise} 移入 {ju.name}",
        )
    return ju


@_recounts
def create_group(user, plan, enterprises, kind=PlannedJointUnion.Kind.JOINT):
    """A new joint union (or federation around a core able to form its own union) of enterprises the
    cadre chose, e.g. ones that opted in although a mentor was in reach. The engine's bounds apply;
    the members leave their pairs / groups; the group is locked so that re-solving keeps it."""
    _require_editable(user, plan)
    enterprises = sorted({e.pk: e for e in enterprises}.values(), key=lambda e: e.pk)
    params = plan_params(plan)
    own = int(params["own_union_threshold"])
    probe = PlannedJointUnion(plan=plan, kind=kind)
    low, high, max_staff = _group_bounds(probe, params)
    label = probe.get_kind_display()
    for e in enterprises:
        if not _in_plan(plan, e):
            raise ValidationError({"enterprises": f"{e.name}不在本方案中。"})
        if plan.exclusions.filter(enterprise=e).exists():
            raise ValidationError({"enterprises": f"{e.name}已被排除；请先恢复纳入。"})
    if not low <= len(enterprises) <= high:
        raise ValidationError(f"{label}需要 {low}–{high} 家企业，选择了 {len(enterprises)} 家。")
    towns = {e.town_id for e in enterprises}
    if len(towns) > 1:
        raise ValidationError(f"{label}只能由同一镇街的企业组成，所选企业分属 {len(towns)} 个镇街。")
    big = [e for e in enterprises if e.headcount >= own]
    if kind == PlannedJointUnion.Kind.JOINT:
        if big:
            raise ValidationError(
                f"{'、'.join(e.name for e in big)}职工达到《工会法》第十一条规定的 {own} 人，"
                f"应单独建立工会委员会，不能并入联合工会。"
            )
        lead = None
    else:
        if len(big) != 1:
            raise ValidationError(
                f"工会联合会要以一家能单独建会（职工 {own} 人及以上）的企业为核心，其余为小微企业；"
                f"所选企业中有 {len(big)} 家达到 {own} 人。"
            )
        lead = big[0]
    staff = sum(e.headcount for e in enterprises)
    if max_staff is not None and staff > max_staff:
        raise ValidationError(
            f"所选企业职工共 {staff} 人，超过联合工会上限 {max_staff} 人（参数“{PARAM_LABELS['joint_max_staff']}”）。"
        )
    with transaction.atomic():
        for e in enterprises:
            _take_out(user, plan, e, params)
        first = lead or max(enterprises, key=lambda e: (e.headcount, -e.pk))
        ju = PlannedJointUnion(plan=plan, kind=kind, town_id=first.town_id, lead=first)
        _refresh_group(ju, enterprises, lead=lead)
        audit.record(
            user,
            AuditEntry.Action.CREATE,
            ju,
            changes=_created(_group_snapshot(ju)),
            note=f"人工新建{label}：{ju.name}",
        )
    return ju


@_recounts
def remove_from_group(user, plan, ju, enterprise):
    """Take an enterprise out of a proposed group; it waits (unassigned) for a mentor, another group
    or the next solve. The group keeps the engine's lower bound and is locked."""
    _require_editable(user, plan)
    if ju.plan_id != plan.pk or not ju.members.filter(pk=enterprise.pk).exists():
        raise ValidationError({"enterprise": f"{enterprise.name}不是{ju.name}的成员。"})
    params = plan_params(plan)
    name = ju.name
    with transaction.atomic():
        _take_out(user, plan, enterprise, params)
        Unassigned.objects.create(
            plan=plan,
            enterprise=enterprise,
            reason="manual",
            explanation=f"已人工移出{name}，待人工结对、并入其他联合工会或重新求解",
            should_form_own_union=enterprise.headcount >= int(params["own_union_threshold"]),
        )
    return ju


def set_group_lead(user, plan, ju, enterprise):
    """Make a member the group's lead (龙头); a federation's core must be able to form its own union."""
    _require_editable(user, plan)
    if ju.plan_id != plan.pk:
        raise ValidationError({"joint_union": "该联合工会不在本方案中。"})
    members = list(ju.members.order_by("pk"))
    if not any(e.pk == enterprise.pk for e in members):
        raise ValidationError({"enterprise": f"{enterprise.name}不是{ju.name}的成员，不能作为龙头企业。"})
    own = int(plan_params(plan)["own_union_threshold"])
    if ju.kind == PlannedJointUnion.Kind.FEDERATION and enterprise.headcount < own:
        raise ValidationError(
            f"工会联合会的核心企业应能单独建会（职工 {own} 人及以上），{enterprise.name}只有 {enterprise.headcount} 人。"
        )
    before = _group_snapshot(ju)
    with transaction.atomic():
        _refresh_group(ju, members, lead=enterprise)
        audit.record(
            user,
            AuditEntry.Action.UPDATE,
            ju,
            changes=audit.diff(before, _group_snapshot(ju)),
            note=f"人工调整：{ju.name}的龙头企业改为 {enterprise}",
        )
    return ju


def set_group_locked(user, plan, ju, locked):
    _require_editable(user, plan)
    if ju.plan_id != plan.pk:
        raise ValidationError({"joint_union": "该联合工会不在本方案中。"})
    note = f"{'锁定' if locked else '解锁'}{ju.get_kind_display()}：{ju.name}"
    return _set_locked(user, ju, locked, _group_snapshot, note)


@_recounts
def dissolve_group(user, plan, ju):
    """Dissolve a proposed group: its members wait (unassigned) for another placement or the next solve."""
    _require_editable(user, plan)
    if ju.plan_id != plan.pk:
        raise ValidationError({"joint_union": "该联合工会不在本方案中。"})
    own = int(plan_params(plan)["own_union_threshold"])
    members = list(ju.members.order_by("pk"))
    with transaction.atomic():
        audit.record(
            user,
            AuditEntry.Action.DELETE,
            ju,
            changes={k: [v, None] for k, v in _group_snapshot(ju).items()},
            note=f"人工解散{ju.get_kind_display()}：{ju.name}",
        )
        Unassigned.objects.bulk_create(
            [
                Unassigned(
                    plan=plan,
                    enterprise=e,
                    reason="manual",
                    explanation=f"{ju.name}已人工解散，待人工结对、并入其他联合工会或重新求解"[:300],
                    should_form_own_union=e.headcount >= own,
                )
                for e in members
            ]
        )
        ju.delete()


# --- exclusions -------------------------------------------------------------------------------------


def _excluded_text(note):
    return f"已被排除在本次结对之外{('：' + note) if note else ''}"[:300]


@_recounts
def exclude_enterprise(user, plan, enterprise, note=""):
    """Leave an enterprise out of the plan (and of its later versions), with the reason why."""
    _require_editable(user, plan)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写排除原因。"})
    if not _in_plan(plan, enterprise):
        raise ValidationError({"enterprise": "该企业不在本方案中。"})
    if plan.exclusions.filter(enterprise=enterprise).exists():
        raise ValidationError({"enterprise": f"{enterprise.name}已被排除。"})
    params = plan_params(plan)
    with transaction.atomic():
        _take_out(user, plan, enterprise, params)
        exclusion = PlanExclusion.objects.create(
            plan=plan,
            enterprise=enterprise,
            note=note[:200],
            excluded_by=user if user.is_authenticated else None,
            excluded_at=timezone.now(),
        )
        Unassigned.objects.create(
            plan=plan,
            enterprise=enterprise,
            reason="excluded",
            explanation=_excluded_text(note),
            should_form_own_union=enterprise.headcount >= int(params["own_union_threshold"]),
        )
        audit.record(
            user,
            AuditEntry.Action.CREATE,
            exclusion,
            changes=_created(_audit_snapshot(exclusion)),
            note=f"排除 {enterprise}：{note}",
        )
    return exclusion


@_recounts
def include_enterprise(user, plan, enterprise):
    """Undo an exclusion: the enterprise is back in the plan, waiting for a placement or the next solve."""
    _require_editable(user, plan)
    exclusion = plan.exclusions.filter(enterprise=enterprise).first()
    if exclusion is None:
        raise ValidationError({"enterprise": f"{enterprise.name}没有被排除。"})
    with transaction.atomic():
        _delete_audited(user, exclusion, f"恢复纳入 {enterprise}（原排除原因：{exclusion.note or '未说明'}）")
        Unassigned.objects.update_or_create(
            plan=plan,
            enterprise=enterprise,
            defaults={
                "reason": "pending",
                "explanation": "已恢复纳入方案，待人工结对、并入联合工会或重新求解",
            },
        )
    return enterprise


# --- joint-union wishes ------------------------------------------------------------------------------


def _wish_text(note):
    return f"企业愿入联合工会{('：' + note) if note else ''}，待组建"[:300]


def record_joint_wish(user, plan, enterprise, note=""):
    """Record that a micro enterprise asked to join a joint union rather than be mentored; the next
    solve (a new version) groups it with the enterprises of its town (and later versions keep it)."""
    _require_editable(user, plan)
    note = (note or "").strip()
    params = plan_params(plan)
    if not _in_plan(plan, enterprise):
        raise ValidationError({"enterprise": "该企业不在本方案中。"})
    if plan.exclusions.filter(enterprise=enterprise).exists():
        raise ValidationError({"enterprise": f"{enterprise.name}已被排除，请先恢复纳入。"})
    if enterprise.headcount >= int(params["own_union_threshold"]):
        raise ValidationError(
            {
                "enterprise": f"{enterprise.name}有职工 {enterprise.headcount} 人，达到 "
                f"{params['own_union_threshold']} 人应依法单独建会（工会法第十一条），不并入联合工会。"
            }
        )
    if plan.pairs.filter(enterprise=enterprise, locked=True).exists():
        raise ValidationError({"enterprise": f"{enterprise.name}的结对已锁定，请先解锁。"})
    if plan.joint_wishes.filter(enterprise=enterprise).exists():
        raise ValidationError({"enterprise": f"{enterprise.name}已登记愿入联合工会。"})
    with transaction.atomic():
        wish = PlanJointWish.objects.create(
            plan=plan,
            enterprise=enterprise,
            note=note[:200],
            recorded_by=user if user.is_authenticated else None,
            recorded_at=timezone.now(),
        )
        audit.record(
            user,
            AuditEntry.Action.CREATE,
            wish,
            changes=_created(_audit_snapshot(wish)),
            note=f"{enterprise} 愿入联合工会{('：' + note) if note else ''}（重新求解时生效）",
        )
    return wish


def withdraw_joint_wish(user, plan, enterprise):
    """Undo a recorded wish: the next solve pairs the enterprise with a mentor again if one has room."""
    _require_editable(user, plan)
    wish = plan.joint_wishes.filter(enterprise=enterprise).first()
    if wish is None:
        raise ValidationError({"enterprise": f"{enterprise.name}没有登记愿入联合工会。"})
    with transaction.atomic():
        _delete_audited(user, wish, f"撤销 {enterprise} 的入联合工会意愿（重新求解时生效）")
    return enterprise


# --- versions ---------------------------------------------------------------------------------------


def resolve_plan(user, plan):
    """A new version of `plan`, solved again with its locked pairs, locked (edited) joint unions and
    federations, exclusions and joint-union wishes kept."""
    _require_run(user, plan)
    require_perm(user, PairingPlan, "add")
    if plan.status in (PairingPlan.Status.RUNNING, PairingPlan.Status.DRAFT):
        raise ValidationError("请先运行方案，再重新求解。")
    with transaction.atomic():
        new = PairingPlan.objects.create(
            name=plan.name,
            scope_union=plan.scope_union,
            params=plan_params(plan),
            version=plan.version + 1,
            previous=plan,
            created_by=user if user.is_authenticated else None,
        )
        new.towns.set(plan.towns.all())
        PlanExclusion.objects.bulk_create(
            [
                PlanExclusion(
                    plan=new,
                    enterprise_id=x.enterprise_id,
                    note=x.note,
                    excluded_by_id=x.excluded_by_id,
                    excluded_at=x.excluded_at,
                )
                for x in plan.exclusions.all()
            ]
        )
        PlanJointWish.objects.bulk_create(
            [
                PlanJointWish(
                    plan=new,
                    enterprise_id=x.enterprise_id,
                    note=x.note,
                    recorded_by_id=x.recorded_by_id,
                    recorded_at=x.recorded_at,
                )
                for x in plan.joint_wishes.all()
            ]
        )
        PlannedPair.objects.bulk_create(
            [
                PlannedPair(
                    plan=new,
                    enterprise_id=p.enterprise_id,
                    mentor_id=p.mentor_id,
                    locked=True,
                    manual=p.manual,
                    explanation=p.explanation,
                )
                for p in plan.pairs.filter(locked=True)
            ]
        )
        for ju in plan.joint_unions.filter(locked=True).prefetch_related("members"):
            copy = PlannedJointUnion.objects.create(
                plan=new,
                kind=ju.kind,
                name=ju.name,
                town_id=ju.town_id,
                lead_id=ju.lead_id,
                total_staff=ju.total_staff,
                explanation=ju.explanation,
                locked=True,
                manual=ju.manual,
            )
            copy.members.set(ju.members.all())
        audit.record(
            user,
            AuditEntry.Action.CREATE,
            new,
            changes=_created(plan_snapshot(new)),
            note=f"由第 {plan.version} 版重新求解",
        )
    return run_plan(user, new)


def approve_plan(user, plan):
    """Write the plan into orgs: mentor links, joint unions and federations (each audited)."""
    require_perm(user, PairingPlan, "approve")
    check_in_scope(user, plan.scope_union)
    if plan.status != PairingPlan.Status.SOLVED:
        raise ValidationError("只有已计算的方案可以批准。")
    today = timezone.localdate()
    source = f"结对方案#{plan.pk}第{plan.version}版"[:50]
    links = unions = 0
    with transaction.atomic():
        plan = PairingPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PairingPlan.Status.SOLVED:
            raise ValidationError("只有已计算的方案可以批准。")
        current = dict(MentorLink.objects.filter(active=True).values_list("enterprise_id", "mentor_id"))
        for pair in plan.pairs.select_related("enterprise__union", "mentor"):
            if current.get(pair.enterprise_id) == pair.mentor_id:
                continue
            org_services.link_mentor(user, pair.mentor, pair.enterprise, today, source_plan=source)
            links += 1
        for ju in plan.joint_unions.select_related("town", "lead"):
            parent = org_services.town_union_for(ju.town)
            org = org_services.create_union(
                user,
                {
                    "name": ju.name,
                    "kind": UnionOrg.Kind.JOINT_UNION
                    if ju.kind == PlannedJointUnion.Kind.JOINT
                    else UnionOrg.Kind.UNION_FEDERATION,
                    "parent": parent,
                    "region": ju.town,
                    "lead_enterprise": ju.lead,
                    "founded_on": today,
                },
            )
            for enterprise in ju.members.select_related("union"):
                # a joint union replaces mentoring: one form of coverage per enterprise
                org_services.end_mentor_links(user, enterprise, note=f"加入{ju.name}（{source}）")
                org_services.update_enterprise(user, enterprise, {"union": org})
            ju.created_union = org
            ju.save(update_fields=["created_union"])
            unions += 1
        before = plan_snapshot(plan)
        plan.status = PairingPlan.Status.APPROVED
        plan.approved_by = user
        plan.approved_at = timezone.now()
        plan.message = f"已批准：新建结对 {links} 对，组建联合工会/工会联合会 {unions} 个"
        plan.save()
        audit.record(
            user,
            AuditEntry.Action.ACTION,
            plan,
            changes=audit.diff(before, plan_snapshot(plan)),
            note=plan.message,
        )
    return plan


# --- reading ------------------------------------------------------------------------------------------


def placement(plan):
    """enterprise id -> (form, where) for every enterprise of the plan."""
    out = {}
    for p in plan.pairs.select_related("mentor"):
        out[p.enterprise_id] = ("结对", p.mentor.name)
    for ju in plan.joint_unions.prefetch_related("members"):
        for e in ju.members.all():
            out[e.pk] = (ju.get_kind_display(), ju.name)
    for u in plan.unassigned.all():
        out[u.enterprise_id] = ("未覆盖", REASON_LABELS.get(u.reason, u.reason))
    return out


def compare_plans(a, b):
    """Who moved where between two plans: rows (enterprise, before, after), changed ones only."""
    pa, pb = placement(a), placement(b)
    ids = sorted(i for i in set(pa) | set(pb) if pa.get(i) != pb.get(i))
    names = dict(Enterprise.objects.filter(pk__in=ids).values_list("pk", "name"))
    none = ("—", "不在方案中")
    return [
        {
            "enterprise_id": i,
            "enterprise": names.get(i, str(i)),
            "before": pa.get(i, none),
            "after": pb.get(i, none),
        }
        for i in ids
    ]


def coverage_by_town(user):
    """Per town of the user's jurisdiction: micro enterprises and how they are covered, and the gap."""
    enterprises = scoped(Enterprise.objects.all(), user)
    rows = []
    towns = Region.objects.filter(pk__in=enterprises.values("town")).annotate(n=Count("pk")).order_by("code")
    for town in towns:
        c = coverage_counts(enterprises.filter(town=town))
        c = {k: v or 0 for k, v in c.items()}
        c["covered"] = c["own"] + c["joint"] + c["mentored"]
        c["gap"] = c["total"] - c["covered"]
        c["rate"] = round(100 * c["covered"] / c["total"], 1) if c["total"] else 100.0
        rows.append({"town": town, **c})
    total = {k: sum(r[k] for r in rows) for k in ("total", "own", "joint", "mentored", "covered", "gap")}
    total["rate"] = round(100 * total["covered"] / total["total"], 1) if total["total"] else 100.0
    return rows, total


def uncovered_with_reasons(user, limit=500):
    """Micro enterprises not covered at all, each with the reason from the latest plan that had it."""
    t = settings.GONGHUI_MICRO_THRESHOLD
    qs = (
        scoped(Enterprise.objects.all(), user)
        .filter(headcount__lt=t, has_own_union=False)
        .exclude(union__kind__in=[UnionOrg.Kind.JOINT_UNION, UnionOrg.Kind.UNION_FEDERATION])
        .exclude(mentor_links__active=True)
        .select_related("town")
        .order_by("town_id", "name")
    )
    items = list(qs[:limit])
    reasons = {}  # the latest plan's word on each, proposals of plans not yet approved included
    proposed = (
        PlannedPair.objects.filter(enterprise__in=items)
        .exclude(plan__status=PairingPlan.Status.APPROVED)
        .values_list(
            "enterprise_id", "plan__name", "plan__version", "mentor__name", "plan__created_at", "plan_id"
        )
    )
    grouped = (
        PlannedJointUnion.objects.filter(members__in=items)
        .exclude(plan__status=PairingPlan.Status.APPROVED)
        .values_list("members", "plan__name", "plan__version", "name", "plan__created_at", "plan_id")
    )
    left = Unassigned.objects.filter(enterprise__in=items).values_list(
        "enterprise_id", "explanation", "plan__created_at", "plan_id"
    )
    found = [
        (when, plan, e, f"{name}第 {v} 版拟由{mentor}帮带，待批准")
        for e, name, v, mentor, when, plan in proposed
    ]
    found += [(when, plan, e, f"{name}第 {v} 版拟并入{ju}，待批准") for e, name, v, ju, when, plan in grouped]
    found += [(when, plan, e, text) for e, text, when, plan in left]
    for _when, _plan, enterprise_id, text in sorted(found, key=lambda f: (f[0], f[1])):
        reasons[enterprise_id] = text
    return [(e, reasons.get(e.pk, "尚未纳入任何结对方案")) for e in items], qs.count()


def export_rows(plan):
    """The approved pairing as the town unions' working list."""
    rows = []
    for p in plan.pairs.select_related("enterprise__town", "enterprise__industry", "mentor"):
        e = p.enterprise
        rows.append(
            [
                e.town.name,
                e.name,
                e.credit_code,
                e.headcount,
                f"{e.industry_id} {e.industry.name}",
                "大带小结对",
                p.mentor.name,
                round(p.distance_km, 1),
                "是" if p.should_form_own_union else "",
                p.explanation,
            ]
        )
    for ju in plan.joint_unions.select_related("town", "lead").prefetch_related("members__industry"):
        for e in ju.members.all():
            rows.append(
                [
                    ju.town.name,
                    e.name,
                    e.credit_code,
                    e.headcount,
                    f"{e.industry_id} {e.industry.name}",
                    ju.get_kind_display(),
                    ju.name + ("（龙头）" if e.pk == ju.lead_id else ""),
                    "",
                    "",
                    ju.explanation,
                ]
            )
    for u in plan.unassigned.select_related("enterprise__town", "enterprise__industry"):
        e = u.enterprise
        rows.append(
            [
                e.town.name,
                e.name,
                e.credit_code,
                e.headcount,
                f"{e.industry_id} {e.industry.name}",
                "未覆盖",
                "",
                "",
                "是" if u.should_form_own_union else "",
                u.explanation,
            ]
        )
    rows.sort(key=lambda r: (r[0], r[5], r[1]))
    return rows


EXPORT_HEADERS = [
    "镇街",
    "企业名称",
    "统一社会信用代码",
    "职工人数",
    "行业",
    "覆盖方式",
    "帮带工会 / 联合工会",
    "距离（公里）",
    "应单独建会",
    "说明",
]


def export_workbook(plan, title):
    """The working list, and on a second sheet the plan and its parameters as a cadre reads them."""
    import io

    from openpyxl import Workbook

    from gonghui.core.excel import _safe

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(EXPORT_HEADERS)
    for row in export_rows(plan):
        ws.append([_safe(v) for v in row])
    info = wb.create_sheet("方案与参数")
    info.append(["项目", "内容"])
    towns = "、".join(t.name for t in plan.towns.all()) or "范围内全部镇街"
    for label, value in [
        ("方案", str(plan)),
        ("范围", plan.scope_union.name),
        ("镇街", towns),
        ("状态", plan.get_status_display()),
        ("结果", summary_text(plan.summary)),
        ("批准人", str(plan.approved_by or "")),
        (
            "批准时间",
            timezone.localtime(plan.approved_at).strftime("%Y-%m-%d %H:%M") if plan.approved_at else "",
        ),
    ]:
        info.append([label, _safe(value)])
    for _key, label, text in describe_params(plan_params(plan)):
        info.append([f"参数：{label}", _safe(text)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
