from gonghui.core import codes
from gonghui.core.tables import Column

ENTERPRISE_COLUMNS = [
    Column("企业名称", "name", link=True),
    Column("统一社会信用代码", "credit_code"),
    Column("镇街", "town.name"),
    Column("行业", lambda e: f"{e.industry_id} {e.industry.name}"),
    Column("职工人数", "headcount"),
    Column("规模", lambda e: str(e.size_label)),
    Column("已单独建会", "has_own_union"),
    Column("所属工会", "union.name"),
    Column("地址", "address"),
]

UNION_COLUMNS = [
    Column("名称", "name", link=True),
    Column("类型", lambda u: u.get_kind_display()),
    Column("上级工会", "parent.name"),
    Column("地区", "region.name"),
    Column("工会主席", "chair_name"),
    Column("成立日期", "founded_on"),
    Column("模范职工之家", lambda u: u.get_model_home_level_display() if u.model_home_level else ""),
]

MEMBER_COLUMNS = [
    Column("姓名", "name", link=True),
    Column("身份证号", "id_number", mask=codes.mask_id_number),
    Column("手机号", "phone", mask=codes.mask_phone),
    Column("工作单位", "enterprise.name"),
    Column("所在工会", "union.name"),
    Column("入会日期", "joined_on"),
    Column("新就业形态", lambda m: m.get_new_form_kind_display() if m.new_form_kind else ""),
]

VENUE_COLUMNS = [
    Column("名称", "name", link=True),
    Column("类型", lambda v: v.get_kind_display()),
    Column("所属工会", "owner.name"),
    Column("地址", "address"),
    Column("可容纳人数", "capacity"),
    Column("设施", "facilities"),
]
