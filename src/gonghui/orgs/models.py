"""The union tree and what hangs on it: regions, industries, enterprises, members, venues."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from gonghui.core import codes
from gonghui.core.pii import EncryptedCharField, blind_index


@deconstructible
class CodeValidator:
    """Runs one of core.codes' checks; its Chinese message becomes the field error."""

    def __init__(self, check_name):
        self.check_name = check_name

    def __call__(self, value):
        message = getattr(codes, self.check_name)(value)
        if message:
            raise ValidationError(message)

    def __eq__(self, other):
        return isinstance(other, CodeValidator) and other.check_name == self.check_name


validate_credit_code = CodeValidator("validate_credit_code")
validate_id_number = CodeValidator("validate_id_number")
validate_mobile = CodeValidator("validate_mobile")


class Region(models.Model):
    """A GB/T 2260 division: province → city → county → town/street (towns by 9-digit codes)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县区")
        TOWN = "town", _("乡镇街道")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    approximate = models.BooleanField(_("坐标为近似值"), default=False)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Industry(models.Model):
    """GB/T 4754-2017: section letter → 2-digit division → 3-digit group → 4-digit class."""

    class Level(models.TextChoices):
        SECTION = "section", _("门类")
        DIVISION = "division", _("大类")
        GROUP = "group", _("中类")
        CLASS = "class", _("小类")

    code = models.CharField(_("行业代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class UnionOrg(models.Model):
    """One node of the union tree. `path` ("/1/5/12/") makes subtree queries a prefix match."""

    class Kind(models.TextChoices):
        COUNTY_FEDERATION = "county", _("县总工会")
        TOWN_UNION = "town", _("镇街工会")
        ENTERPRISE_UNION = "enterprise", _("企业工会")
        JOINT_UNION = "joint", _("联合工会")
        UNION_FEDERATION = "federation", _("工会联合会")
        UNION_GROUP = "group", _("工会小组")

    class ModelHomeLevel(models.TextChoices):
        NONE = "", _("无")
        NATIONAL = "national", _("全国")
        PROVINCIAL = "provincial", _("省级")
        CITY = "city", _("市级")
        COUNTY = "county", _("县级")

    scope_union_field = ""  # the org itself: its own path

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级工会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    region = models.ForeignKey(
        Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="unions"
    )
    enterprise = models.OneToOneField(
        "Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="own_union",
        help_text=_("企业工会所在的企业"),
    )
    lead_enterprise = models.ForeignKey(
        "Enterprise",
        verbose_name=_("龙头企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("联合工会、工会联合会的牵头企业"),
    )
    chair_name = models.CharField(_("工会主席"), max_length=50, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    model_home_level = models.CharField(
        _("模范职工之家"), max_length=12, choices=ModelHomeLevel.choices, blank=True, default=""
    )
    model_home_year = models.PositiveSmallIntegerField(_("命名年份"), null=True, blank=True)

    class Meta:
        verbose_name = _("工会组织")
        verbose_name_plural = _("工会组织")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(model_home_level="") | models.Q(model_home_year__isnull=False),
                name="model_home_has_year",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgs:unionorg_detail", args=[self.pk])

    def audit_parent(self):
        return self.parent

    @property
    def depth(self):
        return self.path.count("/") - 1

    def compute_path(self):
        return f"{self.parent.path if self.parent_id else '/'}{self.pk}/"

    def descendants(self, include_self=True):
        qs = UnionOrg.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def clean(self):
        if self.kind == self.Kind.COUNTY_FEDERATION and self.parent_id:
            parent_ok = self.parent.kind == self.Kind.COUNTY_FEDERATION
        elif self.kind != self.Kind.COUNTY_FEDERATION and not self.parent_id:
            raise ValidationError({"parent": _("除县总工会外，每个工会组织都必须有上级工会。")})
        else:
            parent_ok = True
        if self.parent_id and self.pk and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("上级工会不能是本组织或其下级组织。")})
        if not parent_ok:
            raise ValidationError({"parent": _("县总工会的上级只能是县总工会。")})
        if (
            self.kind == self.Kind.UNION_GROUP
            and self.parent_id
            and self.parent.kind == self.Kind.COUNTY_FEDERATION
        ):
            raise ValidationError({"parent": _("工会小组应设在基层工会之下。")})


class Enterprise(models.Model):
    scope_union_field = "union"

    name = models.CharField(_("企业名称"), max_length=100)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    town = models.ForeignKey(
        Region,
        verbose_name=_("所在镇街"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("行业（小类）"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"level": Industry.Level.CLASS},
    )
    headcount = models.PositiveIntegerField(_("职工人数"))
    has_own_union = models.BooleanField(_("已单独建会"), default=False)
    union = models.ForeignKey(
        UnionOrg,
        verbose_name=_("所属工会"),
        on_delete=models.PROTECT,
        related_name="covered_enterprises",
        help_text=_("覆盖本企业的工会：本企业工会、联合工会、工会联合会，或所在镇街工会"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name", "id"]
        permissions = [
            ("import_data", "可导入 Excel 数据"),
            ("export_data", "可导出 Excel 数据"),
            ("view_pii", "可查看完整身份证号和手机号"),
        ]
        indexes = [models.Index(fields=["town", "headcount"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgs:enterprise_detail", args=[self.pk])

    def audit_parent(self):
        return self.union

    @property
    def is_micro(self):
        return self.headcount < settings.GONGHUI_MICRO_THRESHOLD

    @property
    def size_label(self):
        if self.is_micro:
            return _("小微企业")
        return _("大型企业") if self.headcount >= 300 else _("中型企业")

    def clean(self):
        if self.lng is not None and not 73 <= self.lng <= 136:
            raise ValidationError({"lng": _("经度应在 73 到 136 之间。")})
        if self.lat is not None and not 3 <= self.lat <= 54:
            raise ValidationError({"lat": _("纬度应在 3 到 54 之间。")})


class MentorLink(models.Model):
    """大带小: a mentor union (big enterprise or 模范职工之家) mentoring a micro enterprise."""

    scope_union_field = "enterprise__union"

    mentor = models.ForeignKey(
        UnionOrg, verbose_name=_("帮带工会"), on_delete=models.CASCADE, related_name="mentees"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("结对企业"), on_delete=models.CASCADE, related_name="mentor_links"
    )
    since = models.DateField(_("结对日期"))
    source_plan = models.CharField(_("来源方案"), max_length=50, blank=True)
    active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("大带小结对")
        verbose_name_plural = _("大带小结对")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(active=True),
                name="one_active_mentor_per_enterprise",
            )
        ]

    def __str__(self):
        return f"{self.mentor} → {self.enterprise}"

    def audit_parent(self):
        return self.enterprise


class Member(models.Model):
    """A worker. ID number and phone are encrypted at rest and found through keyed hashes."""

    class NewFormKind(models.TextChoices):
        NONE = "", _("否")
        RIDER = "rider", _("网约配送员（骑手）")
        COURIER = "courier", _("快递员")
        DRIVER = "driver", _("网约车/货车司机")
        OTHER = "other", _("其他新就业形态")

    scope_union_field = "union"
    scope_worker_field = "account"
    audit_masked_fields = {"id_number": codes.mask_id_number, "phone": codes.mask_phone}
    audit_skip_fields = ("id_number_hash", "phone_hash")

    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedCharField(_("身份证号"), validators=[validate_id_number])
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedCharField(_("手机号"), blank=True, validators=[validate_mobile])
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("工作单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    union = models.ForeignKey(
        UnionOrg, verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="members"
    )
    joined_on = models.DateField(_("入会日期"))
    new_form_kind = models.CharField(
        _("新就业形态"), max_length=10, choices=NewFormKind.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        ordering = ["union", "name", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.id_number = (self.id_number or "").strip().upper()
        self.id_number_hash = blind_index(self.id_number)
        self.phone_hash = blind_index(self.phone) if self.phone else ""
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("orgs:member_detail", args=[self.pk])

    def audit_parent(self):
        return self.union

    @property
    def id_number_masked(self):
        return codes.mask_id_number(self.id_number)

    @property
    def phone_masked(self):
        return codes.mask_phone(self.phone) if self.phone else ""


class Venue(models.Model):
    """职工之家 / 职工小家: a place the union runs for its members."""

    class Kind(models.TextChoices):
        HOME = "home", _("职工之家")
        SMALL_HOME = "small_home", _("职工小家")

    scope_union_field = "owner"

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    owner = models.ForeignKey(
        UnionOrg, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="venues"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("可容纳人数"), default=0)
    facilities = models.CharField(_("设施"), max_length=300, blank=True, help_text=_("以顿号或逗号分隔"))

    class Meta:
        verbose_name = _("职工之家")
        verbose_name_plural = _("职工之家")
        ordering = ["owner", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgs:venue_detail", args=[self.pk])

    def audit_parent(self):
        return self.owner
