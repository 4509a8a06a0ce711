"""Jurisdiction: the one place that decides which rows an account may see.

Every account belongs to a union org and sees that org's subtree. Union orgs carry a materialised
path ("/1/5/12/"), so "in the subtree" is a prefix match that any index serves. A scoped model says
where its owning union is (`scope_union_field`, a lookup path to a UnionOrg) and, if workers may see
their own rows, how a row leads to the worker's account (`scope_worker_field`).
Services, pages, the API, search and exports all start from `scoped()`, so they cannot drift apart.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404


def user_root_path(user):
    org = getattr(user, "org", None)
    return org.path if org is not None else None


def is_worker(user):
    return getattr(user, "role", None) == "worker"


def sees_every_union(user):
    """True when the user's subtree holds every union (the county federation at the root).

    Remembered on the user object, which lives for one request.
    """
    cached = getattr(user, "_gonghui_sees_every_union", None)
    if cached is None:
        from gonghui.orgs.models import UnionOrg

        path = user_root_path(user)
        cached = path is not None and not UnionOrg.objects.exclude(path__startswith=path).exists()
        user._gonghui_sees_every_union = cached
    return cached


def _owner_never_null(model, field):
    """True when every foreign key on the way from `model` to its owning union is NOT NULL."""
    for name in field.split("__"):
        f = model._meta.get_field(name)
        if f.null:
            return False
        model = f.related_model
    return True


def scoped(queryset, user):
    """Rows of `queryset` inside the user's jurisdiction (none for anonymous users).

    When the subtree is the whole tree the path filter would keep every row that has an owning
    union, so it is replaced by that plain condition: same rows, no join to the union tree (which
    dominated the hotline's list on millions of tickets).
    """
    model = queryset.model
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_superuser:
        return queryset
    if is_worker(user):
        field = getattr(model, "scope_worker_field", None)
        if field is None:
            return queryset.none()
        return queryset.filter(**{field: user})
    path = user_root_path(user)
    if path is None:
        return queryset.none()
    field = model.scope_union_field
    if sees_every_union(user):
        if not field or _owner_never_null(model, field):
            return queryset  # an extra IS NOT NULL would only cost the planner its covering index
        return queryset.filter(**{f"{field}__isnull": False})
    lookup = "path__startswith" if not field else f"{field}__path__startswith"
    return queryset.filter(**{lookup: path})


def require_perm(user, model, action):
    """Raise PermissionDenied unless the user's role grants `action` (view/add/change/delete) on model."""
    perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
    if not user.has_perm(perm):
        raise PermissionDenied(f"没有权限：{perm}")


def get_scoped(user, model, pk, action="view"):
    """One object by key: 403 without the permission, 404 outside the jurisdiction."""
    require_perm(user, model, action)
    try:
        return scoped(model.objects.all(), user).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到该对象，或不在您的管辖范围内。") from exc


def check_in_scope(user, union):
    """A write may only place things under unions the user governs."""
    if user.is_superuser:
        return
    path = user_root_path(user)
    if union is None or path is None or not union.path.startswith(path) or is_worker(user):
        raise PermissionDenied("该工会组织不在您的管辖范围内。")
