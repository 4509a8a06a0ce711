"""Synthetic hotline tickets for tests and benchmarks (pure: no Django import).

* :func:`generate_texts` — realistic Chinese complaint texts with their topic, including the
  overlaps that make classification hard (a contract complaint that mentions wages, an injury
  complaint about unpaid insurance) and optional operator label noise.
* :func:`generate_tickets` — a county's daily ticket stream: topics, towns, enterprises
  (heavy-tailed), weekday effect, the rise of wage complaints in the weeks before Spring
  Festival and the lull during the holiday.
* :func:`inject_outbreak` — add an outbreak (one enterprise, a topic in a town, or a new
  keyword) to a stream, returning the tickets and a description of the truth.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

TOPICS: tuple[str, ...] = (
    "拖欠工资", "劳动合同", "社会保险", "工伤", "工时休假", "安全卫生", "入会与工会权益", "困难帮扶",
)  # fmt: skip
TOPIC_MIX: dict[str, float] = {
    "拖欠工资": 0.28, "劳动合同": 0.16, "社会保险": 0.15, "工伤": 0.08,
    "工时休假": 0.12, "安全卫生": 0.06, "入会与工会权益": 0.06, "困难帮扶": 0.09,
}  # fmt: skip
INDUSTRIES: tuple[str, ...] = ("制造业", "建筑业", "批发和零售业", "交通运输业", "住宿和餐饮业", "居民服务业")

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_ENT_WORDS = "华宏鑫盛达通远泰丰源恒昌兴隆金富新瑞德安"
_ENT_KINDS = (
    "玻璃制品",
    "纺织",
    "机械",
    "电子",
    "建材",
    "食品",
    "物流",
    "建筑工程",
    "家具",
    "服装",
    "餐饮管理",
    "物业管理",
)
_ROLES = (
    "操作工",
    "保洁员",
    "司机",
    "焊工",
    "仓管员",
    "服务员",
    "保安",
    "钢筋工",
    "质检员",
    "快递员",
    "外卖骑手",
    "厨师",
)

_OPENERS = (
    "您好，",
    "你好，",
    "",
    "喂，我想反映个事，",
    "我是{town}的，",
    "我在{ent}上班，",
    "我是{ent}的{role}，",
)
_CLOSERS = (
    "希望工会帮忙协调。",
    "请工会帮我们维权。",
    "请尽快处理。",
    "不知道该怎么办。",
    "",
    "谢谢。",
    "麻烦帮忙问一下。",
)

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "拖欠工资": (
        "{ent}已经拖欠我们{n}个月工资了，一共{money}元，老板一直说没钱。",
        "我们{k}个{role}在{ent}干活，包工头拖欠工资不给，快过年了想回家。",
        "公司停工停产，老板跑路了，{n}个月的工资都没发。",
        "年底结账的时候老板说工程款没到，欠薪{money}元一直不结。",
        "{ent}每个月工资都压着不发，已经压了{n}个月，找老板也找不到人。",
        "干了{n}个月，工资只发了一半，剩下的{money}元一直拖着。",
        "离职以后公司不给结算工资，还扣了押金，去讨薪也没有结果。",
        "加班费和绩效工资都没发，工资条上写的和实际到手的不一样。",
    ),
    "劳动合同": (
        "在{ent}干了{n}个月，公司一直不跟我签劳动合同，工资都是现金发。",
        "试用期延长到{n}个月，公司说不合格就让我走，这样合法吗？",
        "公司突然把我辞退了，没有任何理由，也不给经济补偿。",
        "合同到期公司不续签，也不给补偿，我在这干了{n}年了。",
        "公司要我签一份空白合同，还让签自愿放弃社保的声明。",
        "单位要把我们转成劳务派遣，不同意就违法解除合同。",
        "怀孕以后公司要跟我解除劳动合同，说是调整岗位。",
        "公司让签竞业限制协议，但是一分钱补偿都没有。",
    ),
    "社会保险": (
        "{ent}一直没给我们交社保，问了人事说试用期不交。",
        "公司只按最低基数交养老保险，工资{money}元却按最低标准缴。",
        "离职了公司不给办社保减员，新单位没法给我交。",
        "查了社保记录发现公司断缴了{n}个月，医保也用不了。",
        "公司说五险一金折成现金发，每月多给{k}百元，让我签字。",
        "公积金公司从来没交过，社保也是今年才开始交。",
        "失业保险金怎么申领，公司不给开离职证明。",
    ),
    "工伤": (
        "我在{ent}上班的时候手被机器压伤了，公司不给申请工伤认定。",
        "工地上摔下来腿骨折了，包工头只给了{money}元就不管了。",
        "受伤住院花了{money}元，公司没交工伤保险，医药费不给报。",
        "工伤认定下来了，公司拖着不做劳动能力鉴定，停工留薪期工资也不发。",
        "上班路上被车撞了，公司说不算工伤。",
        "在厂里干了{n}年，查出来职业病，公司不承认。",
    ),
    "工时休假": (
        "{ent}每天上班十二个小时，一个月只休{k}天，加班也没有加班费。",
        "公司实行996，周末也要加班，不给调休。",
        "干了{n}年了，从来没有带薪年假，请假还要扣钱。",
        "产假只给休{k}十天，回来就让我换岗位。",
        "春节公司要求值班，不给三倍工资，也不给调休。",
        "婚假病假都不批，请病假就算旷工扣工资。",
    ),
    "安全卫生": (
        "车间粉尘特别大，公司不发口罩和防护用品。",
        "{ent}工地上不发安全帽，脚手架也没有防护网，很危险。",
        "天这么热在外面干活，公司不发高温津贴，也不让休息。",
        "厂里噪声很大，好多工友耳朵都听不清了，也不体检。",
        "宿舍电线乱拉，消防通道堵着，存在安全隐患。",
        "食堂卫生很差，好几个人吃了拉肚子。",
    ),
    "入会与工会权益": (
        "我想加入工会，我们{ent}没有工会，怎么入会？",
        "我是{role}，听说新就业形态劳动者也能入会，去哪里办？",
        "公司工会从来不开职代会，集体合同也没有给我们看过。",
        "公司不让我们成立工会，说谁要组织就开除谁。",
        "工会会员的福利怎么领，公司说我们不是工会会员。",
        "工会经费公司扣了，但是一次活动都没搞过。",
    ),
    "困难帮扶": (
        "家里孩子得了大病，花了{money}元，想申请困难职工帮扶。",
        "我是单亲妈妈，工资低，孩子上学想申请助学金。",
        "爱人下岗了，我一个人的工资养一家{k}口人，能不能申请送温暖。",
        "查出来重病要做手术，听说工会有大病救助，怎么申请？",
        "家里房子被淹了，生活很困难，能申请工会帮扶吗？",
        "孩子考上大学了，学费{money}元交不起，工会有没有助学政策？",
    ),
}

# texts that mix two topics: (text template, label the operator chose)
_CONFUSERS: tuple[tuple[str, str], ...] = (
    ("公司不签劳动合同，现在又拖欠了{n}个月工资。", "拖欠工资"),
    ("公司不签劳动合同，现在又拖欠了{n}个月工资。", "劳动合同"),
    ("受伤以后才知道公司没给交社保，工伤保险也没有。", "工伤"),
    ("受伤以后才知道公司没给交社保，工伤保险也没有。", "社会保险"),
    ("天天加班到半夜，加班费一分没有，工资还拖着。", "工时休假"),
    ("天天加班到半夜，加班费一分没有，工资还拖着。", "拖欠工资"),
    ("工资太低生活困难，还被公司拖欠了两个月。", "困难帮扶"),
    ("想入会，因为公司老是拖欠工资，工会能不能帮我们。", "入会与工会权益"),
)


def _enterprise_name(rng: random.Random) -> str:
    return (
        rng.choice(["阜宁", "益林", "沟墩", "陈良", "羊寨", "芦蒲", "新沟", "东沟"])
        + rng.choice(_ENT_WORDS)
        + rng.choice(_ENT_WORDS)
        + rng.choice(_ENT_KINDS)
        + "有限公司"
    )


def _fill(template: str, rng: random.Random, ent: str | None = None, town: str | None = None) -> str:
    return template.format(
        ent=ent or _enterprise_name(rng),
        town=town or rng.choice(["城关镇", "益林镇", "沟墩镇", "新沟镇"]),
        role=rng.choice(_ROLES),
        n=rng.choice(["两", "三", "四", "五", "六", "2", "3", "8"]),
        k=rng.choice(["二", "三", "四", "五"]),
        money=rng.choice(["3000", "8000", "12000", "两万", "4600", "三万多", "15000"]),
    )


def ticket_text(topic: str, rng: random.Random, ent: str | None = None, town: str | None = None) -> str:
    """One complaint text about ``topic``."""
    body = _fill(rng.choice(_TEMPLATES[topic]), rng, ent, town)
    opener = _fill(rng.choice(_OPENERS), rng, ent, town)
    return opener + body + rng.choice(_CLOSERS)


def generate_texts(
    n: int,
    seed: int = 0,
    topics: Sequence[str] = TOPICS,
    label_noise: float = 0.03,
    confuser_share: float = 0.08,
) -> list[tuple[str, str]]:
    """``n`` (text, topic) pairs as operators would have labelled them."""
    rng = random.Random(seed)
    weights = [TOPIC_MIX.get(t, 0.1) for t in topics]
    out = []
    for _ in range(n):
        if rng.random() < confuser_share:
            tpl, topic = rng.choice([c for c in _CONFUSERS if c[1] in topics])
            text = _fill(rng.choice(_OPENERS), rng) + _fill(tpl, rng) + rng.choice(_CLOSERS)
        else:
            topic = rng.choices(topics, weights)[0]
            text = ticket_text(topic, rng)
        if rng.random() < label_noise:
            topic = rng.choice(topics)
        out.append((text, topic))
    return out


# --------------------------------------------------------------------------- ticket streams


def make_county(n_towns: int = 20, n_enterprises: int = 800, seed: int = 0) -> dict:
    """Towns and enterprises of a synthetic county: ``{"towns": [...], "enterprises": [...]}``;
    each enterprise ``{"id", "name", "town", "industry", "weight"}`` (weight ~ heavy-tailed size)."""
    rng = random.Random(seed)
    towns = [f"第{i + 1:02d}镇" for i in range(n_towns)]
    ents = []
    for i in range(n_enterprises):
        ents.append(
            {
                "id": f"E{i:04d}",
                "name": _enterprise_name(rng),
                "town": rng.choice(towns),
                "industry": rng.choice(INDUSTRIES),
                "weight": rng.paretovariate(1.6),
            }
        )
    return {"towns": towns, "enterprises": ents}


def _season(day: dt.date, topic: str, wage_factor: float) -> float:
    from gonghui.hotline.warning import days_since_lunar_new_year, days_to_next_lunar_new_year

    f = 1.0
    to_next = days_to_next_lunar_new_year(day)
    if topic == "拖欠工资" and 0 < to_next <= 42:
        f *= wage_factor
    if to_next <= 3 or days_since_lunar_new_year(day) <= 6:
        f *= 0.35  # holiday lull
    return f


def generate_tickets(
    start: dt.date,
    end: dt.date,
    daily_mean: float = 60.0,
    county: dict | None = None,
    seed: int = 0,
    wage_festival_factor: float = 2.0,
    with_text: bool = True,
    id_prefix: str = "T",
) -> list[dict]:
    """Background ticket stream for days in [start, end).

    Record: ``{"id", "date", "enterprise_id", "town", "industry", "topic", "text"}``."""
    rng = random.Random(seed)
    county = county or make_county(seed=seed)
    ents = county["enterprises"]
    ent_w = [e["weight"] for e in ents]
    topics = list(TOPIC_MIX)
    out: list[dict] = []
    day = start
    n = 0
    import numpy as np

    nrng = np.random.default_rng(seed)
    while day < end:
        weekday = 0.55 if day.weekday() >= 5 else 1.0
        tw = [TOPIC_MIX[t] * _season(day, t, wage_festival_factor) for t in topics]
        total = sum(tw)
        count = int(nrng.poisson(daily_mean * weekday * total))
        for _ in range(count):
            topic = rng.choices(topics, tw)[0]
            ent = rng.choices(ents, ent_w)[0]
            n += 1
            out.append(
                {
                    "id": f"{id_prefix}{n:07d}",
                    "date": day,
                    "enterprise_id": ent["id"],
                    "town": ent["town"],
                    "industry": ent["industry"],
                    "topic": topic,
                    "text": ticket_text(topic, rng, ent["name"], ent["town"]) if with_text else "",
                }
            )
        day += dt.timedelta(days=1)
    return out


OUTBREAK_PHRASES = ("老板跑路了", "停工停产", "厂房被查封", "工资卡被冻结", "平台突然扣款")


def inject_outbreak(
    kind: str,
    start: dt.date,
    days: int,
    per_day: float,
    county: dict,
    seed: int = 0,
    topic: str = "拖欠工资",
    enterprise_id: str | None = None,
    town: str | None = None,
    phrase: str | None = None,
    id_prefix: str = "X",
) -> tuple[list[dict], dict]:
    """Tickets of one outbreak and its truth ``{"kind", "key", "start", "end", "ticket_ids"}``.

    kinds: ``enterprise`` (tickets about one enterprise), ``town_topic`` (one topic rising in
    one town), ``keyword`` (a new phrase spreading over several towns, any topic)."""
    rng = random.Random(seed)
    import numpy as np

    nrng = np.random.default_rng(seed)
    ents = county["enterprises"]
    if kind == "enterprise":
        ent = next(e for e in ents if e["id"] == enterprise_id) if enterprise_id else rng.choice(ents)
        key = ent["id"]
    elif kind == "town_topic":
        town = town or rng.choice(county["towns"])
        key = (town, topic)
    elif kind == "keyword":
        phrase = phrase or rng.choice(OUTBREAK_PHRASES)
        key = phrase
    else:
        raise ValueError(f"unknown outbreak kind {kind!r}")
    out = []
    n = 0
    for d in range(days):
        day = start + dt.timedelta(days=d)
        for _ in range(int(nrng.poisson(per_day))):
            n += 1
            if kind == "enterprise":
                e, t = ent, topic
                text = ticket_text(t, rng, e["name"], e["town"])
            elif kind == "town_topic":
                e = rng.choice([x for x in ents if x["town"] == town] or ents)
                t = topic
                text = ticket_text(t, rng, e["name"], town)
            else:
                e = rng.choice(ents)
                t = rng.choice(["拖欠工资", "劳动合同", "社会保险"])
                text = (
                    _fill(rng.choice(_OPENERS), rng, e["name"])
                    + f"{e['name']}{phrase}，"
                    + _fill(rng.choice(_TEMPLATES[t]), rng, e["name"])
                )
            out.append(
                {
                    "id": f"{id_prefix}{seed}-{n:05d}",
                    "date": day,
                    "enterprise_id": e["id"],
                    "town": e["town"] if kind != "town_topic" else town,
                    "industry": e["industry"],
                    "topic": t,
                    "text": text,
                }
            )
    truth = {
        "kind": kind,
        "key": key,
        "start": start,
        "end": start + dt.timedelta(days=days),
        "ticket_ids": [r["id"] for r in out],
    }
    return out, truth
