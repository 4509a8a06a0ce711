"""Loads the generated demo county (orgs/demogen.py) into the database, with one account per role."""

from django.contrib.auth import get_user_model
from django.db import transaction

from gonghui.core.pii import blind_index
from gonghui.orgs import demogen
from gonghui.orgs.models import Enterprise, Member, Region, UnionOrg, Venue

DEMO_PASSWORD = "gonghui-demo"
COUNTY_UNION_NAME = "阜宁县总工会"


def ensure_loaded(progress=None, seed=2026, with_apps=True):
    """Load the demo county unless it is there already; returns True if it loaded it."""
    if UnionOrg.objects.filter(name=COUNTY_UNION_NAME).exists():
        return False
    load(seed=seed, progress=progress, with_apps=with_apps)
    return True


@transaction.atomic
def load(seed=2026, progress=None, with_apps=True):
    """The county; with_apps adds each domain app's demo data (tests of orgs alone turn it off)."""
    say = progress or (lambda *_: None)
    county = demogen.generate(seed)
    regions = {r.code: r for r in Region.objects.filter(code__startswith=county.county_code)}

    say("生成工会组织…")
    unions = {}
    by_key = {u.key: u for u in county.unions}
    # Parents first: county, then towns, then the rest (generation order already respects this).
    pending = list(county.unions)
    while pending:
        batch = [u for u in pending if u.parent_key is None or u.parent_key in unions]
        objs = UnionOrg.objects.bulk_create(
            [
                UnionOrg(
                    name=u.name,
                    kind=u.kind,
                    parent=unions.get(u.parent_key),
                    region=regions[u.town_code or county.county_code],
                    chair_name=u.chair_name,
                    founded_on=u.founded,
                    model_home_level=u.model_home_level or "",
                    model_home_year=u.model_home_year,
                )
                for u in batch
            ]
        )
        for u, obj in zip(batch, objs, strict=True):
            obj.path = obj.compute_path()
            unions[u.key] = obj
        UnionOrg.objects.bulk_update(objs, ["path"])
        done = {u.key for u in batch}
        pending = [u for u in pending if u.key not in done]

    say("生成企业…")
    covering = {}
    for u in county.unions:
        if u.enterprise_key:
            covering[u.enterprise_key] = unions[u.key]
        for ek in u.covered_enterprise_keys:
            covering.setdefault(ek, unions[u.key])
    town_union = {u.town_code: unions[u.key] for u in county.unions if u.kind == "town"}
    enterprises = {}
    objs = Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=e.name,
                credit_code=e.credit_code,
                town=regions[e.town_code],
                address=e.address,
                lng=e.lng,
                lat=e.lat,
                industry_id=e.industry_code,
                headcount=e.headcount,
                has_own_union=e.has_own_union,
                union=covering.get(e.key) or town_union[e.town_code],
            )
            for e in county.enterprises
        ],
        batch_size=1000,
    )
    for e, obj in zip(county.enterprises, objs, strict=True):
        enterprises[e.key] = obj
    linked = []
    for u in county.unions:
        org = unions[u.key]
        if u.enterprise_key or u.lead_enterprise_key:
            org.enterprise = enterprises.get(u.enterprise_key) if u.enterprise_key else None
            org.lead_enterprise = enterprises.get(u.lead_enterprise_key) if u.lead_enterprise_key else None
            linked.append(org)
    UnionOrg.objects.bulk_update(linked, ["enterprise", "lead_enterprise"])

    say("生成职工之家…")
    Venue.objects.bulk_create(
        [
            Venue(
                name=v.name,
                kind=v.kind,
                owner=unions[v.owner_union_key],
                address=v.address,
                lng=v.lng,
                lat=v.lat,
                capacity=v.capacity,
                facilities="、".join(v.facilities),
            )
            for v in county.venues
        ]
    )

    say(f"生成会员 {len(county.members)} 人（身份证号、手机号加密存储）…")
    Member.objects.bulk_create(
        [
            Member(
                name=m.name,
                id_number=m.id_number,
                id_number_hash=blind_index(m.id_number),
                phone=m.phone,
                phone_hash=blind_index(m.phone) if m.phone else "",
                enterprise=enterprises.get(m.enterprise_key) if m.enterprise_key else None,
                union=unions[m.union_key],
                joined_on=m.joined,
                new_form_kind=m.new_form_kind or "",
            )
            for m in county.members
        ],
        batch_size=2000,
    )

    say("生成演示账号…")
    _accounts(county, unions, by_key)
    if with_apps:
        _load_app_demos(say)
    return county


def _load_app_demos(say):
    """Each domain app that has landed adds its own demo data on top of the county."""
    from importlib import import_module

    from django.apps import apps

    for app in ("pairing", "hotline", "bargaining"):
        if not apps.is_installed(f"gonghui.{app}"):
            continue
        try:
            module = import_module(f"gonghui.{app}.demo")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "load_demo"):
            module.load_demo(say)


def _first(county, unions, kind, town_code=None):
    for u in county.unions:
        if u.kind == kind and (town_code is None or u.town_code == town_code):
            return unions[u.key]
    return None


def _accounts(county, unions, by_key):
    User = get_user_model()
    county_org = _first(county, unions, "county")
    towns = [u for u in county.unions if u.kind == "town"]
    town_a = unions[towns[0].key]
    town_b = unions[towns[1].key] if len(towns) > 1 else town_a
    chair_org = next(
        (
            unions[u.key]
            for u in county.unions
            if u.kind == "enterprise" and u.town_code == towns[0].town_code
        ),
        town_a,
    )
    worker_member = Member.objects.filter(union=chair_org).order_by("pk").first()
    specs = [
        ("county_admin", "county_admin", county_org, "县总工会管理员", None),
        ("town_cadre", "town_cadre", town_a, f"{town_a.name}干部", None),
        ("town_cadre2", "town_cadre", town_b, f"{town_b.name}干部", None),
        ("chair", "enterprise_chair", chair_org, f"{chair_org.name}主席", None),
        ("operator", "hotline_operator", county_org, "热线话务员", None),
        ("guide", "bargaining_guide", town_a, "集体协商指导员", None),
        ("worker", "worker", chair_org, worker_member.name if worker_member else "职工", worker_member),
    ]
    for username, role, org, display, member in specs:
        user = User(username=username, role=role, org=org, display_name=display, member=member)
        user.set_password(DEMO_PASSWORD)
        user.save()
    admin = User(
        username="admin", is_superuser=True, is_staff=True, display_name="系统管理员", org=county_org
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save()


def demo_logins():
    User = get_user_model()
    return [
        (u.username, u.get_role_display() or "系统管理员", str(u.org or ""))
        for u in User.objects.filter(
            username__in=[
                "admin",
                "county_admin",
                "town_cadre",
                "town_cadre2",
                "chair",
                "operator",
                "guide",
                "worker",
            ]
        ).select_related("org")
    ]
