"""Use cases of 大带小 pairing: the only code that writes the pairing tables.

A plan goes draft → running → solved → approved. Running gathers the micro enterprises and mentors
of the plan's scope from orgs, hands plain records to the pure engine (engine.py / engine_groups.py)
and stores its answer. Manual changes (assign a mentor, lock, exclude) edit the stored answer;
re-solving makes a new version that keeps the locked pairs and the exclusions. Approval writes the
real relationships in orgs through orgs.services, so they are audited like any other change.
"""

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
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
    "same_town": "同镇要求：required 必须同镇 / preferred 优先同镇 / ignore 不限",
    "other_town_penalty": "跨镇代价（优先同镇时）",
    "industry_penalty": "行业代价：同小类 / 同中类 / 同大类 / 同门类 / 不同",
    "model_home_step": "模范职工之家偏好：每低一级增加的代价",
    "micro_threshold": "小微企业标准（职工少于此数）",
    "own_union_threshold": "应单独建会的人数（《工会法》第十一条，25 人）",
    "mentor_min_headcount": "大企业工会作为导师的最少职工人数",
    "capacity_base": "每个导师单位的基本帮带名额",
    "capacity_staff_step": "职工每满此数增加一个名额",
    "capacity_max": "每个导师单位的名额上限",
    "keep_existing": "保留已有的有效结对",
    "joint_min_members": "联合工会最少企业数",
    "joint_max_members": "联合工会最多企业数",
    "joint_max_staff": "联合工会职工总数上限",
    "joint_max_distance_km": "联合工会成员间最大距离（公里）",
    "use_federations": "为剩余企业组建工会联合会",
}

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
            errors["params"] = "同镇要求只能是 required、preferred 或 ignore。"
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
        audit.record(user, AuditEntry.Action.CREATE, plan)
    return plan


def update_plan(user, plan, data):
    require_perm(user, PairingPlan, "change")
    check_in_scope(user, plan.scope_union)
    if not plan.editable:
        raise ValidationError("已批准或正在计算的方案不能修改。")
    data = dict(data)
    towns = data.pop("towns", None)
    before = audit.snapshot(plan)
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
        changes = audit.diff(before, audit.snapshot(plan))
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
            changes={k: [v, None] for k, v in audit.snapshot(plan).items()},
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
    excluded = set(plan.exclusions.values_list("enterprise_id", flat=True))
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
            if mentor_id in mentor_by_id and enterprise_id not in excluded:
                locked.setdefault(enterprise_id, mentor_id)

    unassigned = {}  # enterprise id -> (reason, explanation, should_form_own_union)
    own_threshold = int(params["own_union_threshold"])
    engine_micros = []
    for e in micros:
        if e.pk in excluded:
            unassigned[e.pk] = ("excluded", "已被排除在本次结对之外", e.headcount >= own_threshold)
        elif e.lng is None or e.lat is None:
            unassigned[e.pk] = (
                "no_location",
                "缺少经纬度，无法计算距离，请补录企业位置",
                e.headcount >= own_threshold,
            )
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
    tag_of = {g: k for k, g in enumerate(groups)}
    with transaction.atomic():
        plan.pairs.all().delete()
        plan.joint_unions.all().delete()
        plan.unassigned.all().delete()
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
            if kind == PlannedJointUnion.Kind.JOINT:
                name = f"{_short(lead.name)}等{len(g.member_ids)}家企业联合工会"
            else:
                name = f"{_short(lead.name)}工会联合会"
            ju = PlannedJointUnion.objects.create(
                plan=plan,
                kind=kind,
                name=name[:100],
                town_id=lead.town_id,
                lead=lead,
                total_staff=g.total_staff,
                explanation=_named(g.explanation, lead)[:300],
            )
            ju.members.set(g.member_ids)
            tag_of[g] = ju
        Unassigned.objects.bulk_create(
            [
                Unassigned(
                    plan=plan, enterprise_id=i, reason=r, explanation=t[:300], should_form_own_union=own
                )
                for i, (r, t, own) in sorted(unassigned.items())
            ]
        )
        total = len(micros)
        covered = len(result.pairs) + len(grouped)
        summary = {
            "micro_total": total,
            "mentors": len(mentors),
            "pairs": len(result.pairs),
            "locked": sum(1 for p in result.pairs if p.locked),
            "joint_unions": sum(1 for g in groups if g.kind == "joint_union"),
            "joint_members": sum(len(g.member_ids) for g in groups if g.kind == "joint_union"),
            "federations": sum(1 for g in groups if g.kind != "joint_union"),
            "federation_members": sum(len(g.member_ids) for g in groups if g.kind != "joint_union"),
            "unassigned": len(unassigned),
            "covered": covered,
            "rate": round(100 * covered / total, 1) if total else 100.0,
            "total_cost": result.total_cost,
            "seconds": round(float(result.stats.get("seconds", 0)), 3),
        }
        PairingPlan.objects.filter(pk=plan.pk).update(
            status=PairingPlan.Status.SOLVED,
            progress=100,
            message=f"计算完成：结对 {len(result.pairs)} 家，组建联合工会/工会联合会 {len(groups)} 个，未覆盖 {len(unassigned)} 家",
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
    in_plan = (
        plan.pairs.filter(enterprise=enterprise).exists()
        or plan.unassigned.filter(enterprise=enterprise).exists()
        or plan.joint_unions.filter(members=enterprise).exists()
    )
    if not in_plan:
        raise ValidationError({"enterprise": "该企业不在本方案中。"})
    if plan.exclusions.filter(enterprise=enterprise).exists():
        raise ValidationError({"enterprise": "该企业已被排除，不能结对。"})
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
    before = audit.snapshot(pair) if pair else {}
    with transaction.atomic():
        plan.unassigned.filter(enterprise=enterprise).delete()
        for ju in plan.joint_unions.filter(members=enterprise):
            _remove_member(ju, enterprise)
        if pair is None:
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
            changes=audit.diff(before, audit.snapshot(pair)),
            note=f"人工调整结对：{enterprise} → {mentor}",
        )
    return pair


def _remove_member(ju, enterprise):
    ju.members.remove(enterprise)
    rest = list(ju.members.order_by("-headcount", "pk"))
    if not rest:
        ju.delete()
        return
    ju.total_staff = sum(e.headcount for e in rest)
    if ju.lead_id == enterprise.pk:
        ju.lead = rest[0]
    ju.save()


def set_locked(user, pair, locked):
    _require_editable(user, pair.plan)
    before = audit.snapshot(pair)
    with transaction.atomic():
        pair.locked = bool(locked)
        pair.save(update_fields=["locked"])
        audit.record(user, AuditEntry.Action.UPDATE, pair, changes=audit.diff(before, audit.snapshot(pair)))
    return pair


def exclude_enterprise(user, plan, enterprise, note=""):
    """Leave an enterprise out of the plan (and of its later versions)."""
    _require_editable(user, plan)
    if (
        not plan.pairs.filter(enterprise=enterprise).exists()
        and not plan.unassigned.filter(enterprise=enterprise).exists()
        and not plan.joint_unions.filter(members=enterprise).exists()
    ):
        raise ValidationError({"enterprise": "该企业不在本方案中。"})
    with transaction.atomic():
        exclusion, _ = PlanExclusion.objects.get_or_create(
            plan=plan, enterprise=enterprise, defaults={"note": note}
        )
        plan.pairs.filter(enterprise=enterprise).delete()
        for ju in plan.joint_unions.filter(members=enterprise):
            _remove_member(ju, enterprise)
        Unassigned.objects.update_or_create(
            plan=plan,
            enterprise=enterprise,
            defaults={
                "reason": "excluded",
                "explanation": f"已被排除在本次结对之外{('：' + note) if note else ''}"[:300],
            },
        )
        audit.record(user, AuditEntry.Action.CREATE, exclusion, note=note)
    return exclusion


def resolve_plan(user, plan):
    """A new version of `plan`, solved again with its locked pairs and exclusions kept."""
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
                PlanExclusion(plan=new, enterprise_id=x.enterprise_id, note=x.note)
                for x in plan.exclusions.all()
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
        audit.record(user, AuditEntry.Action.CREATE, new, note=f"由第 {plan.version} 版重新求解")
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
                org_services.update_enterprise(user, enterprise, {"union": org})
            ju.created_union = org
            ju.save(update_fields=["created_union"])
            unions += 1
        before = audit.snapshot(plan)
        plan.status = PairingPlan.Status.APPROVED
        plan.approved_by = user
        plan.approved_at = timezone.now()
        plan.message = f"已批准：新建结对 {links} 对，组建联合工会/工会联合会 {unions} 个"
        plan.save()
        audit.record(
            user,
            AuditEntry.Action.ACTION,
            plan,
            changes=audit.diff(before, audit.snapshot(plan)),
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
    reasons = {}
    for u in (
        Unassigned.objects.filter(enterprise__in=items)
        .select_related("plan")
        .order_by("plan__created_at", "plan_id")
    ):
        reasons[u.enterprise_id] = u.explanation
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
