"""The holiday arrangements a federation records (OfficialDay), read by every deadline in the platform.

Writes are for accounts that govern the whole tree (the county federation) holding the model
permission; everyone signed in may read. ``overrides()`` is what the hotline's clocks and the
bargaining deadlines consult; it is cached per process for ``CACHE_SECONDS`` (a recorded notice
takes effect everywhere within that time) because intake computes deadlines on every request.
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gonghui.core import audit, holidays
from gonghui.core.models import AuditEntry, OfficialDay
from gonghui.core.scoping import require_perm, sees_every_union

CACHE_SECONDS = 60
_cache: dict = {"at": -1e9, "value": {}}


def overrides() -> dict[dt.date, bool]:
    """Recorded days: date → is a working day."""
    now = time.monotonic()
    if now - _cache["at"] > CACHE_SECONDS:
        _cache["value"] = {
            d: kind == OfficialDay.Kind.WORKDAY for d, kind in OfficialDay.objects.values_list("date", "kind")
        }
        _cache["at"] = now
    return _cache["value"]


def forget_cache() -> None:
    _cache["at"] = -1e9


def _require_writer(user, action):
    require_perm(user, OfficialDay, action)
    if not (user.is_superuser or sees_every_union(user)):
        raise PermissionDenied("节假日安排由县（市、区）总工会统一录入。")


def record_arrangement(user, arrangement: holidays.Arrangement, source: str = "") -> list[OfficialDay]:
    """Record one holiday of a notice (its rest days and make-up working days), in one transaction.

    A day recorded before is overwritten (audited as a change), so correcting a typo is entering
    the arrangement again.
    """
    _require_writer(user, "add")
    errors = holidays.check_arrangement(arrangement)
    if errors:
        raise ValidationError(errors)
    saved = []
    with transaction.atomic(), audit.bulk():
        for day, is_workday in arrangement.days():
            kind = OfficialDay.Kind.WORKDAY if is_workday else OfficialDay.Kind.HOLIDAY
            obj = OfficialDay.objects.select_for_update().filter(date=day).first()
            if obj is None:
                obj = OfficialDay(date=day, kind=kind, name=arrangement.name.strip(), source=source)
                obj.full_clean()
                obj.save()
                audit.record(user, AuditEntry.Action.CREATE, obj)
            else:
                before = audit.snapshot(obj)
                obj.kind, obj.name, obj.source = kind, arrangement.name.strip(), source
                obj.full_clean()
                obj.save()
                changes = audit.diff(before, audit.snapshot(obj))
                if changes:
                    audit.record(user, AuditEntry.Action.UPDATE, obj, changes=changes)
            saved.append(obj)
    forget_cache()
    return saved


def delete_day(user, obj: OfficialDay) -> None:
    _require_writer(user, "delete")
    with transaction.atomic():
        audit.record(
            user,
            AuditEntry.Action.DELETE,
            obj,
            changes={k: [v, None] for k, v in audit.snapshot(obj).items()},
        )
        obj.delete()
    forget_cache()


def year_calendar(year: int) -> list[dict]:
    """Every holiday and make-up working day of ``year``, recorded ones first in authority."""
    recorded = {o.date: o for o in OfficialDay.objects.filter(date__year=year)}
    rows = {}
    for day, is_workday, name in holidays.package_days(year):
        rows[day] = {
            "date": day,
            "is_workday": is_workday,
            "name": name,
            "source": "chinese_calendar",
            "obj": None,
        }
    for day, obj in recorded.items():
        rows[day] = {
            "date": day,
            "is_workday": obj.is_workday,
            "name": obj.name,
            "source": obj.source or "本会录入",
            "obj": obj,
        }
    return [rows[d] for d in sorted(rows)]
