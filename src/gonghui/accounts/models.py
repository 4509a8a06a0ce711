from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县总工会管理员")
    TOWN_CADRE = "town_cadre", _("镇街工会干部")
    ENTERPRISE_CHAIR = "enterprise_chair", _("企业工会主席")
    HOTLINE_OPERATOR = "hotline_operator", _("热线话务员")
    BARGAINING_GUIDE = "bargaining_guide", _("集体协商指导员")
    WORKER = "worker", _("职工")


class User(AbstractUser):
    """An account belongs to one union org and governs that org's subtree (see core/scoping.py)."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    org = models.ForeignKey(
        "orgs.UnionOrg",
        verbose_name=_("所属工会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    member = models.OneToOneField(
        "orgs.Member",
        verbose_name=_("职工档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self):
        return self.display_name or self.username
