"""Tables the whole platform shares: the audit log."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from gonghui.core.tables import local_minute


class AuditEntry(models.Model):
    """Who changed what, when, from which values to which, grouped by request.

    `parent_*` names the object a change belongs to (a member's union, say), so that a parent's
    history page also lists its children's changes.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("新建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        IMPORT = "import", _("导入")
        EXPORT = "export", _("导出")
        ACTION = "action", _("操作")

    timestamp = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    request_id = models.CharField(_("请求编号"), max_length=32, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    parent_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    parent_object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(_("变更"), default=dict, help_text="{field: [before, after]}")
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["parent_content_type", "parent_object_id"]),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def labelled_changes(self):
        """(field label, before, after) with the model's Chinese field names, for history pages."""
        model = self.content_type.model_class()
        rows = []
        for name, pair in self.changes.items():
            label, field = name, None
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                    label = str(field.verbose_name)
                except Exception:  # noqa: BLE001 - a field removed since the entry was written
                    pass
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            before, after = readable(before, field), readable(after, field)
            if before != after:  # None → "" is no change a reader can see
                rows.append((label, before, after))
        return rows


def readable(value, field=None):
    """A stored value as a history page shows it: structured values (a plan's parameters, a
    booklet's rules) as "key：value" pairs instead of a Python dict, booleans as 是/否, and
    nothing (None, "") as None so the page prints a dash (while 0 stays 0). With the model
    field: a choice by its label (已签收, not "signed"), a time in local time to the minute."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value == "":
        return None
    if field is not None and isinstance(value, str | int):
        choices = getattr(field, "flatchoices", None)
        if choices:
            return str(dict(choices).get(value, value))
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            moment = parse_datetime(value)
            if moment is not None:
                return local_minute(moment)
    if isinstance(value, dict):
        return "；".join(f"{k}：{readable(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return "、".join(str(readable(v)) for v in value) or "—"
    return value


class OfficialDay(models.Model):
    """A day of a State Council holiday notice recorded by the federation (see core/holidays.py).

    Needed for the years the holiday package does not know yet; a recorded day wins over the package.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=40)
    source = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("如：国务院办公厅通知文号"))

    scope_union_field = None  # national reference data: everyone may read it, the county writes it

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}{self.get_kind_display()}"

    @property
    def is_workday(self):
        return self.kind == self.Kind.WORKDAY
