"""Columns of the bargaining list pages and their Excel exports (the first column is the object)."""

from gonghui.bargaining.imports import flag_labels
from gonghui.core.tables import Column

ROUND_COLUMNS = [
    Column("名称", lambda r: str(r), link=True),
    Column("年度", "year"),
    Column("组织工会", "scope_union.name"),
    Column("调查基准月", lambda r: f"{r.reference_month:%Y-%m}"),
    Column("最低工资标准（元）", "min_wage"),
    Column("状态", lambda r: r.get_status_display()),
]

RETURN_COLUMNS = [
    Column("企业调查表", lambda r: str(r), link=True),
    Column("企业", "enterprise.name"),
    Column("工资调查", lambda r: str(r.round)),
    Column("行业", "industry_id"),
    Column("职工人数", "headcount"),
    Column("职工记录数", "employee_count"),
    Column("待复核", "flagged_count"),
    Column("状态", lambda r: r.get_status_display()),
    Column("上传时间", "uploaded_at"),
]

ROW_COLUMNS = [
    Column("记录", lambda r: str(r), link=True),
    Column("职业", lambda r: f"{r.occupation_id} {r.occupation.name}"),
    Column("岗位等级", "level"),
    Column("学历", lambda r: r.get_education_display()),
    Column("月基本工资", "monthly_base_pay"),
    Column("月津贴补贴", "monthly_allowances"),
    Column("月加班工资", "monthly_overtime_pay"),
    Column("年奖金", "annual_bonus"),
    Column("年工资总额", "annual_total_pay"),
    Column("周工作小时", "weekly_hours"),
    Column("权数", "weight"),
    Column("复核标记", lambda r: flag_labels(r.flags)),
]

GUIDELINE_COLUMNS = [
    Column("名称", lambda g: str(g), link=True),
    Column("发布工会", "scope_union.name"),
    Column("基准线（%）", "baseline"),
    Column("上线（%）", "upper"),
    Column("下线（%）", "lower"),
    Column("发布文件", "source"),
]

BOOKLET_COLUMNS = [
    Column("版本", lambda b: str(b), link=True),
    Column("组织工会", "round.scope_union.name"),
    Column("发布时间", "published_at"),
    Column("样本企业", "enterprises"),
    Column("样本职工", "employees"),
    Column("说明", "note"),
]

CASE_COLUMNS = [
    Column("名称", "title", link=True),
    Column("类型", lambda c: c.get_kind_display()),
    Column("内容", lambda c: c.get_topic_display()),
    Column("职工方工会", "union.name"),
    Column("企业", "enterprise.name"),
    Column("进度", lambda c: c.get_stage_display()),
    Column("书面要约", "offer_on"),
    Column("签订日期", "signed_on"),
    Column("指导员", lambda c: str(c.guide) if c.guide_id else ""),
]

EXPERT_COLUMNS = [
    Column("姓名", "name", link=True),
    Column("工作单位", "organisation"),
    Column("专长", "speciality"),
    Column("所属工会", "union.name"),
    Column("在库", "active"),
]

GUIDE_COLUMNS = [
    Column("指导员", lambda g: str(g), link=True),
    Column("镇街工会", "town_union.name"),
    Column("姓名", "name"),
    Column("联系电话", "phone"),
    Column("任职日期", "since"),
    Column("在岗", "active"),
]

VISIT_COLUMNS = [
    Column("指导记录", lambda v: str(v), link=True),
    Column("所属工会", "union.name"),
    Column("企业", "enterprise.name"),
    Column("协商案例", "case.title"),
    Column("指导内容", lambda v: v.content[:60]),
]
