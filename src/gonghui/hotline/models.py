"""Tables of the worker hotline (接诉即办 → 未诉先办).

A ticket stores its three clocks' deadlines and the times they were met, so the three rates are
plain aggregations. Tickets are scoped by the union currently holding them (`handling_union`: the
intake union until dispatch, then the union responsible by jurisdiction) and, for workers, by the
account that filed them.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gonghui.core import codes
from gonghui.core.pii import EncryptedCharField, blind_index
from gonghui.hotline import sla


class RequestType(models.TextChoices):
    CONSULT = "问题咨询", _("问题咨询")
    HELP = "服务帮扶", _("服务帮扶")
    COMPLAINT = "信访投诉", _("信访投诉")
    LEGAL = "法律援助", _("法律援助")
    SUGGESTION = "意见建议", _("意见建议")


class Priority(models.TextChoices):
    URGENT = "紧急", _("紧急")
    NORMAL = "一般", _("一般")
    COMPLEX = "复杂", _("复杂")


class Clock(models.TextChoices):
    RESPONSE = "response", _("签收响应")
    FEEDBACK = "feedback", _("进展反馈")
    RESOLUTION = "resolution", _("办结")


class TopicCategory(models.Model):
    """One node of the three-level topic taxonomy, edited by the federation."""

    scope_union_field = "owner"

    owner = models.ForeignKey(
        "orgs.UnionOrg", verbose_name=_("维护单位"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("级别"), default=1, editable=False)
    path = models.CharField(_("完整路径"), max_length=200, editable=False, db_index=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["owner", "path"], name="hotline_topic_unique_path")]

    def __str__(self):
        return self.path or self.name

    def get_absolute_url(self):
        return reverse("hotline:topic_detail", args=[self.pk])

    def compute_path(self):
        return f"{self.parent.path}/{self.name}" if self.parent_id else self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.parent_id:
            if self.parent.level >= 3:
                raise ValidationError({"parent": "诉求分类最多三级。"})
            if self.pk and (self.parent.path + "/").startswith(self.path + "/"):
                raise ValidationError({"parent": "上级分类不能是本分类或其下级。"})
        self.level = self.parent.level + 1 if self.parent_id else 1
        self.path = self.compute_path()


class TimeLimitRule(models.Model):
    """An editable time limit; more specific rules win (see sla.SlaPolicy). Defaults: sla.DEFAULT_RULES."""

    scope_union_field = "owner"

    owner = models.ForeignKey(
        "orgs.UnionOrg", verbose_name=_("制定单位"), on_delete=models.PROTECT, related_name="+"
    )
    clock = models.CharField(_("时限类型"), max_length=12, choices=Clock.choices)
    request_type = models.CharField(_("诉求类型"), max_length=8, choices=RequestType.choices, blank=True)
    topic = models.ForeignKey(
        TopicCategory, verbose_name=_("诉求分类"), null=True, blank=True, on_delete=models.CASCADE
    )
    priority = models.CharField(_("紧急程度"), max_length=4, choices=Priority.choices, blank=True)
    amount = models.DecimalField(_("时限"), max_digits=6, decimal_places=1)
    unit = models.CharField(
        _("单位"), max_length=10, choices=[(u, sla.UNIT_LABELS[u]) for u in sla.UNITS], default="hours"
    )

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ["clock", "request_type", "priority", "id"]

    def __str__(self):
        scope = " / ".join(x for x in (self.request_type, self.topic and self.topic.path, self.priority) if x)
        limit = sla.Limit(float(self.amount), self.unit).label
        return f"{self.owner}·{self.get_clock_display()}：{scope or '全部'} {limit}"

    def get_absolute_url(self):
        return reverse("hotline:timelimit_detail", args=[self.pk])

    def clean(self):
        from django.core.exceptions import ValidationError

        try:
            sla.Limit(float(self.amount or 0), self.unit)
        except ValueError as exc:
            raise ValidationError({"amount": "时限必须为正数，按工作日计时须为整数。"}) from exc

    def as_rule(self):
        rule = {"clock": self.clock, "amount": float(self.amount), "unit": self.unit}
        if self.request_type:
            rule["request_type"] = self.request_type
        if self.topic_id:
            rule["topic"] = self.topic.path
        if self.priority:
            rule["priority"] = self.priority
        return rule


class HandlerAvailability(models.Model):
    """A handler of a union who takes dispatched tickets (load-balanced among the available ones)."""

    scope_union_field = "union"

    union = models.ForeignKey("orgs.UnionOrg", verbose_name=_("所在工会"), on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), on_delete=models.CASCADE)
    available = models.BooleanField(_("在岗可派单"), default=True)

    class Meta:
        verbose_name = _("承办人")
        verbose_name_plural = _("承办人")
        ordering = ["union", "id"]
        constraints = [models.UniqueConstraint(fields=["union", "user"], name="hotline_handler_unique")]

    def __str__(self):
        return f"{self.user}（{self.union}）"

    def get_absolute_url(self):
        return reverse("hotline:handler_detail", args=[self.pk])


class TicketSequence(models.Model):
    """The last ticket number handed out on a day: one row per day, incremented under a row lock."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.last}"


class Ticket(models.Model):
    scope_union_field = "handling_union"
    scope_worker_field = "worker"
    audit_masked_fields = {"phone": codes.mask_phone}
    audit_skip_fields = ("phone_hash", "pauses")

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        WEB = "web", _("网上")
        PROACTIVE = "proactive", _("主动治理")

    class Status(models.TextChoices):
        INTAKE = "intake", _("待派单")
        CLOSED_AT_INTAKE = "closed_intake", _("当场办结")
        DISPATCHED = "dispatched", _("待签收")
        RETURNED = "returned", _("已退单")
        SIGNED = "signed", _("办理中")
        PAUSED = "paused", _("暂停")
        REPLIED = "replied", _("待回访")
        CLOSED = "closed", _("已办结")
        MERGED = "merged", _("已合并")

    class CallbackResult(models.TextChoices):
        SATISFIED = "满意", _("满意")
        BASIC = "基本满意", _("基本满意")
        UNSATISFIED = "不满意", _("不满意")

    OPEN_STATUSES = (Status.DISPATCHED, Status.SIGNED, Status.PAUSED)

    number = models.CharField(_("工单号"), max_length=16, unique=True, editable=False)
    channel = models.CharField(_("来源"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    phone = EncryptedCharField(_("来电号码"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    content = models.TextField(_("诉求内容"), max_length=4000)
    request_type = models.CharField(
        _("诉求类型"), max_length=8, choices=RequestType.choices, default=RequestType.HELP
    )
    topic = models.ForeignKey(
        TopicCategory, verbose_name=_("诉求分类"), null=True, blank=True, on_delete=models.PROTECT
    )
    topic_path = models.CharField(_("分类路径"), max_length=200, blank=True, editable=False)
    priority = models.CharField(
        _("紧急程度"), max_length=4, choices=Priority.choices, default=Priority.NORMAL
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise", verbose_name=_("涉及企业"), null=True, blank=True, on_delete=models.PROTECT
    )
    enterprise_name = models.CharField(_("企业名称（来电所述）"), max_length=100, blank=True)
    town = models.ForeignKey(
        "orgs.Region", verbose_name=_("所在镇街"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.INTAKE)
    intake_union = models.ForeignKey(
        "orgs.UnionOrg", verbose_name=_("受理单位"), on_delete=models.PROTECT, related_name="+"
    )
    handling_union = models.ForeignKey(
        "orgs.UnionOrg", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="hotline_tickets"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hotline_handled",
    )
    handler_locked = models.BooleanField(_("已锁定承办人"), default=False)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("职工账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hotline_filed",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    source_alert = models.ForeignKey(
        "WarningAlert",
        verbose_name=_("预警来源"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    return_reason = models.CharField(_("退单理由"), max_length=500, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    intake_answer = models.TextField(_("当场答复"), blank=True)
    # clocks: starts, achieved times, deadlines
    created_at = models.DateTimeField(_("受理时间"), db_index=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    first_feedback_at = models.DateTimeField(_("首次反馈时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    response_due = models.DateTimeField(_("签收时限"), null=True, blank=True)
    feedback_due = models.DateTimeField(_("反馈时限"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("办结时限"), null=True, blank=True)
    pauses = models.JSONField(_("暂停区间"), default=list, blank=True)
    extended_limits = models.JSONField(_("延期后的时限"), default=dict, blank=True)
    overdue = models.BooleanField(_("已超时"), default=False)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    # call-back
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_result = models.CharField(
        _("回访评价"), max_length=4, choices=CallbackResult.choices, blank=True
    )
    callback_resolved = models.BooleanField(_("职工认为已解决"), null=True, blank=True)
    callback_comment = models.CharField(_("回访意见"), max_length=1000, blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("热线工单")
        verbose_name_plural = _("热线工单")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("supervise_ticket", "可督办工单、审批延期"),
            ("callback_ticket", "可回访工单"),
            ("view_rates", "可查看三率考核"),
            ("export_data", "可导出热线数据"),
        ]
        indexes = [
            models.Index(fields=["handling_union", "-created_at"], name="hotline_tk_union_created"),
            # The list is ordered by (-created_at, -id): with the id in the index, the page's keys
            # (and the paginator's look-ahead) are read from the index alone, whatever the offset.
            models.Index(fields=["status", "-created_at", "-id"], name="hotline_tk_status_created_id"),
            models.Index(
                fields=["request_type", "status", "-created_at", "-id"], name="hotline_tk_type_status_crt_id"
            ),
            # The three rates aggregate one month of deadlines / call-backs per union or town: these
            # carry every column those aggregates read, so they are index-only scans (reports.py).
            models.Index(
                fields=["response_due"],
                include=["handling_union", "town", "status", "dispatched_at", "signed_at"],
                name="hotline_tk_response_due_cov",
            ),
            models.Index(
                fields=["resolution_due"],
                include=["handling_union", "town", "status", "dispatched_at", "resolved_at"],
                name="hotline_tk_resolution_due_cov",
            ),
            models.Index(
                fields=["callback_at"],
                include=["handling_union", "town", "status", "callback_result", "callback_resolved"],
                name="hotline_tk_callback_at_cov",
            ),
            models.Index(fields=["enterprise", "created_at"], name="hotline_tk_ent_created"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.fill_derived_fields()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("hotline:ticket_detail", args=[self.pk])

    def fill_derived_fields(self):
        """The columns computed from others, set before every write (also where a new ticket is
        inserted with its timeline in one query, without save())."""
        self.phone_hash = blind_index(self.phone) if self.phone else ""
        self.topic_path = self.topic.path if self.topic_id else ""

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def is_paused(self):
        return bool(self.pauses) and self.pauses[-1][1] is None

    def sla_record(self):
        """The ticket as sla.ticket_clocks reads it."""
        from django.utils.dateparse import parse_datetime

        return {
            "request_type": self.request_type,
            "topic": (self.topic.path if self.topic_id else self.topic_path) or None,
            "priority": self.priority,
            "created_at": self.created_at,
            "dispatched_at": self.dispatched_at,
            "signed_at": self.signed_at,
            "first_feedback_at": self.first_feedback_at,
            "resolved_at": self.resolved_at,
            "pauses": [(parse_datetime(a), parse_datetime(b) if b else None) for a, b in self.pauses],
            "extended_limits": self.extended_limits,
        }


class TicketEvent(models.Model):
    """The ticket's timeline: every step of its life, shown on the ticket page."""

    scope_union_field = "ticket__handling_union"

    class Kind(models.TextChoices):
        INTAKE = "intake", _("受理")
        CLOSE_AT_INTAKE = "close_intake", _("当场办结")
        DISPATCH = "dispatch", _("派单")
        RETURN = "return", _("退单")
        SIGN = "sign", _("签收")
        FEEDBACK = "feedback", _("进展反馈")
        PAUSE = "pause", _("暂停计时")
        RESUME = "resume", _("恢复计时")
        EXTENSION_REQUEST = "ext_request", _("申请延期")
        EXTENSION_DECISION = "ext_decision", _("延期审批")
        REPLY = "reply", _("答复办结")
        CALLBACK = "callback", _("回访")
        REOPEN = "reopen", _("重新办理")
        CLOSE = "close", _("结案")
        MERGE = "merge", _("合并")
        ESCALATE = "escalate", _("超时督办")
        EDIT = "edit", _("修改")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("环节"), max_length=14, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    union = models.ForeignKey(
        "orgs.UnionOrg",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("工单流转记录")
        verbose_name_plural = _("工单流转记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.ticket_id} {self.get_kind_display()}"


class ExtensionRequest(models.Model):
    """A handler asks for more time on one clock; a supervisor approves or refuses."""

    scope_union_field = "ticket__handling_union"

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="extensions"
    )
    clock = models.CharField(_("时限类型"), max_length=12, choices=Clock.choices, default=Clock.RESOLUTION)
    amount = models.DecimalField(_("延期后时限"), max_digits=6, decimal_places=1)
    unit = models.CharField(
        _("单位"), max_length=10, choices=[(u, sla.UNIT_LABELS[u]) for u in sla.UNITS], default="workdays"
    )
    reason = models.CharField(_("延期理由"), max_length=500)
    state = models.CharField(_("审批状态"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.ticket} {self.get_clock_display()}延期"


class CallbackLink(models.Model):
    """A one-use, expiring link the worker opens without logging in to rate the handling."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callback_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"回访链接 {self.ticket_id}"


class WarningAlert(models.Model):
    """One early-warning alert of the daily detector; its proactive task is a Ticket (source_alert)."""

    scope_union_field = "union"

    union = models.ForeignKey("orgs.UnionOrg", verbose_name=_("负责单位"), on_delete=models.PROTECT)
    as_of = models.DateField(_("预警日期"), db_index=True)
    kind = models.CharField(_("维度"), max_length=12)
    key = models.CharField(_("对象"), max_length=200)
    title = models.CharField(_("预警"), max_length=200)
    explanation = models.TextField(_("说明"))
    severity = models.CharField(_("等级"), max_length=2)
    observed = models.FloatField(_("观测件数"))
    expected = models.FloatField(_("预期件数"))
    p_value = models.FloatField(_("显著性"))
    data = models.JSONField(default=dict)
    evidence = models.ManyToManyField(Ticket, verbose_name=_("相关工单"), related_name="warnings", blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-as_of", "-p_value"]
        constraints = [
            models.UniqueConstraint(fields=["as_of", "kind", "key"], name="hotline_alert_unique_day_key")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("hotline:alert_detail", args=[self.pk])


class MonthlyTheme(models.Model):
    """每月一题: a monthly theme of 2–3 shared problems, assigned and judged by the month-on-month fall."""

    scope_union_field = "union"

    union = models.ForeignKey("orgs.UnionOrg", verbose_name=_("牵头单位"), on_delete=models.PROTECT)
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    title = models.CharField(_("主题"), max_length=100)
    problems = models.JSONField(_("问题"), default=list, help_text=_("[{'topic': ..., 'town': ...}]"))
    note = models.TextField(_("措施"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("每月一题")
        verbose_name_plural = _("每月一题")
        ordering = ["-month", "id"]

    def __str__(self):
        return f"{self.month:%Y年%m月}：{self.title}"

    def get_absolute_url(self):
        return reverse("hotline:theme_detail", args=[self.pk])


class RateSettings(models.Model):
    """Which formula each rate uses (rates.RateConfig), per federation; the latest row applies."""

    scope_union_field = "owner"

    owner = models.ForeignKey("orgs.UnionOrg", verbose_name=_("制定单位"), on_delete=models.PROTECT)
    response = models.CharField(_("响应率口径"), max_length=40, default="ontime_sign_due")
    resolution = models.CharField(_("解决率口径"), max_length=40, default="ontime_close_due")
    satisfaction = models.CharField(_("满意率口径"), max_length=40, default="weighted")
    basic_weight = models.FloatField(_("“基本满意”权重"), default=0.9)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("三率口径")
        verbose_name_plural = _("三率口径")

    def __str__(self):
        return f"{self.response} / {self.resolution} / {self.satisfaction}"

    def config(self):
        from gonghui.hotline import rates

        return rates.RateConfig(
            response=self.response,
            resolution=self.resolution,
            satisfaction=self.satisfaction,
            satisfaction_weights={"满意": 1.0, "基本满意": self.basic_weight, "不满意": 0.0},
        )


class ScheduledRun(models.Model):
    """One run of a daily job (hotline/schedule.py) for one day: claimed by exactly one scheduler.

    The (job, day) pair is unique, so two schedulers started together, or one restarted during the
    day, never run a job twice for a day; a failed run is retried a few times, and a run whose
    scheduler died is taken over once it is older than ``schedule.STALE_AFTER``.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    job = models.CharField(_("任务"), max_length=40)
    day = models.DateField(_("日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=1)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    claimed_by = models.CharField(_("执行进程"), max_length=100, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("定时任务运行记录")
        verbose_name_plural = _("定时任务运行记录")
        ordering = ["-day", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="hotline_scheduled_run_once")]

    def __str__(self):
        return f"{self.job} {self.day} {self.get_status_display()}"
