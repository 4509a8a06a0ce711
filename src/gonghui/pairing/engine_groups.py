"""Joint unions (联合工会) and federations (工会联合会) for micro enterprises left without a mentor.

Pure: no Django. Public API (also re-exported by ``engine``):

``group_joint_unions(enterprises, params=JointUnionParams(), industry=None) -> GroupingResult``
    Group micro enterprises (``Enterprise`` records) of one town into joint unions within the
    size bounds (number of enterprises, total staff), all members within ``max_distance_km`` of
    the group's first (seed) member, preferring the same industry division and similar size.
    Enterprises with ``headcount >= own_union_threshold`` (Trade Union Law §11, default 25) are
    never merged: they come back as leftovers with reason ``own_union``.

``group_federations(members, cores, params=FederationParams(), industry=None) -> GroupingResult``
    Attach micro enterprises to a nearby core enterprise able to form its own union (a federation,
    工会联合会, e.g. a 25–49 staff enterprise flagged by §11), same town, by the same exact
    min-cost flow as the mentor pairing (``engine.solve``): a core takes at most
    ``max_members - 1`` members.

Joint-union heuristic (deterministic; not an optimisation with a proof, the groups are a
proposal that the town cadre edits):

1. per town (ascending town id), eligible enterprises sorted by (division, headcount, id);
2. within each division, sequential packing: the first enterprise left seeds a group, the next
   ones in that order join while the group has fewer than ``max_members``, its staff stays within
   ``max_staff`` and the newcomer is within ``max_distance_km`` of the seed; groups that end up
   below ``min_members`` / ``min_staff`` are dissolved into a town pool;
3. the pool is packed the same way sorted by (headcount, id) across divisions (similar size);
4. anything still alone joins the nearest group of its town that has room, else is a leftover
   (reason ``too_few``).

Lead (龙头) score, highest wins, ties to the smaller id::

    score = 40 * has_venue + 30 * has_union + 10 * model_level + headcount

A venue (职工之家 / 活动阵地) weighs most because the joint union shares it; an existing union
committee next; then a 模范职工之家 title (level 0–4); staff (< 25 for eligible members, so it
only breaks ties between otherwise equal candidates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .geo import distance_km

__all__ = [
    "Enterprise",
    "JointUnionParams",
    "FederationParams",
    "Group",
    "Leftover",
    "GroupingResult",
    "lead_score",
    "group_joint_unions",
    "group_federations",
]


@dataclass(frozen=True)
class Enterprise:
    id: int
    lng: float
    lat: float
    industry: str | None
    headcount: int
    town: int
    has_venue: bool = False
    has_union: bool = False
    model_level: int = 0


@dataclass(frozen=True)
class JointUnionParams:
    min_members: int = 3
    max_members: int = 10
    min_staff: int = 0
    max_staff: int = 200
    max_distance_km: float = 10.0
    own_union_threshold: int = 25

    def __post_init__(self):
        if not (1 <= self.min_members <= self.max_members):
            raise ValueError("need 1 <= min_members <= max_members")
        if self.min_staff > self.max_staff:
            raise ValueError("need min_staff <= max_staff")


@dataclass(frozen=True)
class FederationParams:
    min_members: int = 2  # including the core
    max_members: int = 10  # including the core
    max_distance_km: float = 10.0
    own_union_threshold: int = 25


@dataclass(frozen=True)
class Group:
    kind: str  # "joint_union" | "federation"
    town: int
    lead_id: int  # the 龙头 of a joint union, the core of a federation
    member_ids: tuple[int, ...]  # all members including the lead, ascending ids
    total_staff: int
    lead_score: int
    explanation: str


@dataclass(frozen=True)
class Leftover:
    id: int
    reason: str  # own_union | too_few | no_core
    explanation: str


@dataclass(frozen=True)
class GroupingResult:
    groups: tuple[Group, ...]
    leftovers: tuple[Leftover, ...]


def lead_score(e: Enterprise) -> int:
    """The documented 龙头 score (see the module docstring)."""
    return (
        40 * int(bool(e.has_venue)) + 30 * int(bool(e.has_union)) + 10 * int(e.model_level) + int(e.headcount)
    )


def _division(code: str | None) -> str:
    return code[:2] if isinstance(code, str) and len(code) >= 2 and code[:2].isdigit() else ""


def _dist(a: Enterprise, b: Enterprise) -> float:
    return float(distance_km(a.lng, a.lat, b.lng, b.lat)[0])


def _pack(items: list[Enterprise], p: JointUnionParams) -> tuple[list[list[Enterprise]], list[Enterprise]]:
    """Sequential packing in the given order; returns (valid groups, dissolved enterprises)."""
    remaining = list(items)
    groups, dissolved = [], []
    while remaining:
        seed = remaining[0]
        group, staff, rest = [seed], seed.headcount, []
        for e in remaining[1:]:
            if (
                len(group) < p.max_members
                and staff + e.headcount <= p.max_staff
                and _dist(seed, e) <= p.max_distance_km
            ):
                group.append(e)
                staff += e.headcount
            else:
                rest.append(e)
        remaining = rest
        if len(group) >= p.min_members and staff >= p.min_staff:
            groups.append(group)
        else:
            dissolved.extend(group)
    return groups, dissolved


def _lead(group: list[Enterprise]) -> Enterprise:
    return min(group, key=lambda e: (-lead_score(e), e.id))


def _describe_joint(group: list[Enterprise], lead: Enterprise, industry) -> str:
    divs = {_division(e.industry) for e in group}
    staff = sum(e.headcount for e in group)
    parts = [f"{len(group)} 家企业共 {staff} 人"]
    if len(divs) == 1 and "" not in divs:
        d = divs.pop()
        name = industry.names.get(d, "") if industry is not None else ""
        parts.append(f"同属 {d} {name}".rstrip())
    bits = []
    if lead.has_venue:
        bits.append("有活动阵地")
    if lead.has_union:
        bits.append("已建工会")
    if lead.model_level:
        bits.append("模范职工之家")
    bits.append(f"{lead.headcount} 人")
    parts.append(f"龙头企业 {lead.id}（{'、'.join(bits)}，得分 {lead_score(lead)}）")
    return "，".join(parts)


def group_joint_unions(
    enterprises: Sequence[Enterprise],
    params: JointUnionParams = JointUnionParams(),
    industry=None,  # noqa: B008
) -> GroupingResult:
    """Group micro enterprises into joint unions per town (see the module docstring)."""
    groups: list[Group] = []
    leftovers: list[Leftover] = []
    by_town: dict[int, list[Enterprise]] = {}
    for e in sorted(enterprises, key=lambda e: e.id):
        if e.headcount >= params.own_union_threshold:
            leftovers.append(
                Leftover(
                    e.id,
                    "own_union",
                    f"职工 {e.headcount} 人，达到 {params.own_union_threshold} 人，应依法单独建立工会委员会"
                    "（《工会法》第十一条），不并入联合工会",
                )
            )
        else:
            by_town.setdefault(int(e.town), []).append(e)
    for town in sorted(by_town):
        items = by_town[town]
        by_div: dict[str, list[Enterprise]] = {}
        for e in items:
            by_div.setdefault(_division(e.industry), []).append(e)
        town_groups: list[list[Enterprise]] = []
        pool: list[Enterprise] = []
        for d in sorted(by_div):
            g, rest = _pack(sorted(by_div[d], key=lambda e: (e.headcount, e.id)), params)
            town_groups += g
            pool += rest
        g, rest = _pack(sorted(pool, key=lambda e: (e.headcount, e.id)), params)
        town_groups += g
        for e in sorted(rest, key=lambda e: (e.headcount, e.id)):
            best = None
            for k, grp in enumerate(town_groups):
                if (
                    len(grp) >= params.max_members
                    or sum(x.headcount for x in grp) + e.headcount > params.max_staff
                ):
                    continue
                d = _dist(grp[0], e)
                if d <= params.max_distance_km and (best is None or d < best[0]):
                    best = (d, k)
            if best is None:
                leftovers.append(
                    Leftover(
                        e.id,
                        "too_few",
                        f"本镇 {params.max_distance_km:g} 公里内可组建联合工会的企业不足 {params.min_members} 家"
                        "（或规模超出上限）",
                    )
                )
            else:
                town_groups[best[1]].append(e)
        for grp in town_groups:
            lead = _lead(grp)
            groups.append(
                Group(
                    kind="joint_union",
                    town=town,
                    lead_id=lead.id,
                    member_ids=tuple(sorted(e.id for e in grp)),
                    total_staff=sum(e.headcount for e in grp),
                    lead_score=lead_score(lead),
                    explanation=_describe_joint(grp, lead, industry),
                )
            )
    groups.sort(key=lambda g: (g.town, g.member_ids))
    leftovers.sort(key=lambda x: x.id)
    return GroupingResult(tuple(groups), tuple(leftovers))


def group_federations(
    members: Sequence[Enterprise],
    cores: Sequence[Enterprise],
    params: FederationParams = FederationParams(),  # noqa: B008
    industry=None,
) -> GroupingResult:
    """Federations around cores able to form their own union, by the exact pairing engine."""
    from .engine import Mentor, Micro, PairingParams, solve

    leftovers: list[Leftover] = []
    eligible = []
    for e in sorted(members, key=lambda e: e.id):
        if e.headcount >= params.own_union_threshold:
            leftovers.append(
                Leftover(
                    e.id,
                    "own_union",
                    f"职工 {e.headcount} 人，应依法单独建立工会委员会（《工会法》第十一条）",
                )
            )
        else:
            eligible.append(e)
    micro = [Micro(e.id, e.lng, e.lat, e.industry, e.headcount, e.town) for e in eligible]
    mentor = [
        Mentor(c.id, c.lng, c.lat, c.industry, params.max_members - 1, c.town, c.model_level) for c in cores
    ]
    pp = PairingParams(
        max_distance_km=params.max_distance_km,
        same_town="required",
        micro_threshold=np.iinfo(np.int32).max,
        own_union_threshold=np.iinfo(np.int32).max,
    )
    res = solve(micro, mentor, pp, industry)
    by_core: dict[int, list[int]] = {}
    expl: dict[int, str] = {}
    for p in res.pairs:
        by_core.setdefault(p.mentor_id, []).append(p.micro_id)
        expl[p.micro_id] = p.explanation
    core_of = {c.id: c for c in cores}
    staff = {e.id: e.headcount for e in eligible}
    groups = []
    for cid in sorted(by_core):
        mids = sorted(by_core[cid])
        c = core_of[cid]
        if len(mids) + 1 < params.min_members:
            for m in mids:
                leftovers.append(
                    Leftover(m, "too_few", f"可并入的工会联合会成员不足 {params.min_members} 家")
                )
            continue
        total = c.headcount + sum(staff[m] for m in mids)
        groups.append(
            Group(
                kind="federation",
                town=int(c.town),
                lead_id=cid,
                member_ids=tuple(sorted([cid, *mids])),
                total_staff=total,
                lead_score=lead_score(c),
                explanation=f"以 {cid}（{c.headcount} 人，可单独建会）为核心，{len(mids) + 1} 家企业共 {total} 人",
            )
        )
    for u in res.unassigned:
        reason = "no_core" if u.reason in ("no_mentor", "mentors_full") else u.reason
        leftovers.append(
            Leftover(u.micro_id, reason, u.explanation.replace("导师单位", "可单独建会的核心企业"))
        )
    leftovers.sort(key=lambda x: x.id)
    return GroupingResult(tuple(groups), tuple(leftovers))
