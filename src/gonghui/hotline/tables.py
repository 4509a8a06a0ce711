from functools import lru_cache

from gonghui.core import codes
from gonghui.core.tables import Column
from gonghui.hotline.warning import DIMENSION_LABELS


@lru_cache(maxsize=8)
def _labels(choices_name):
    """{value: label} of a Ticket choice set, resolved once (lazy labels cost a lookup each time)."""
    from gonghui.hotline.models import Ticket

    return {k: str(v) for k, v in getattr(Ticket, choices_name).choices}


_UNASSIGNED = ("intake", "dispatched", "returned")  # only these wait for a handler


def _status(t):
    return _labels("Status").get(t.status, t.status)


def _channel(t):
    return _labels("Channel").get(t.channel, t.channel)


def _clock(t):
    if t.overdue:
        return "已超时"
    return ""


TICKET_COLUMNS = [
    Column("工单号", "number", link=True),
    Column("受理时间", "created_at"),
    Column("来源", _channel),
    Column("来电号码", "phone", mask=codes.mask_phone),
    Column("诉求类型", lambda t: t.request_type),
    Column("诉求分类", "topic_path"),
    Column("涉及企业", "enterprise_name"),
    Column("承办单位", "handling_union.name"),
    Column("承办人", lambda t: str(t.handler) if t.handler_id else ""),
    Column("状态", _status),
    Column("超时", _clock),
]

TICKET_DETAIL = [
    Column("工单号", "number"),
    Column("来源", lambda t: t.get_channel_display()),
    Column("来电号码", "phone", mask=codes.mask_phone),
    Column("来电人", lambda t: "（匿名）" if t.anonymous else t.caller_name),
    Column("诉求类型", "request_type"),
    Column("诉求分类", "topic_path"),
    Column("紧急程度", "priority"),
    Column("涉及企业", lambda t: t.enterprise.name if t.enterprise_id else t.enterprise_name),
    Column("所在镇街", "town.name"),
    Column("受理单位", "intake_union.name"),
    Column("承办单位", "handling_union.name"),
    Column(
        "承办人",
        lambda t: str(t.handler) if t.handler_id else ("（待分配）" if t.status in _UNASSIGNED else ""),
    ),
    Column("状态", lambda t: t.get_status_display()),
    Column("退单理由", "return_reason"),
    Column("合并至", "merged_into.number"),
    Column("回访评价", "callback_result"),
    Column("回访意见", "callback_comment"),
]

TOPIC_COLUMNS = [
    Column("分类", "path", link=True),
    Column("级别", "level"),
    Column("排序", "order"),
    Column("启用", "active"),
]

TIMELIMIT_COLUMNS = [
    Column("时限", lambda r: str(r), link=True),
    Column("时限类型", lambda r: r.get_clock_display()),
    Column("诉求类型", "request_type"),
    Column("诉求分类", "topic.path"),
    Column("紧急程度", "priority"),
    Column("时长", lambda r: f"{r.amount:g}{r.get_unit_display()}"),
]

HANDLER_COLUMNS = [
    Column("承办人", lambda h: str(h), link=True),
    Column("所在工会", "union.name"),
    Column("在岗可派单", "available"),
]

ALERT_COLUMNS = [
    Column("预警", "title", link=True),
    Column("日期", "as_of"),
    Column("维度", lambda a: DIMENSION_LABELS.get(a.kind, a.kind)),
    Column("等级", "severity"),
    Column("观测件数", "observed"),
    Column("预期件数", lambda a: round(a.expected, 2)),
    Column("负责单位", "union.name"),
]

THEME_COLUMNS = [
    Column("每月一题", lambda t: str(t), link=True),
    Column("牵头单位", "union.name"),
    Column("问题", lambda t: "；".join(" / ".join(str(v) for v in p.values()) for p in t.problems)),
]
