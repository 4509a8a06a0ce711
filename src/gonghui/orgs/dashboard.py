"""Figures for the county dashboard, all computed inside the viewer's jurisdiction."""

import json

from django.conf import settings
from django.db.models import Count, Q

from gonghui.core.scoping import is_worker, scoped
from gonghui.orgs.models import Enterprise, Member, UnionOrg, Venue
from gonghui.orgs.reference import DATA_DIR

MAP_POINT_LIMIT = 5000


def coverage_counts(enterprises):
    """Micro enterprises split by how they are covered: own union, joint union/federation, mentor, none."""
    micro = enterprises.filter(headcount__lt=settings.GONGHUI_MICRO_THRESHOLD)
    return micro.aggregate(
        total=Count("pk"),
        own=Count("pk", filter=Q(has_own_union=True)),
        joint=Count(
            "pk",
            filter=Q(has_own_union=False)
            & Q(union__kind__in=[UnionOrg.Kind.JOINT_UNION, UnionOrg.Kind.UNION_FEDERATION]),
        ),
        mentored=Count(
            "pk",
            filter=Q(has_own_union=False)
            & ~Q(union__kind__in=[UnionOrg.Kind.JOINT_UNION, UnionOrg.Kind.UNION_FEDERATION])
            & Q(mentor_links__active=True),
            distinct=True,
        ),
    )


def dashboard_context(user):
    if is_worker(user):  # a worker's own member record, nothing of anyone else
        return {"show_orgs": False, "my_members": list(scoped(Member.objects.select_related("union"), user))}
    if not user.has_perm("orgs.view_enterprise"):
        return {"show_orgs": False}
    t = settings.GONGHUI_MICRO_THRESHOLD
    enterprises = scoped(Enterprise.objects.all(), user)
    by_town = list(
        enterprises.values("town__code", "town__name")
        .annotate(
            micro=Count("pk", filter=Q(headcount__lt=t)),
            medium=Count("pk", filter=Q(headcount__gte=t, headcount__lt=300)),
            large=Count("pk", filter=Q(headcount__gte=300)),
            micro_own=Count("pk", filter=Q(headcount__lt=t, has_own_union=True)),
        )
        .order_by("town__code")
    )
    cov = coverage_counts(enterprises)
    covered = (cov["own"] or 0) + (cov["joint"] or 0) + (cov["mentored"] or 0)
    cov["covered"] = covered
    cov["gap"] = (cov["total"] or 0) - covered
    cov["rate"] = round(100 * covered / cov["total"], 1) if cov["total"] else 0
    points = list(
        enterprises.exclude(lng=None).values_list("name", "lng", "lat", "headcount")[:MAP_POINT_LIMIT]
    )
    venues = list(
        scoped(Venue.objects.all(), user).exclude(lng=None).values_list("name", "lng", "lat", "capacity")
    )
    outline_path = DATA_DIR / "fuining_outline.json"
    outline = json.loads(outline_path.read_text(encoding="utf-8")) if outline_path.exists() else None
    return {
        "show_orgs": True,
        "stats": {
            "enterprises": enterprises.count(),
            "unions": scoped(UnionOrg.objects.all(), user).count(),
            "members": scoped(Member.objects.all(), user).count(),
            "venues": len(venues),
        },
        "by_town": by_town,
        "coverage": cov,
        "chart_data": {
            "towns": [r["town__name"] for r in by_town],
            "micro": [r["micro"] for r in by_town],
            "medium": [r["medium"] for r in by_town],
            "large": [r["large"] for r in by_town],
            "enterprises": [[p[1], p[2], p[0], p[3]] for p in points],
            "venues": [[v[1], v[2], v[0], v[3]] for v in venues],
            "outline": outline,
        },
    }
