"""集体协商: salary survey rounds and returns, the published booklet (蓝宝书), the wage guideline,
negotiation cases with their statutory steps, the expert pool, town guides and guidance visits.

Jurisdiction (core/scoping.py): a survey round, guideline, case, expert or guide belongs to the
union that runs it; an enterprise's return and its anonymised employee rows belong to the union
covering the enterprise, so an enterprise chair sees their own enterprise's rows and nobody
else's. Published booklets are also readable *downwards* (see services.visible_booklets).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.models import Enterprise, Industry, Region, UnionOrg

# Guangzhou's five position levels (广州市薪酬调查 岗位等级), the default of a new round.
DEFAULT_LEVELS = ["中层管理", "专业技术人员", "职能人员", "服务人员", "生产操作人员"]

MONEY = {"max_digits": 12, "decimal_places": 2}


class Occupation(models.Model):
    """职业分类大典 2022: 大类 (level 1) → 中类 → 小类 → 细类/职业 (level 4), codes like 6-28-01-01."""

    code = models.CharField(_("职业代码"), max_length=10, primary_key=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.PositiveSmallIntegerField(_("层级"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    definition = models.TextField(_("定义"), blank=True)

    class Meta:
        verbose_name = _("职业")
        verbose_name_plural = _("职业")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class SurveyRound(models.Model):
    """One year's salary survey run by a federation over its subtree."""

    class Status(models.TextChoices):
        COLLECTING = "collecting", _("收集中")
        COMPUTING = "computing", _("计算中")
        COMPUTED = "computed", _("已计算")
        PUBLISHED = "published", _("已发布")

    scope_union_field = "scope_union"

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("名称"), max_length=100)
    scope_union = models.ForeignKey(
        UnionOrg, verbose_name=_("组织工会"), on_delete=models.PROTECT, related_name="survey_rounds"
    )
    reference_month = models.DateField(_("调查基准月"), help_text=_("工资数据所属月份，取该月 1 日"))
    min_wage = models.DecimalField(
        _("当地月最低工资标准（元）"), **MONEY, validators=[MinValueValidator(Decimal("100"))]
    )
    levels = models.JSONField(_("岗位等级"), default=list, blank=True, help_text=_("每行一个岗位等级"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.COLLECTING)
    # Disclosure control (stats.DisclosureRules), stored with the round so a booklet can be recomputed.
    min_enterprises = models.PositiveSmallIntegerField(_("单元格最少企业数"), default=3)
    min_employees = models.PositiveSmallIntegerField(_("单元格最少职工数"), default=10)
    max_enterprise_share = models.DecimalField(
        _("单一企业最高占比"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.60"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("1"))],
    )
    min_employees_for_tails = models.PositiveSmallIntegerField(_("公布P10/P90最少职工数"), default=20)
    progress = models.PositiveSmallIntegerField(_("计算进度（%）"), default=0)
    progress_note = models.CharField(_("进度说明"), max_length=200, blank=True)
    computed_tables = models.JSONField(_("计算结果"), null=True, blank=True, editable=False)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    audit_skip_fields = ("computed_tables",)

    class Meta:
        verbose_name = _("工资调查")
        verbose_name_plural = _("工资调查")
        ordering = ["-year", "scope_union"]
        constraints = [
            models.UniqueConstraint(fields=["scope_union", "year"], name="one_survey_round_per_union_year")
        ]
        permissions = [
            ("import_survey", "可上传企业工资调查表"),
            ("publish_booklet", "可计算并发布薪酬参考信息（蓝宝书）"),
            ("export_data", "可导出集体协商数据"),
        ]

    def __str__(self):
        return self.title or f"{self.year}年工资调查"

    def save(self, *args, **kwargs):
        if not self.levels:
            self.levels = list(DEFAULT_LEVELS)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("bargaining:surveyround_detail", args=[self.pk])

    def audit_parent(self):
        return self.scope_union

    def clean(self):
        if self.levels and (
            not isinstance(self.levels, list)
            or not all(isinstance(x, str) and x.strip() for x in self.levels)
        ):
            raise ValidationError({"levels": _("岗位等级应为非空文字的列表。")})
        if self.levels and len(set(self.levels)) != len(self.levels):
            raise ValidationError({"levels": _("岗位等级不能重复。")})
        if self.reference_month and self.reference_month.day != 1:
            self.reference_month = self.reference_month.replace(day=1)

    def rules(self):
        from gonghui.bargaining.stats import DisclosureRules

        return DisclosureRules(
            min_enterprises=self.min_enterprises,
            min_employees=self.min_employees,
            max_enterprise_share=float(self.max_enterprise_share),
            min_employees_for_tails=self.min_employees_for_tails,
        )


class EnterpriseReturn(models.Model):
    """One enterprise's answer to a survey round: its facts and benefits, and its employee rows."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("未上报")
        REVIEW = "review", _("待复核")
        ACCEPTED = "accepted", _("已采用")
        EXCLUDED = "excluded", _("不采用")

    scope_union_field = "enterprise__union"

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("工资调查"), on_delete=models.CASCADE, related_name="returns"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="survey_returns"
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("行业（小类）"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Industry.Level.CLASS},
    )
    town = models.ForeignKey(
        Region,
        verbose_name=_("所在镇街"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    headcount = models.PositiveIntegerField(_("职工人数"))
    paid_leave_days = models.PositiveSmallIntegerField(
        _("带薪年休假天数"), default=0, validators=[MaxValueValidator(60)]
    )
    supplementary_medical = models.BooleanField(_("补充医疗保险"), default=False)
    enterprise_annuity = models.BooleanField(_("企业年金（补充养老）"), default=False)
    meal_allowance = models.DecimalField(_("餐费补贴（元/月）"), **MONEY, default=0)
    transport_allowance = models.DecimalField(_("交通补贴（元/月）"), **MONEY, default=0)
    housing_allowance = models.DecimalField(_("住房补贴（元/月）"), **MONEY, default=0)
    high_temperature_allowance = models.DecimalField(_("高温津贴（元/月）"), **MONEY, default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    employee_count = models.PositiveIntegerField(_("职工记录数"), default=0, editable=False)
    flagged_count = models.PositiveIntegerField(_("待复核记录数"), default=0, editable=False)
    report = models.JSONField(_("校验报告"), default=dict, blank=True, editable=False)
    uploaded_at = models.DateTimeField(_("上传时间"), null=True, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    audit_skip_fields = ("report",)

    class Meta:
        verbose_name = _("企业调查表")
        verbose_name_plural = _("企业调查表")
        ordering = ["round", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "enterprise"], name="one_return_per_enterprise_round")
        ]

    def __str__(self):
        return f"{self.enterprise}（{self.round.year}年）"

    def get_absolute_url(self):
        return reverse("bargaining:enterprisereturn_detail", args=[self.pk])

    def audit_parent(self):
        return self.round


class EmployeeRow(models.Model):
    """One employee of a return, anonymised: no name, no ID, only what the statistics need."""

    class Education(models.TextChoices):
        JUNIOR = "junior", _("初中及以下")
        SENIOR = "senior", _("高中/中专/技校")
        COLLEGE = "college", _("大专")
        BACHELOR = "bachelor", _("本科")
        MASTER = "master", _("硕士及以上")

    scope_union_field = "ret__enterprise__union"

    ret = models.ForeignKey(
        EnterpriseReturn, verbose_name=_("企业调查表"), on_delete=models.CASCADE, related_name="rows"
    )
    line = models.PositiveIntegerField(_("表内行号"))
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("职业"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("岗位等级"), max_length=20)
    education = models.CharField(_("学历"), max_length=10, choices=Education.choices, blank=True)
    monthly_base_pay = models.DecimalField(_("月基本工资"), **MONEY)
    monthly_allowances = models.DecimalField(_("月津贴补贴"), **MONEY, default=0)
    monthly_overtime_pay = models.DecimalField(_("月加班工资"), **MONEY, default=0)
    annual_bonus = models.DecimalField(_("年奖金"), **MONEY, default=0)
    annual_total_pay = models.DecimalField(_("年工资总额（工资价位）"), **MONEY)
    weekly_hours = models.DecimalField(_("周工作小时"), max_digits=4, decimal_places=1)
    weight = models.DecimalField(_("权数"), max_digits=10, decimal_places=4, null=True, blank=True)
    flags = models.JSONField(_("复核标记"), default=list, blank=True)

    class Meta:
        verbose_name = _("职工工资记录")
        verbose_name_plural = _("职工工资记录")
        ordering = ["ret", "line"]

    def __str__(self):
        return f"{self.ret.enterprise} 第{self.line}行"

    def get_absolute_url(self):
        return reverse("bargaining:enterprisereturn_detail", args=[self.ret_id])

    def audit_parent(self):
        return self.ret

    @property
    def monthly_pay(self):
        """The reference month's pay: base + allowances + overtime (bonuses are annual)."""
        return self.monthly_base_pay + self.monthly_allowances + self.monthly_overtime_pay


class WageGuideline(models.Model):
    """工资指导线 of a year as the federation announces it, growth rates in percent."""

    scope_union_field = "scope_union"

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    scope_union = models.ForeignKey(
        UnionOrg, verbose_name=_("发布工会"), on_delete=models.PROTECT, related_name="wage_guidelines"
    )
    baseline = models.DecimalField(_("基准线（%）"), max_digits=5, decimal_places=2)
    upper = models.DecimalField(_("上线（%）"), max_digits=5, decimal_places=2)
    lower = models.DecimalField(_("下线（%）"), max_digits=5, decimal_places=2)
    source = models.CharField(_("发布文件"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("工资指导线")
        verbose_name_plural = _("工资指导线")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["scope_union", "year"], name="one_guideline_per_union_year")
        ]

    def __str__(self):
        return f"{self.year}年工资指导线"

    def get_absolute_url(self):
        return reverse("bargaining:wageguideline_detail", args=[self.pk])

    def audit_parent(self):
        return self.scope_union

    def clean(self):
        if None not in (self.lower, self.baseline, self.upper) and not (
            self.lower <= self.baseline <= self.upper
        ):
            raise ValidationError(_("应满足：下线 ≤ 基准线 ≤ 上线。"))


def booklet_path(instance, filename):
    return f"bargaining/booklets/{instance.round_id}/{filename}"


class BookletVersion(models.Model):
    """A published edition of the booklet: its stored tables, method, rules and files."""

    scope_union_field = "round__scope_union"

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("工资调查"), on_delete=models.PROTECT, related_name="booklets"
    )
    version = models.PositiveSmallIntegerField(_("版本"))
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tables = models.JSONField(_("统计表"), default=dict)
    benefits = models.JSONField(_("福利汇总"), default=list)
    method_note = models.TextField(_("分位数定义"))
    rules = models.JSONField(_("公布规则"), default=dict)
    enterprises = models.PositiveIntegerField(_("样本企业数"), default=0)
    employees = models.PositiveIntegerField(_("样本职工数"), default=0)
    pdf = models.FileField(_("PDF"), upload_to=booklet_path, blank=True)
    xlsx = models.FileField(_("Excel"), upload_to=booklet_path, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    audit_skip_fields = ("tables", "benefits")

    class Meta:
        verbose_name = _("薪酬参考信息")
        verbose_name_plural = _("薪酬参考信息")
        ordering = ["-round__year", "-version"]
        constraints = [models.UniqueConstraint(fields=["round", "version"], name="one_booklet_version")]

    def __str__(self):
        return f"{self.round.year}年薪酬参考信息 第{self.version}版"

    def get_absolute_url(self):
        return reverse("bargaining:bookletversion_detail", args=[self.pk])

    def audit_parent(self):
        return self.round


# --- negotiation -------------------------------------------------------------------------------


class NegotiationCase(models.Model):
    """One collective negotiation, following 《集体合同规定》 step by step."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业协商")
        INDUSTRY = "industry", _("行业性协商")
        REGIONAL = "regional", _("区域性协商")

    class Topic(models.TextChoices):
        WAGE = "wage", _("工资专项集体合同")
        GENERAL = "general", _("综合性集体合同")
        SPECIAL = "special", _("其他专项集体合同")

    class Stage(models.TextChoices):
        PREPARING = "preparing", _("准备")
        OFFERED = "offered", _("已发出要约")
        NEGOTIATING = "negotiating", _("协商中")
        VOTED = "voted", _("职代会已通过")
        SIGNED = "signed", _("已签订")
        FILED = "filed", _("已报送审查")
        EFFECTIVE = "effective", _("已生效")
        FAILED = "failed", _("未达成")

    class Party(models.TextChoices):
        WORKERS = "workers", _("职工方")
        EMPLOYER = "employer", _("企业方")

    scope_union_field = "union"

    title = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.ENTERPRISE)
    topic = models.CharField(_("内容"), max_length=10, choices=Topic.choices, default=Topic.WAGE)
    union = models.ForeignKey(
        UnionOrg,
        verbose_name=_("职工方工会"),
        on_delete=models.PROTECT,
        related_name="negotiation_cases",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="negotiation_cases",
        help_text=_("企业协商必填"),
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("行业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("行业性协商填写行业代码"),
    )
    employer_side = models.CharField(
        _("企业方"), max_length=120, blank=True, help_text=_("行业性、区域性协商的企业方代表组织")
    )
    guide = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指导员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guided_cases",
    )
    stage = models.CharField(_("进度"), max_length=12, choices=Stage.choices, default=Stage.PREPARING)
    offer_by = models.CharField(_("要约方"), max_length=10, choices=Party.choices, blank=True)
    offer_on = models.DateField(_("书面要约日期"), null=True, blank=True)
    reply_on = models.DateField(_("书面回应日期"), null=True, blank=True)
    draft_signed_on = models.DateField(_("草案双方首席代表签字日期"), null=True, blank=True)
    congress_on = models.DateField(_("职代会表决日期"), null=True, blank=True)
    congress_total = models.PositiveIntegerField(_("职工代表总数"), null=True, blank=True)
    congress_present = models.PositiveIntegerField(_("出席代表人数"), null=True, blank=True)
    congress_for = models.PositiveIntegerField(_("赞成票数"), null=True, blank=True)
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    filed_on = models.DateField(_("报送劳动保障部门日期"), null=True, blank=True)
    review_objection_on = models.DateField(
        _("审查提出异议日期"), null=True, blank=True, help_text=_("劳动保障部门15日内提出异议时填写")
    )
    renewal_requested_on = models.DateField(_("提出续订要求日期"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(
        _("期限（年）"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    # Wage factors the law says a wage negotiation weighs (《工资集体协商试行办法》第八条).
    proposed_increase = models.DecimalField(
        _("职工方提出的工资增幅（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    agreed_increase = models.DecimalField(
        _("协商确定的工资增幅（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    cpi_change = models.DecimalField(
        _("当地居民消费价格指数涨幅（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    productivity_change = models.DecimalField(
        _("企业劳动生产率增幅（%）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    profit_change = models.DecimalField(
        _("企业利润增幅（%）"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    labour_cost_share = models.DecimalField(
        _("人工成本占总成本比重（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    enterprise_avg_pay = models.DecimalField(_("企业职工月平均工资（元）"), **MONEY, null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("协商案例")
        verbose_name_plural = _("协商案例")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("bargaining:negotiationcase_detail", args=[self.pk])

    def audit_parent(self):
        return self.union

    def deadlines(self, today=None):
        """Every statutory deadline of the case with its status today (deadlines.py's rules)."""
        from gonghui.bargaining import caserules

        return caserules.case_deadlines(self, today)

    def missed_deadlines(self, today=None):
        from gonghui.bargaining import caserules

        return caserules.missed_deadlines(self, today)

    def clean(self):
        errors = {}
        if self.kind == self.Kind.ENTERPRISE and not self.enterprise_id:
            errors["enterprise"] = _("企业协商须选择企业。")
        if self.kind == self.Kind.INDUSTRY and not self.industry_id:
            errors["industry"] = _("行业性协商须填写行业。")
        order = [
            ("offer_on", "书面要约"),
            ("draft_signed_on", "草案签字"),
            ("congress_on", "职代会表决"),
            ("signed_on", "签订"),
            ("filed_on", "报送"),
        ]
        last = None
        for name, label in order:
            value = getattr(self, name)
            if value is None:
                continue
            if last is not None and value < last[1]:
                errors[name] = _("%(this)s日期不能早于%(prev)s日期。") % {"this": label, "prev": last[0]}
            last = (label, value)
        if self.reply_on and self.offer_on and self.reply_on < self.offer_on:
            errors["reply_on"] = _("回应日期不能早于要约日期。")
        if self.reply_on and not self.offer_on:
            errors["reply_on"] = _("请先填写书面要约日期。")
        counts = (self.congress_total, self.congress_present, self.congress_for)
        if any(c is not None for c in counts):
            if None in counts:
                errors["congress_for"] = _("请完整填写代表总数、出席人数和赞成票数。")
            elif self.congress_present > self.congress_total:
                errors["congress_present"] = _("出席人数不能超过代表总数。")
            elif self.congress_for > self.congress_present:
                errors["congress_for"] = _("赞成票数不能超过出席人数。")
        if errors:
            raise ValidationError(errors)


class Representative(models.Model):
    """A negotiator of one side. Experts from outside are at most a third of a side, never chief."""

    scope_union_field = "case__union"

    case = models.ForeignKey(
        NegotiationCase, verbose_name=_("协商案例"), on_delete=models.CASCADE, related_name="representatives"
    )
    side = models.CharField(_("所属方"), max_length=10, choices=NegotiationCase.Party.choices)
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务"), max_length=60, blank=True)
    is_chief = models.BooleanField(_("首席代表"), default=False)
    is_outside_expert = models.BooleanField(_("外聘专家"), default=False)

    class Meta:
        verbose_name = _("协商代表")
        verbose_name_plural = _("协商代表")
        ordering = ["case", "side", "-is_chief", "name"]

    def __str__(self):
        return f"{self.name}（{self.get_side_display()}）"

    def get_absolute_url(self):
        return reverse("bargaining:negotiationcase_detail", args=[self.case_id])

    def audit_parent(self):
        return self.case


class Meeting(models.Model):
    """A negotiation meeting and its minutes (协商记录)."""

    scope_union_field = "case__union"

    case = models.ForeignKey(
        NegotiationCase, verbose_name=_("协商案例"), on_delete=models.CASCADE, related_name="meetings"
    )
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    minutes = models.TextField(_("会议记录"))
    outcome = models.CharField(_("结果"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("协商会议")
        verbose_name_plural = _("协商会议")
        ordering = ["case", "held_on"]

    def __str__(self):
        return f"{self.case} {self.held_on} 协商会议"

    def get_absolute_url(self):
        return reverse("bargaining:negotiationcase_detail", args=[self.case_id])

    def audit_parent(self):
        return self.case


class Expert(models.Model):
    """The expert pool (集体协商专家库) of a federation."""

    scope_union_field = "union"

    union = models.ForeignKey(
        UnionOrg, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="bargaining_experts"
    )
    name = models.CharField(_("姓名"), max_length=50)
    organisation = models.CharField(_("工作单位"), max_length=100, blank=True)
    speciality = models.CharField(_("专长"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    active = models.BooleanField(_("在库"), default=True)

    class Meta:
        verbose_name = _("协商专家")
        verbose_name_plural = _("协商专家")
        ordering = ["union", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("bargaining:expert_detail", args=[self.pk])

    def audit_parent(self):
        return self.union


class TownGuide(models.Model):
    """The full-time guide (集体协商指导员) assigned to a town or street union."""

    scope_union_field = "town_union"

    town_union = models.ForeignKey(
        UnionOrg,
        verbose_name=_("镇街工会"),
        on_delete=models.PROTECT,
        related_name="bargaining_guides",
        limit_choices_to={"kind": UnionOrg.Kind.TOWN_UNION},
    )
    guide = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指导员账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    since = models.DateField(_("任职日期"))
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("镇街指导员")
        verbose_name_plural = _("镇街指导员")
        ordering = ["town_union", "-active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["town_union"], condition=models.Q(active=True), name="one_active_guide_per_town"
            )
        ]

    def __str__(self):
        return f"{self.town_union} · {self.name}"

    def get_absolute_url(self):
        return reverse("bargaining:townguide_detail", args=[self.pk])

    def audit_parent(self):
        return self.town_union


class GuidanceVisit(models.Model):
    """A guidance visit (指导服务) by a guide or expert to an enterprise or a case."""

    scope_union_field = "union"

    union = models.ForeignKey(
        UnionOrg, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="guidance_visits"
    )
    case = models.ForeignKey(
        NegotiationCase,
        verbose_name=_("协商案例"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visited_on = models.DateField(_("日期"))
    visitor = models.CharField(_("指导人员"), max_length=100)
    content = models.TextField(_("指导内容"))

    class Meta:
        verbose_name = _("指导记录")
        verbose_name_plural = _("指导记录")
        ordering = ["-visited_on"]

    def __str__(self):
        return f"{self.visited_on} {self.visitor}"

    def get_absolute_url(self):
        return reverse("bargaining:guidancevisit_detail", args=[self.pk])

    def audit_parent(self):
        return self.union
