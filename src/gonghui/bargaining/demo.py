"""Demo data of 集体协商 for the demo county: a 2025 salary survey with synthetic, anonymised
returns (log-normal pay), the wage guideline, an expert pool, the town guide, and negotiation cases
at different stages (one with a missed reply deadline). The booklet itself is left for the user
(or the browser test) to compute and publish from the survey round's page.
"""

import math
import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from gonghui.bargaining.models import (
    DEFAULT_LEVELS,
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
from gonghui.orgs.models import Enterprise, UnionOrg

YEAR = 2025
MAX_ENTERPRISES = 240
MAX_ROWS_PER_ENTERPRISE = 30

# (occupation code, position level, median monthly pay in yuan, share of staff)
POSTS = [
    ("1-06-01-02", "中层管理", 9000, 0.05),
    ("2-02-07-01", "专业技术人员", 7600, 0.06),
    ("2-02-07-02", "专业技术人员", 7000, 0.06),
    ("3-01-01-01", "职能人员", 5000, 0.08),
    ("3-01-02-02", "职能人员", 5200, 0.03),
    ("4-01-02-01", "服务人员", 5200, 0.06),
    ("4-01-02-03", "服务人员", 3900, 0.06),
    ("4-03-02-01", "服务人员", 4300, 0.04),
    ("4-02-02-02", "服务人员", 5600, 0.05),
    ("6-18-01-01", "生产操作人员", 5200, 0.12),
    ("6-18-01-02", "生产操作人员", 5100, 0.09),
    ("6-31-01-02", "生产操作人员", 5400, 0.10),
    ("6-31-01-03", "生产操作人员", 5600, 0.10),
    ("6-28-01-01", "生产操作人员", 5000, 0.10),
]
SERVICE_DIVISIONS = {"51", "52", "53", "54", "59", "61", "62"}


def _say(progress, text):
    if progress:
        progress(text)


def synthetic_rows(rng, n, division, enterprise_factor):
    """`n` anonymised rows for an enterprise: posts by its kind, log-normal pay around the post's
    median times the enterprise's own pay level."""
    posts = [p for p in POSTS if (p[1] != "生产操作人员") or division not in SERVICE_DIVISIONS]
    weights = [p[3] * (3 if division in SERVICE_DIVISIONS and p[1] == "服务人员" else 1) for p in posts]
    rows = []
    for i in range(n):
        code, level, median, _ = rng.choices(posts, weights)[0]
        monthly = median * enterprise_factor * math.exp(rng.gauss(0, 0.22))
        base = round(monthly * 0.78)
        allow = round(monthly * 0.10)
        over = round(monthly * 0.12) if level == "生产操作人员" else 0
        bonus = round(monthly * rng.uniform(0.5, 2.0))
        rows.append(
            EmployeeRow(
                line=i + 2,
                occupation_id=code,
                level=level,
                education=rng.choice(["senior", "senior", "college", "bachelor"]),
                monthly_base_pay=Decimal(base),
                monthly_allowances=Decimal(allow),
                monthly_overtime_pay=Decimal(over),
                annual_bonus=Decimal(bonus),
                annual_total_pay=Decimal((base + allow + over) * 12 + bonus),
                weekly_hours=Decimal("44") if level == "生产操作人员" else Decimal("40"),
            )
        )
    return rows


@transaction.atomic
def load_demo(progress=None, seed=2025):
    """Idempotent: does nothing if the demo survey round is there already."""
    county = UnionOrg.objects.filter(kind=UnionOrg.Kind.COUNTY_FEDERATION, parent=None).order_by("pk").first()
    if county is None or SurveyRound.objects.filter(scope_union=county, year=YEAR).exists():
        return False
    rng = random.Random(seed)
    User = get_user_model()
    admin = User.objects.filter(username="county_admin").first()

    _say(progress, "集体协商：生成工资调查和企业调查表…")
    rnd = SurveyRound.objects.create(
        year=YEAR,
        title=f"{YEAR}年{county.name}职工薪酬调查",
        scope_union=county,
        reference_month=date(YEAR, 6, 1),
        min_wage=Decimal("2280"),
        levels=list(DEFAULT_LEVELS),
    )
    WageGuideline.objects.create(
        year=YEAR,
        scope_union=county,
        baseline=Decimal("6.0"),
        upper=Decimal("9.0"),
        lower=Decimal("3.0"),
        source="（演示）盐城市人力资源和社会保障局 2025 年企业工资指导线",
    )
    chair = User.objects.filter(username="chair").select_related("org").first()
    chosen = list(
        Enterprise.objects.filter(headcount__gte=12)
        .order_by("pk")
        .values_list("pk", flat=True)[:MAX_ENTERPRISES]
    )
    own = getattr(getattr(chair, "org", None), "enterprise_id", None)
    if own and own not in chosen:
        chosen.append(own)
    enterprises = Enterprise.objects.in_bulk(chosen)
    returns = []
    for pk in chosen:
        e = enterprises[pk]
        returns.append(
            EnterpriseReturn(
                round=rnd,
                enterprise=e,
                industry_id=e.industry_id,
                town_id=e.town_id,
                headcount=e.headcount,
                paid_leave_days=rng.choice([5, 5, 7, 10]),
                supplementary_medical=rng.random() < 0.3,
                enterprise_annuity=rng.random() < 0.1,
                meal_allowance=Decimal(rng.choice([0, 200, 300, 400])),
                transport_allowance=Decimal(rng.choice([0, 0, 100, 200])),
                housing_allowance=Decimal(rng.choice([0, 0, 0, 300])),
                high_temperature_allowance=Decimal(rng.choice([0, 300, 300])),
                status=EnterpriseReturn.Status.ACCEPTED,
                uploaded_by=admin,
            )
        )
    EnterpriseReturn.objects.bulk_create(returns)
    rows = []
    for ret in returns:
        n = min(ret.headcount, MAX_ROWS_PER_ENTERPRISE)
        # The chair's own enterprise pays a little under the market: the comparison page shows it.
        factor = 0.85 if ret.enterprise_id == own else rng.uniform(0.85, 1.2)
        for row in synthetic_rows(rng, n, ret.industry_id[:2], factor):
            row.ret = ret
            rows.append(row)
        ret.employee_count = n
    EmployeeRow.objects.bulk_create(rows, batch_size=2000)
    EnterpriseReturn.objects.bulk_update(returns, ["employee_count"])

    _say(progress, "集体协商：生成专家库、指导员和协商案例…")
    for name, org, speciality in [
        ("王立新", "盐城师范学院商学院", "劳动经济、工资分配"),
        ("陈静", "江苏某律师事务所", "劳动法、集体合同"),
        ("刘洪", "县人社局退休干部", "工资指导线、劳动定额"),
    ]:
        Expert.objects.create(union=county, name=name, organisation=org, speciality=speciality)
    guide = User.objects.filter(username="guide").select_related("org").first()
    towns = list(UnionOrg.objects.filter(kind=UnionOrg.Kind.TOWN_UNION).order_by("pk")[:3])
    for i, town in enumerate(towns):
        TownGuide.objects.create(
            town_union=town,
            guide=guide if guide and guide.org_id == town.pk else None,
            name=guide.display_name if guide and guide.org_id == town.pk else f"指导员{i + 1}",
            since=date(2024, 1, 1),
        )
    town = guide.org if guide and guide.org else towns[0]
    in_town = list(Enterprise.objects.filter(union__path__startswith=town.path).order_by("-headcount")[:3])
    today = date.today()
    cases = []
    if in_town:
        e = in_town[0]
        overdue = NegotiationCase.objects.create(
            title=f"{e.name}{today.year}年工资专项集体协商",
            union=e.union,
            enterprise=e,
            guide=guide,
            offer_by=NegotiationCase.Party.WORKERS,
            offer_on=today - timedelta(days=40),
            stage=NegotiationCase.Stage.OFFERED,
            proposed_increase=Decimal("7.5"),
            cpi_change=Decimal("0.2"),
            productivity_change=Decimal("5.1"),
            profit_change=Decimal("3.4"),
            labour_cost_share=Decimal("18.0"),
            notes="企业方逾期未书面回应要约，指导员已上门督促。",
        )
        cases.append(overdue)
    if len(in_town) > 1:
        e = in_town[1]
        signed = NegotiationCase.objects.create(
            title=f"{e.name}{today.year}年工资专项集体协商",
            union=e.union,
            enterprise=e,
            guide=guide,
            offer_by=NegotiationCase.Party.WORKERS,
            offer_on=today - timedelta(days=90),
            reply_on=today - timedelta(days=80),
            draft_signed_on=today - timedelta(days=40),
            congress_on=today - timedelta(days=35),
            congress_total=60,
            congress_present=52,
            congress_for=47,
            signed_on=today - timedelta(days=30),
            filed_on=today - timedelta(days=25),
            term_years=2,
            stage=NegotiationCase.Stage.FILED,
            proposed_increase=Decimal("8.0"),
            agreed_increase=Decimal("6.5"),
            cpi_change=Decimal("0.2"),
        )
        for j, (side, name) in enumerate(
            [
                ("workers", "孙建国"),
                ("workers", "周丽"),
                ("workers", "吴强"),
                ("employer", "郑总"),
                ("employer", "冯经理"),
                ("employer", "何会计"),
            ]
        ):
            Representative.objects.create(case=signed, side=side, name=name, is_chief=j in (0, 3))
        Meeting.objects.create(
            case=signed,
            held_on=today - timedelta(days=70),
            place="企业会议室",
            minutes="职工方依据薪酬参考信息提出增资 8%；企业方提出 5%。",
            outcome="约定下次会议前企业提供人工成本数据",
        )
        Meeting.objects.create(
            case=signed,
            held_on=today - timedelta(days=50),
            place="企业会议室",
            minutes="双方同意一线岗位增资 6.5%，高温津贴按标准发放。",
            outcome="形成集体合同草案",
        )
        cases.append(signed)
    NegotiationCase.objects.create(
        title=f"{town.name}{today.year}年区域性工资集体协商",
        kind=NegotiationCase.Kind.REGIONAL,
        union=town,
        employer_side=f"{town.name}企业联合会",
        guide=guide,
    )
    for c in cases:
        GuidanceVisit.objects.create(
            union=town,
            case=c,
            enterprise=c.enterprise,
            visited_on=today - timedelta(days=20),
            visitor=guide.display_name if guide else "指导员",
            content="讲解《集体合同规定》程序和期限，提供本行业薪酬参考数据。",
        )
    _say(progress, f"集体协商：{len(returns)} 家企业调查表、{len(rows)} 条职工工资记录。")
    return True
