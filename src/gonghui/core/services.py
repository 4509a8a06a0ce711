"""The write path every app's services share: permission, jurisdiction, validation, one transaction, audit."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from gonghui.core import audit
from gonghui.core.models import AuditEntry
from gonghui.core.scoping import check_in_scope, require_perm


def _owning_union(obj, *, placing=False):
    """The union whose jurisdiction decides whether a write to `obj` is allowed.

    A union org is judged by its parent when it is being placed (created), by itself afterwards.
    """
    field = type(obj).scope_union_field
    if field == "":
        return obj.parent if placing else obj
    target = obj
    for part in field.split("__"):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def _apply(obj, data):
    for name, value in data.items():
        setattr(obj, name, value)


def create_object(user, model, data, *, after_save=None):
    require_perm(user, model, "add")
    obj = model()
    _apply(obj, data)
    check_in_scope(user, _owning_union(obj, placing=True))
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        if after_save:
            after_save(obj)
        audit.record(user, AuditEntry.Action.CREATE, obj)
    return obj


def update_object(user, obj, data, *, after_save=None):
    """`obj` must have been fetched through the scoped queryset; a move must stay inside the scope."""
    model = type(obj)
    require_perm(user, model, "change")
    check_in_scope(user, _owning_union(obj))
    before = audit.snapshot(obj)
    _apply(obj, data)
    check_in_scope(user, _owning_union(obj))
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        if after_save:
            after_save(obj)
        entry_changes = audit.diff(before, audit.snapshot(obj))
        if entry_changes:
            audit.record(user, AuditEntry.Action.UPDATE, obj, changes=entry_changes)
    return obj


def delete_object(user, obj):
    model = type(obj)
    require_perm(user, model, "delete")
    check_in_scope(user, _owning_union(obj))
    with transaction.atomic():
        before = audit.snapshot(obj)
        parent = obj.audit_parent() if hasattr(obj, "audit_parent") else None
        audit.record(
            user,
            AuditEntry.Action.DELETE,
            obj,
            parent=parent,
            changes={k: [v, None] for k, v in before.items()},
        )
        try:
            obj.delete()
        except (ProtectedError, RestrictedError) as exc:
            raise ValidationError("该对象仍被其他记录引用，不能删除。") from exc
