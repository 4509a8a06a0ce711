"""Demo data of the hotline: the topic taxonomy, a year of past tickets with their outcomes (so the
three-rate page, trends, 每月一题 and the topic suggestion have something to show), and a few live
tickets in every state for the demo accounts to work on. Called by orgs.demo after the county."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from gonghui.hotline import services, synthetic
from gonghui.hotline.models import HandlerAvailability, Ticket, TicketEvent, TopicCategory
from gonghui.orgs.models import Enterprise, UnionOrg

TAXONOMY = {
    "拖欠工资": ["农民工工资", "加班费", "最低工资"],
    "劳动合同": ["未签合同", "违法解除", "经济补偿"],
    "社会保险": ["未缴社保", "医保报销"],
    "工伤": ["工伤认定", "劳动能力鉴定"],
    "工时休假": ["加班过长", "带薪年休假"],
    "安全卫生": ["防护用品", "高温津贴"],
    "入会与工会权益": ["申请入会", "工会经费"],
    "困难帮扶": ["大病救助", "助学"],
}
PAST_TICKETS = 1200
CLUSTER_TICKETS = 7
SEED = 2026


def _timeline(t, county, operator):
    """The steps a past ticket went through, as its page shows them (bulk-created tickets get no
    events from the services)."""
    steps = [
        (
            TicketEvent.Kind.INTAKE,
            t.created_at,
            operator,
            county,
            "电话受理" if t.channel == "phone" else "网上受理",
        ),
        (TicketEvent.Kind.DISPATCH, t.dispatched_at, operator, t.handling_union, f"派至{t.handling_union}"),
        (TicketEvent.Kind.SIGN, t.signed_at, t.handler, t.handling_union, ""),
    ]
    if t.first_feedback_at and t.first_feedback_at != t.resolved_at:
        steps.append(
            (
                TicketEvent.Kind.FEEDBACK,
                t.first_feedback_at,
                t.handler,
                t.handling_union,
                "已联系职工，正在核实。",
            )
        )
    if t.resolved_at:
        steps.append((TicketEvent.Kind.REPLY, t.resolved_at, t.handler, t.handling_union, t.reply))
    if t.callback_at:
        steps.append(
            (TicketEvent.Kind.CALLBACK, t.callback_at, operator, county, f"回访：{t.callback_result}")
        )
        steps.append((TicketEvent.Kind.CLOSE, t.closed_at, operator, county, ""))
    return [
        TicketEvent(ticket=t, kind=k, at=at, actor=actor, union=union, note=note)
        for k, at, actor, union, note in steps
    ]


def _topics(county):
    top = {}
    for name, children in TAXONOMY.items():
        parent = TopicCategory(owner=county, name=name)
        parent.clean()
        parent.save()
        top[name] = parent
        for child in children:
            node = TopicCategory(owner=county, name=child, parent=parent)
            node.clean()
            node.save()
    return top


def load_demo(progress=None):
    say = progress or (lambda *_: None)
    if Ticket.objects.exists():
        return
    say("生成职工热线工单…")
    rng = random.Random(SEED)
    county = UnionOrg.objects.filter(kind=UnionOrg.Kind.COUNTY_FEDERATION, parent__isnull=True).first()
    topics = _topics(county)
    User = get_user_model()
    cadres = User.objects.filter(role="town_cadre")
    for user in cadres:
        HandlerAvailability.objects.get_or_create(union=user.org, user=user)
    enterprises = list(Enterprise.objects.select_related("union", "town").order_by("pk")[:400])
    operator_user = User.objects.filter(role="hotline_operator").first()
    now = timezone.now()
    results = ["满意"] * 16 + ["基本满意"] * 3 + ["不满意"]
    names = list(synthetic.TOPICS)
    weights = [synthetic.TOPIC_MIX[t] for t in names]
    handlers = {h.union_id: h.user for h in HandlerAvailability.objects.select_related("user")}
    rows, events = [], []
    cluster_ent = enterprises[7]
    for i in range(PAST_TICKETS + CLUSTER_TICKETS):
        if i < PAST_TICKETS:
            topic = rng.choices(names, weights)[0]
            ent = rng.choice(enterprises)
            created = now - dt.timedelta(days=rng.uniform(3, 365), minutes=rng.randint(0, 600))
        else:  # a wage-arrears cluster at one employer this week: what 未诉先办 is there to catch
            topic, ent = "拖欠工资", cluster_ent
            created = now - dt.timedelta(days=rng.uniform(0.2, 5), minutes=rng.randint(0, 600))
        dispatched = created + dt.timedelta(minutes=rng.randint(2, 40))
        signed = dispatched + dt.timedelta(minutes=rng.expovariate(1 / 50))
        resolved = created + dt.timedelta(days=rng.expovariate(1 / 8))
        feedback = min(resolved, created + dt.timedelta(days=rng.uniform(0.5, 9)))
        callback = resolved + dt.timedelta(days=1)
        done = resolved < now
        t = Ticket(
            number=f"{timezone.localtime(created):%Y%m%d}{90000 + i:05d}",
            channel=rng.choice(["phone", "phone", "web"]),
            phone=f"139{rng.randrange(10**8):08d}",
            content=synthetic.ticket_text(topic, rng, ent.name, ent.town.name),
            request_type=rng.choice(["服务帮扶", "信访投诉", "法律援助", "服务帮扶"]),
            topic=topics[topic],
            enterprise=ent,
            enterprise_name=ent.name,
            town=ent.town,
            intake_union=county,
            handling_union=ent.union,
            handler=handlers.get(ent.union_id),
            status=("closed" if callback < now else "replied") if done else "signed",
            handler_locked=True,
            created_at=created,
            dispatched_at=dispatched,
            signed_at=signed,
            first_feedback_at=feedback if feedback < now else None,
            resolved_at=resolved if done else None,
            reply="已协调处理。" if done else "",
        )
        services._store_clocks(t, now)
        if callback < now:
            t.callback_at = callback
            t.callback_result = rng.choice(results)
            t.callback_resolved = t.callback_result != "不满意"
            t.closed_at = callback
        t.overdue = bool(signed > t.response_due or (resolved if done else now) > t.resolution_due)
        t.phone_hash = ""  # set by save(); bulk_create skips save()
        rows.append(t)
        events.extend(_timeline(t, county, operator_user))
    from gonghui.core.pii import blind_index

    for t in rows:
        t.phone_hash = blind_index(t.phone)
        t.topic_path = t.topic.path
    Ticket.objects.bulk_create(rows, batch_size=500)
    for e in events:
        e.ticket_id = e.ticket.pk  # the tickets have their keys now
    TicketEvent.objects.bulk_create(events, batch_size=2000)

    say("生成待办工单…")
    operator = User.objects.filter(role="hotline_operator").first()
    town_cadre = User.objects.filter(username="town_cadre").first()
    if operator is None or town_cadre is None:
        return
    local = [e for e in enterprises if e.union.path.startswith(town_cadre.org.path)] or enterprises
    texts = [
        ("拖欠工资", "信访投诉"),
        ("劳动合同", "法律援助"),
        ("工伤", "服务帮扶"),
        ("社会保险", "服务帮扶"),
    ]
    live = []
    for i, (topic, rtype) in enumerate(texts * 2):
        ent = local[i % len(local)]
        live.append(
            services.intake(
                operator,
                {
                    "phone": f"1380013{i:04d}",
                    "caller_name": "职工" if i % 2 else "",
                    "anonymous": bool(i % 2 == 0),
                    "content": synthetic.ticket_text(topic, rng, ent.name, ent.town.name),
                    "request_type": rtype,
                    "topic": topics[topic],
                    "priority": "一般",
                    "enterprise": ent,
                },
                dispatch_now=i > 0,
            )
        )
    services.intake(
        operator,
        {"phone": "13800009999", "content": "请问带薪年休假怎么计算？", "request_type": "问题咨询"},
        answered_on_call="已告知：累计工作满1年不满10年的，年休假5天。",
    )
    # The demo worker's own requests, so the worker's home page shows what a worker sees.
    from gonghui.orgs.models import Member

    member = Member.objects.filter(account__role="worker").select_related("account", "enterprise").first()
    if member is not None and member.enterprise is not None:
        ent = member.enterprise
        for content in (
            f"我在{ent.name}上班，这个月加班费没有按规定算，想咨询怎么维权。",
            f"{ent.name}还没给我们交社保，想请工会帮忙问问。",
        ):
            mine = services.public_intake(
                {
                    "phone": "13900001111",
                    "caller_name": member.name,
                    "content": content,
                    "request_type": "服务帮扶",
                    "enterprise": ent,
                    "enterprise_name": ent.name,
                    "town": ent.town,
                },
                worker=member.account,
            )
            services.dispatch(operator, mine)
    services.sign(town_cadre, live[2])
    services.sign(town_cadre, live[3])
    services.reply(town_cadre, live[3], "已约谈企业，企业同意补签劳动合同。")
    say("运行未诉先办预警…")
    services.run_early_warning()
