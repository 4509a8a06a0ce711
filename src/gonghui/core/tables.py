"""Column definitions shared by list pages and Excel exports, so both show the same (masked) values."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Column:
    label: str
    accessor: str | Callable[[Any], Any]
    link: bool = False
    # For personal data: a function giving the masked value, used unless the user may see it whole.
    mask: Callable[[Any], str] | None = None
    orderable: str | None = None

    def raw(self, obj):
        if callable(self.accessor):
            return self.accessor(obj)
        value = obj
        for part in self.accessor.split("."):
            value = getattr(value, part, None)
            if value is None:
                return ""
        display = getattr(obj, f"get_{self.accessor}_display", None) if "." not in self.accessor else None
        return display() if callable(display) else value

    def value(self, obj, can_see_pii=False):
        value = self.raw(obj)
        if self.mask is not None and not can_see_pii:
            return self.mask(value)
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, datetime):  # stored in UTC: shown (and exported) in Beijing time
            return local_minute(value)
        return "" if value is None else value


def local_minute(moment):
    """A stored time as users read it: local time (Asia/Shanghai) to the minute."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def can_see_pii(user):
    return user.has_perm("orgs.view_pii")
