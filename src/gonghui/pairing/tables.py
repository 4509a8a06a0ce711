from gonghui.core.tables import Column

PLAN_COLUMNS = [
    Column("方案", lambda p: str(p), link=True),
    Column("范围", "scope_union.name"),
    Column("状态", lambda p: p.get_status_display()),
    Column("小微企业", lambda p: p.summary.get("micro_total", "")),
    Column("结对", lambda p: p.summary.get("pairs", "")),
    Column("联合工会", lambda p: p.summary.get("joint_unions", "")),
    Column("未覆盖", lambda p: p.summary.get("unassigned", "")),
    Column("覆盖率%", lambda p: p.summary.get("rate", "")),
    Column("创建时间", "created_at"),
]
