"""The audit trail: services call `record()` inside their transaction, after the write.

Values are stored as display strings so that history stays readable after related objects change,
and personal data is stored masked: the audit log must not become a second copy of it.
"""

import contextlib
import contextvars
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models

request_id_var = contextvars.ContextVar("gonghui_request_id", default=None)
_pending = contextvars.ContextVar("gonghui_audit_pending", default=None)


@contextlib.contextmanager
def bulk(write=None):
    """Within the block, `record()` collects its entries and they are written in one INSERT when
    the block ends without error. Use it inside the caller's transaction (so the entries commit or
    roll back with the writes they describe). Nested blocks share the outermost one's INSERT.

    With `write`, the caller writes them: `write(entries)` is called instead of the INSERT (to send
    them with its own rows in one statement); in a nested block it receives no entries."""
    if _pending.get() is not None:
        yield
        if write is not None:
            write([])
        return
    entries = []
    token = _pending.set(entries)
    try:
        yield
    finally:
        _pending.reset(token)
    if write is not None:
        write(entries)
    elif entries:
        from gonghui.core.models import AuditEntry

        AuditEntry.objects.bulk_create(entries)


def current_request_id():
    rid = request_id_var.get()
    if rid is None:
        # Outside a request (a command, a task): one id per call site is the best grouping we have.
        rid = uuid.uuid4().hex
    return rid


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)  # dates, decimals, related objects, JSON: as displayed


# A model's _meta -> the fields snapshot() reads, as (name, field): selected once per process
# (snapshots are taken two or three times per write).
_SNAPSHOT_FIELDS: dict = {}


def _snapshot_fields(opts):
    fields = _SNAPSHOT_FIELDS.get(opts)
    if fields is None:
        fields = _SNAPSHOT_FIELDS[opts] = [
            (field.name, field)
            for field in opts.concrete_fields
            # save() sets auto_now fields: they would make every no-op update look like a change
            if not field.primary_key
            and not getattr(field, "auto_now", False)
            and not getattr(field, "auto_now_add", False)
        ]
    return fields


def snapshot(obj):
    """Field values of `obj` as plain data, masking the fields a model declares as personal."""
    masked = getattr(obj, "audit_masked_fields", {})
    skipped = set(getattr(obj, "audit_skip_fields", ()))
    data = {}
    for name, field in _snapshot_fields(obj._meta):
        if name in skipped:
            continue
        if name in masked:
            data[name] = masked[name](getattr(obj, name))
            continue
        value = getattr(obj, name) if field.is_relation else field.value_from_object(obj)
        # _plain(value), inline: this loop runs for every field of every audited write
        data[name] = value if value is None or isinstance(value, (bool, int, float, str)) else str(value)
    return data


def diff(before, after):
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = [old, new]
    return changes


def record(user, action, obj, *, before=None, parent=None, note="", changes=None):
    from gonghui.core.models import AuditEntry

    if changes is None:
        after = snapshot(obj) if action != AuditEntry.Action.DELETE else {}
        changes = diff(before or {}, after)
    if parent is None and hasattr(obj, "audit_parent"):
        parent = obj.audit_parent()
    entry = AuditEntry(
        request_id=current_request_id(),
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        parent_content_type=ContentType.objects.get_for_model(parent) if parent is not None else None,
        parent_object_id=str(parent.pk) if parent is not None else "",
        changes=changes,
        note=note[:500],
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(entry)  # written by the enclosing bulk() block
    else:
        entry.save(force_insert=True)
    return entry


def history(obj):
    """The object's own entries and those of its children, newest first."""
    from gonghui.core.models import AuditEntry

    ct = ContentType.objects.get_for_model(obj)
    pk = str(obj.pk)
    return AuditEntry.objects.filter(
        models.Q(content_type=ct, object_id=pk) | models.Q(parent_content_type=ct, parent_object_id=pk)
    ).select_related("user", "content_type")
