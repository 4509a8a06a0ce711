"""大带小 pairing plans: a versioned proposal of mentor pairs and joint unions for one scope.

A plan belongs to a county or town union (`scope_union`); everything in it is scoped through it.
The plan's rows are the engine's output plus the cadre's manual changes (moves, locks, exclusions);
approval turns them into real MentorLinks and joint unions / federations in orgs.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.models import Enterprise, Region, UnionOrg


def default_params():
    """Parameters of a new plan; every key is documented in services.PARAM_HELP."""
    return {
        "max_distance_km": 15.0,
        "same_town": "preferred",
        "other_town_penalty": 500,
        "industry_penalty": [0, 150, 300, 600, 1000],
        "model_home_step": 50,
        "micro_threshold": settings.GONGHUI_MICRO_THRESHOLD,
        "own_union_threshold": 25,
        "mentor_min_headcount": 300,
        "capacity_base": 3,
        "capacity_staff_step": 300,
        "capacity_max": 10,
        "keep_existing": True,
        "joint_min_members": 3,
        "joint_max_members": 10,
        "joint_max_staff": 200,
        "joint_max_distance_km": 10.0,
        "use_federations": True,
    }


class PairingPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        RUNNING = "running", _("计算中")
        SOLVED = "solved", _("已计算")
        APPROVED = "approved", _("已批准")
        FAILED = "failed", _("计算失败")

    scope_union_field = "scope_union"

    name = models.CharField(_("方案名称"), max_length=100)
    scope_union = models.ForeignKey(
        UnionOrg,
        verbose_name=_("范围（县总或镇街工会）"),
        on_delete=models.PROTECT,
        related_name="pairing_plans",
        limit_choices_to={"kind__in": ["county", "town"]},
    )
    towns = models.ManyToManyField(
        Region,
        verbose_name=_("镇街"),
        blank=True,
        related_name="+",
        limit_choices_to={"level": Region.Level.TOWN},
        help_text=_("留空则为范围内全部镇街"),
    )
    params = models.JSONField(_("参数"), default=default_params)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_versions",
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(_("进度说明"), max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    summary = models.JSONField(_("结果摘要"), default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    solved_at = models.DateTimeField(_("计算时间"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("结对方案")
        verbose_name_plural = _("结对方案")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("run_pairingplan", "可运行结对方案"),
            ("approve_pairingplan", "可批准结对方案"),
            ("export_data", "可导出结对方案"),
        ]

    def __str__(self):
        return f"{self.name}（第 {self.version} 版）"

    def get_absolute_url(self):
        return reverse("pairing:plan_detail", args=[self.pk])

    def audit_parent(self):
        return self.scope_union

    @property
    def editable(self):
        return self.status in (self.Status.DRAFT, self.Status.SOLVED, self.Status.FAILED)


class PlannedPair(models.Model):
    """One micro enterprise mentored by one union in a plan."""

    scope_union_field = "plan__scope_union"
    audit_skip_fields = ("plan",)  # entries are filed under the plan (audit_parent)

    plan = models.ForeignKey(
        PairingPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="pairs"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("小微企业"), on_delete=models.CASCADE, related_name="+"
    )
    mentor = models.ForeignKey(
        UnionOrg, verbose_name=_("帮带工会"), on_delete=models.CASCADE, related_name="+"
    )
    cost = models.IntegerField(_("代价"), default=0)
    distance_km = models.FloatField(_("距离（公里）"), default=0)
    explanation = models.CharField(_("说明"), max_length=300, blank=True)
    locked = models.BooleanField(_("锁定"), default=False)
    manual = models.BooleanField(_("人工调整"), default=False)
    should_form_own_union = models.BooleanField(_("应单独建会"), default=False)

    class Meta:
        verbose_name = _("方案结对")
        verbose_name_plural = _("方案结对")
        ordering = ["enterprise__town_id", "enterprise__name", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "enterprise"], name="one_pair_per_enterprise")]

    def __str__(self):
        return f"{self.mentor} → {self.enterprise}"

    def audit_parent(self):
        return self.plan


class PlannedJointUnion(models.Model):
    """A proposed 联合工会 (several micro enterprises, one lead) or 工会联合会 (around a core)."""

    class Kind(models.TextChoices):
        JOINT = "joint", _("联合工会")
        FEDERATION = "federation", _("工会联合会")

    scope_union_field = "plan__scope_union"
    audit_skip_fields = ("plan",)  # entries are filed under the plan (audit_parent)

    plan = models.ForeignKey(
        PairingPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="joint_unions"
    )
    kind = models.CharField(_("形式"), max_length=12, choices=Kind.choices, default=Kind.JOINT)
    name = models.CharField(_("名称"), max_length=100)
    town = models.ForeignKey(Region, verbose_name=_("镇街"), on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        Enterprise, verbose_name=_("龙头企业"), on_delete=models.CASCADE, related_name="+"
    )
    members = models.ManyToManyField(Enterprise, verbose_name=_("成员企业"), related_name="+")
    total_staff = models.PositiveIntegerField(_("职工总数"), default=0)
    explanation = models.CharField(_("说明"), max_length=300, blank=True)
    created_union = models.ForeignKey(
        UnionOrg, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    locked = models.BooleanField(_("锁定"), default=False, help_text=_("重新求解时原样保留"))
    manual = models.BooleanField(_("人工调整"), default=False)

    class Meta:
        verbose_name = _("方案联合工会")
        verbose_name_plural = _("方案联合工会")
        ordering = ["town_id", "id"]

    def __str__(self):
        return self.name

    def audit_parent(self):
        return self.plan


class Unassigned(models.Model):
    """A micro enterprise the plan leaves uncovered, with the reason."""

    scope_union_field = "plan__scope_union"
    audit_skip_fields = ("plan",)  # entries are filed under the plan (audit_parent)

    plan = models.ForeignKey(
        PairingPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="unassigned"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("原因代码"), max_length=20)
    explanation = models.CharField(_("原因"), max_length=300)
    should_form_own_union = models.BooleanField(_("应单独建会"), default=False)

    class Meta:
        verbose_name = _("未覆盖企业")
        verbose_name_plural = _("未覆盖企业")
        ordering = ["enterprise__town_id", "enterprise__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "enterprise"], name="one_unassigned_per_enterprise")
        ]

    def __str__(self):
        return f"{self.enterprise}：{self.explanation}"


class PlanExclusion(models.Model):
    """An enterprise the cadre left out of a plan (carried to later versions)."""

    scope_union_field = "plan__scope_union"
    audit_skip_fields = ("plan",)  # entries are filed under the plan (audit_parent)

    plan = models.ForeignKey(
        PairingPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="exclusions"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("排除原因"), max_length=200, blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("排除人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    excluded_at = models.DateTimeField(_("排除时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("排除企业")
        verbose_name_plural = _("排除企业")
        constraints = [
            models.UniqueConstraint(fields=["plan", "enterprise"], name="one_exclusion_per_enterprise")
        ]

    def __str__(self):
        return f"排除 {self.enterprise}"

    def audit_parent(self):
        return self.plan


class PlanJointWish(models.Model):
    """A micro enterprise that asked to join a joint union (联合工会) rather than be mentored.

    The next solve hands it to the joint-union grouping instead of the mentor pairing (and it is
    carried to later versions, like an exclusion)."""

    scope_union_field = "plan__scope_union"
    audit_skip_fields = ("plan",)  # entries are filed under the plan (audit_parent)

    plan = models.ForeignKey(
        PairingPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="joint_wishes"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("愿入联合工会企业")
        verbose_name_plural = _("愿入联合工会企业")
        constraints = [
            models.UniqueConstraint(fields=["plan", "enterprise"], name="one_joint_wish_per_enterprise")
        ]

    def __str__(self):
        return f"愿入联合工会：{self.enterprise}"

    def audit_parent(self):
        return self.plan
