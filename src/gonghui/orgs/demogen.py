"""Deterministic generator of a demo county like 阜宁县 (pure Python, no Django import).

``generate(seed=2026)`` returns a :class:`DemoCounty` of plain dataclass records that a loader
turns into database rows. Records are linked by stable string keys:

* enterprises ``E0001`` …  (large first, then medium, then micro);
* unions ``U-COUNTY``, ``U-T<town code>``, ``U-E<enterprise no>`` (enterprise union, same number as
  its enterprise), ``U-J01`` … (联合工会), ``U-F01`` … (工会联合会); ``parent_key`` builds the tree;
* venues ``V0001`` …, owned by a union key;
* members ``M000001`` …, pointing at a union key and (optionally) an enterprise key.

Real data: the towns and streets of the county and their (approximate) centres come from
``data/regions.csv``, industry classes from ``data/gbt4754_2017.csv`` and the county outline from
``data/fuining_outline.json``. Everything else — enterprises, unions, people, ID numbers, phone
numbers — is synthetic, but every code passes its check (GB 32100 / GB 11643) and every point lies
inside the county outline.
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from gonghui.core.codes import make_credit_code, make_id_number, make_mobile

DATA_DIR = Path(__file__).resolve().parent / "data"
COUNTY_CODE = "320923"
COUNTY_NAME = "阜宁县"
REFERENCE_DATE = date(2025, 12, 31)

MICRO_COUNT = 790  # 小微企业 (< 50 staff)
MEDIUM_COUNT = 150  # 50-299 staff
LARGE_COUNT = 60  # 300+ staff
TARGET_MEMBERS = 25_000
NEW_FORM_COUNT = 900  # riders, couriers, drivers

SIZE_MICRO, SIZE_MEDIUM, SIZE_LARGE = "micro", "medium", "large"
MICRO_LIMIT = 50
LARGE_LIMIT = 300

UNION_COUNTY, UNION_TOWN, UNION_ENTERPRISE, UNION_JOINT, UNION_FEDERATION = (
    "county",
    "town",
    "enterprise",
    "joint",
    "federation",
)
VENUE_HOME, VENUE_SMALL_HOME = "home", "small_home"  # 职工之家, 职工小家
TITLE_LEVELS = ("national", "provincial", "city", "county")
NEW_FORM_KINDS = ("rider", "courier", "driver")


# ------------------------------------------------------------------------------------------
# Records
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Town:
    code: str  # 9-digit GB/T 2260 town code, e.g. 320923115
    name: str  # 益林镇
    lng: float
    lat: float
    approximate: bool
    is_street: bool  # 街道 (urban) rather than 镇


@dataclass(slots=True)
class Enterprise:
    key: str
    name: str
    credit_code: str
    town_code: str
    address: str
    lng: float
    lat: float
    industry_code: str  # 4-digit GB/T 4754-2017 class
    sector: str  # label of the demo's industry family, e.g. "玻璃制品"
    headcount: int
    size: str  # micro / medium / large
    has_own_union: bool
    founded: date


@dataclass(slots=True)
class Union:
    key: str
    name: str
    kind: str  # county / town / enterprise / joint / federation
    parent_key: str | None
    town_code: str | None
    credit_code: str  # authority 8 (工会), category 1 (基层工会)
    chair_name: str
    founded: date
    enterprise_key: str | None = None  # enterprise union: its enterprise
    lead_enterprise_key: str | None = None  # joint union: the lead (龙头) enterprise
    covered_enterprise_keys: tuple[str, ...] = ()  # joint / federation: enterprises covered directly
    model_home_level: str | None = None  # 模范职工之家 title: national/provincial/city/county
    model_home_year: int | None = None


@dataclass(slots=True)
class Venue:
    key: str
    name: str
    kind: str  # home (职工之家) / small_home (职工小家)
    owner_union_key: str
    address: str
    lng: float
    lat: float
    capacity: int
    facilities: tuple[str, ...]


@dataclass(slots=True)
class Member:
    key: str
    name: str
    gender: str  # M / F
    birth_date: date
    id_number: str
    phone: str
    union_key: str
    enterprise_key: str | None
    town_code: str
    joined: date
    new_form_kind: str | None = None  # rider / courier / driver for new-employment-form workers

    @property
    def is_new_form(self) -> bool:
        return self.new_form_kind is not None


@dataclass(slots=True)
class DemoCounty:
    seed: int
    county_code: str
    county_name: str
    towns: list[Town]
    enterprises: list[Enterprise]
    unions: list[Union]
    venues: list[Venue]
    members: list[Member]
    outline: list[list[list[tuple[float, float]]]] = field(repr=False)  # polygons of rings

    def enterprises_of_size(self, size: str) -> list[Enterprise]:
        return [e for e in self.enterprises if e.size == size]

    def contains(self, lng: float, lat: float) -> bool:
        return point_in_outline(lng, lat, self.outline)


# ------------------------------------------------------------------------------------------
# Reference data
# ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_regions() -> tuple[dict[str, str], ...]:
    with open(DATA_DIR / "regions.csv", encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


@lru_cache(maxsize=1)
def load_industries() -> dict[str, tuple[str, str, str]]:
    """code -> (name, level, parent) of GB/T 4754-2017."""
    with open(DATA_DIR / "gbt4754_2017.csv", encoding="utf-8", newline="") as f:
        return {r["code"]: (r["name"], r["level"], r["parent"]) for r in csv.DictReader(f)}


@lru_cache(maxsize=1)
def load_outline() -> list[list[list[tuple[float, float]]]]:
    """The county outline as a list of polygons, each a list of rings (exterior first)."""
    with open(DATA_DIR / "fuining_outline.json", encoding="utf-8") as f:
        geom = json.load(f)["features"][0]["geometry"]
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return [[[(float(x), float(y)) for x, y in ring] for ring in poly] for poly in polys]


def _in_ring(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    inside = False
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
        x1, y1 = x2, y2
    return inside


def point_in_outline(lng: float, lat: float, outline=None) -> bool:
    """Even-odd ray casting against the county outline (holes respected)."""
    for poly in outline if outline is not None else load_outline():
        if _in_ring(lng, lat, poly[0]) and not any(_in_ring(lng, lat, h) for h in poly[1:]):
            return True
    return False


def load_towns(county_code: str = COUNTY_CODE) -> list[Town]:
    return [
        Town(
            code=r["code"],
            name=r["name"],
            lng=float(r["lng"]),
            lat=float(r["lat"]),
            approximate=r["approximate"] == "1",
            is_street=r["name"].endswith("街道"),
        )
        for r in load_regions()
        if r["level"] == "town" and r["parent"] == county_code
    ]


# ------------------------------------------------------------------------------------------
# Vocabulary
# ------------------------------------------------------------------------------------------

# (family label, GB/T 4754 classes, trade words for names, weight micro, weight medium, weight large)
SECTORS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], float, float, float], ...] = (
    (
        "玻璃制品",
        ("3054", "3055", "3051", "3059", "3057", "3053"),
        ("玻璃制品", "玻璃器皿", "玻璃科技"),
        13,
        16,
        18,
    ),
    ("纺织", ("1711", "1712", "1751", "1761", "1771", "1781"), ("纺织", "纺织品", "家纺"), 7, 10, 12),
    ("服装", ("1819", "1811", "1829", "1830"), ("服装", "服饰", "制衣"), 8, 10, 10),
    ("机械", ("3421", "3443", "3453", "3463", "3467", "3429"), ("机械", "机械制造", "精密机械"), 8, 12, 14),
    (
        "专用设备",
        ("3532", "3525", "3514", "3551", "3572", "3546"),
        ("机械设备", "环保设备", "农机"),
        6,
        9,
        10,
    ),
    ("农副食品", ("1311", "1329", "1331", "1353", "1371"), ("粮油", "米业", "饲料", "农产品"), 7, 8, 8),
    ("食品", ("1411", "1431", "1432", "1462"), ("食品", "调味品"), 4, 5, 5),
    ("建材", ("3021", "3022", "3024", "3031", "3033", "3039"), ("建材", "新型建材", "水泥制品"), 7, 8, 8),
    ("金属制品", ("3311", "3312", "3351", "3399"), ("金属制品", "五金", "钢结构"), 5, 6, 5),
    ("电气", ("3831", "3823", "3872", "3825"), ("电气", "电缆", "照明"), 3, 5, 6),
    ("物流", ("5431", "5436", "5437", "5920", "5910"), ("物流", "运输", "仓储"), 9, 6, 3),
    ("零售", ("5212", "5213", "5211", "5221", "5232", "5251", "5263"), ("商贸", "超市", "百货"), 23, 5, 1),
)

BRAND_CHARS = (
    "华鑫宏盛利达恒泰信丰源联鼎汇瑞兴昌隆金海嘉诚天晟博安富新强康永佳润德凯通益祥亿众辰旺荣鸿顺裕福明光正"
)
SURNAMES = "王陈张李刘周吴徐孙朱胡杨高顾沈薛唐许马韩蒋董戴郭宋曹夏卢袁陆孔严梁钱冯施姚范邵潘于程仇季"
SURNAME_WEIGHTS = tuple(max(1, 40 - i) for i in range(len(SURNAMES)))
GIVEN_M = "伟强军磊勇斌杰涛明超刚辉鹏浩俊峰飞建国华平东亮波宇晨旭文志成林"
GIVEN_F = "芳娟敏静丽艳娜霞燕玲红梅琳婷雪琴慧颖倩兰萍娟月云洁晶欣悦"
ROADS = (
    "人民路",
    "建设路",
    "兴业路",
    "工业大道",
    "新民路",
    "阜城大街",
    "园区路",
    "通榆路",
    "益民路",
    "振兴路",
)
HOME_FACILITIES = (
    "职工书屋",
    "健身房",
    "母婴室",
    "心理咨询室",
    "乒乓球室",
    "多功能会议室",
    "职工休息室",
    "法律服务角",
    "爱心冷暖驿站",
    "淋浴间",
    "文体活动室",
    "就餐区",
)
SMALL_HOME_FACILITIES = ("职工书架", "饮水机", "微波炉", "休息区", "急救药箱", "充电设施", "冰箱")
# town weights for placing enterprises: the urban streets and the industrial towns get more
TOWN_WEIGHTS = {"320923001": 1.6, "320923115": 1.6, "320923101": 1.3, "320923114": 1.2}
# birthplace division codes for ID numbers: mostly 阜宁, some from the rest of 盐城
BIRTH_DIVISIONS = ("320923",) * 14 + ("320921", "320922", "320924", "320925", "320902", "320903")


# ------------------------------------------------------------------------------------------
# Generator
# ------------------------------------------------------------------------------------------


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.outline = load_outline()
        self.towns = load_towns()
        self.town_by_code = {t.code: t for t in self.towns}
        industries = load_industries()
        for _label, classes, *_ in SECTORS:
            for c in classes:
                assert industries.get(c, ("", "", ""))[1] == "class", c
        self.credit_codes: set[str] = set()
        self.names: set[str] = set()
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()

    # -- helpers ----------------------------------------------------------------------
    def credit_code(self, authority="9", category="1") -> str:
        while True:
            code = make_credit_code(self.rng, division=COUNTY_CODE, authority=authority, category=category)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def person_name(self, gender: str) -> str:
        rng = self.rng
        surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        pool = GIVEN_M if gender == "M" else GIVEN_F
        given = rng.choice(pool) if rng.random() < 0.3 else rng.choice(pool) + rng.choice(pool)
        return surname + given

    def point_near(self, town: Town, sigma_km: float) -> tuple[float, float]:
        rng = self.rng
        dlng = 1 / (111.32 * math.cos(math.radians(town.lat)))
        dlat = 1 / 110.57
        for _ in range(50):
            lng = town.lng + rng.gauss(0, sigma_km) * dlng
            lat = town.lat + rng.gauss(0, sigma_km) * dlat
            if point_in_outline(lng, lat, self.outline):
                return round(lng, 6), round(lat, 6)
        return town.lng, town.lat

    def date_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    # -- enterprises ------------------------------------------------------------------
    def enterprises(self) -> list[Enterprise]:
        rng = self.rng
        weights = [TOWN_WEIGHTS.get(t.code, 1.0) for t in self.towns]
        plan = [(SIZE_LARGE, LARGE_COUNT), (SIZE_MEDIUM, MEDIUM_COUNT), (SIZE_MICRO, MICRO_COUNT)]
        column = {SIZE_MICRO: 3, SIZE_MEDIUM: 4, SIZE_LARGE: 5}
        out: list[Enterprise] = []
        for size, count in plan:
            sector_weights = [s[column[size]] for s in SECTORS]
            for _ in range(count):
                sector = rng.choices(SECTORS, sector_weights)[0]
                label, classes, words = sector[0], sector[1], sector[2]
                town = rng.choices(self.towns, weights)[0]
                if size == SIZE_MICRO:
                    headcount = rng.choice((rng.randint(3, 15), rng.randint(3, 15), rng.randint(16, 30)))
                    if rng.random() < 0.1:
                        headcount = rng.randint(31, 49)
                elif size == SIZE_MEDIUM:
                    headcount = int(rng.triangular(50, 299, 80))
                else:
                    headcount = min(3000, LARGE_LIMIT + int(rng.lognormvariate(5.6, 0.8)))
                name = self.enterprise_name(size, town, label, words)
                lng, lat = self.point_near(town, 1.0 if town.is_street else 1.6)
                founded_from = date(1995, 1, 1) if size != SIZE_MICRO else date(2008, 1, 1)
                out.append(
                    Enterprise(
                        key=f"E{len(out) + 1:04d}",
                        name=name,
                        credit_code=self.credit_code(),
                        town_code=town.code,
                        address=f"{COUNTY_NAME}{town.name}{rng.choice(ROADS)}{rng.randint(1, 388)}号",
                        lng=lng,
                        lat=lat,
                        industry_code=rng.choice(classes),
                        sector=label,
                        headcount=headcount,
                        size=size,
                        has_own_union=False,
                        founded=self.date_between(founded_from, date(2024, 6, 30)),
                    )
                )
        return out

    def enterprise_name(self, size: str, town: Town, label: str, words: tuple[str, ...]) -> str:
        rng = self.rng
        while True:
            brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
            if brand[0] == brand[1]:
                continue
            word = rng.choice(words)
            if size == SIZE_LARGE:
                prefix = rng.choice(("江苏", "盐城", "阜宁"))
                suffix = rng.choice(("股份有限公司", "集团有限公司", "有限公司"))
                name = f"{prefix}{brand}{word}{suffix}"
            elif label == "零售" and word in ("超市", "百货") and size == SIZE_MICRO:
                name = f"{COUNTY_NAME}{town.name}{brand}{word}{rng.choice(('店', '商行', '有限公司'))}"
            else:
                name = f"{COUNTY_NAME}{town.name}{brand}{word}有限公司"
            if name not in self.names:
                self.names.add(name)
                return name

    # -- unions -----------------------------------------------------------------------
    def unions(self, enterprises: list[Enterprise]) -> list[Union]:
        rng = self.rng
        county = Union(
            key="U-COUNTY",
            name=f"{COUNTY_NAME}总工会",
            kind=UNION_COUNTY,
            parent_key=None,
            town_code=None,
            credit_code=self.credit_code("8", "1"),
            chair_name=self.person_name(rng.choice("MF")),
            founded=date(1950, 5, 1),
        )
        out = [county]
        town_union = {}
        for t in self.towns:
            u = Union(
                key=f"U-T{t.code}",
                name=f"{t.name}工会" if not t.is_street else f"{t.name}总工会",
                kind=UNION_TOWN,
                parent_key=county.key,
                town_code=t.code,
                credit_code=self.credit_code("8", "1"),
                chair_name=self.person_name(rng.choice("MF")),
                founded=self.date_between(date(1985, 1, 1), date(2005, 12, 31)),
            )
            town_union[t.code] = u
            out.append(u)

        def enterprise_union(e: Enterprise, parent_key: str) -> Union:
            e.has_own_union = True
            return Union(
                key=f"U-{e.key}",
                name=f"{e.name}工会委员会",
                kind=UNION_ENTERPRISE,
                parent_key=parent_key,
                town_code=e.town_code,
                credit_code=self.credit_code("8", "1"),
                chair_name=self.person_name(rng.choice("MF")),
                founded=self.date_between(e.founded, date(2025, 6, 30)),
                enterprise_key=e.key,
            )

        micro = [e for e in enterprises if e.size == SIZE_MICRO]
        # 工会联合会: an industry federation in the towns with most micro glass / garment firms
        federations = []
        for label in ("玻璃制品", "服装", "机械", "物流"):
            by_town: dict[str, int] = {}
            for e in micro:
                if e.sector == label:
                    by_town[e.town_code] = by_town.get(e.town_code, 0) + 1
            code = max(sorted(by_town), key=lambda c: by_town[c])
            t = self.town_by_code[code]
            f = Union(
                key=f"U-F{len(federations) + 1:02d}",
                name=f"{t.name}{label}行业工会联合会",
                kind=UNION_FEDERATION,
                parent_key=town_union[code].key,
                town_code=code,
                credit_code=self.credit_code("8", "1"),
                chair_name=self.person_name(rng.choice("MF")),
                founded=self.date_between(date(2012, 1, 1), date(2022, 12, 31)),
            )
            federations.append((label, f))
            out.append(f)
        fed_by = {(f.town_code, label): f for label, f in federations}

        # enterprise unions: all large, 70 % of medium, 18 % of micro
        for e in enterprises:
            share = {SIZE_LARGE: 1.0, SIZE_MEDIUM: 0.7, SIZE_MICRO: 0.18}[e.size]
            if rng.random() < share:
                fed = fed_by.get((e.town_code, e.sector))
                parent = fed.key if fed is not None and e.size == SIZE_MICRO else town_union[e.town_code].key
                out.append(enterprise_union(e, parent))

        # joint unions (联合工会): groups of 4-8 micro firms without a union in the same town
        free_by_town: dict[str, list[Enterprise]] = {}
        for e in micro:
            if not e.has_own_union:
                free_by_town.setdefault(e.town_code, []).append(e)
        joint_no = 0
        for t in self.towns:
            free = free_by_town.get(t.code, [])
            for _ in range(2 if len(free) >= 30 else 1):
                if len(free) < 8:
                    break
                n = rng.randint(4, 8)
                group = [free.pop(rng.randrange(len(free))) for _ in range(n)]
                lead = max(group, key=lambda e: (e.headcount, e.key))
                joint_no += 1
                out.append(
                    Union(
                        key=f"U-J{joint_no:02d}",
                        name=f"{t.name}{lead.name.removeprefix(COUNTY_NAME + t.name)[:2]}等{n}家企业联合工会委员会",
                        kind=UNION_JOINT,
                        parent_key=town_union[t.code].key,
                        town_code=t.code,
                        credit_code=self.credit_code("8", "1"),
                        chair_name=self.person_name(rng.choice("MF")),
                        founded=self.date_between(max(e.founded for e in group), date(2025, 6, 30)),
                        lead_enterprise_key=lead.key,
                        covered_enterprise_keys=tuple(sorted(e.key for e in group)),
                    )
                )
        # federations directly cover some remaining firms of their industry in their town
        for label, f in federations:
            free = [e for e in free_by_town.get(f.town_code, []) if e.sector == label]
            f.covered_enterprise_keys = tuple(sorted(e.key for e in free[: max(2, len(free) // 2)]))

        # 模范职工之家 titles on enterprise unions, biggest enterprises first, plus a few towns
        ent_by_key = {e.key: e for e in enterprises}
        ent_unions = sorted(
            (u for u in out if u.kind == UNION_ENTERPRISE),
            key=lambda u: (-ent_by_key[u.enterprise_key].headcount, u.key),
        )
        quota = [("national", 1), ("provincial", 3), ("city", 8), ("county", 18)]
        candidates = ent_unions[:20] + rng.sample(ent_unions[20:], 10)
        i = 0
        for level, n in quota:
            for u in candidates[i : i + n]:
                u.model_home_level = level
                u.model_home_year = rng.randint(min(2025, max(2010, u.founded.year + 1)), 2025)
            i += n
        for u in rng.sample([u for u in out if u.kind == UNION_TOWN], 3):
            u.model_home_level = "county"
            u.model_home_year = rng.randint(2015, 2025)
        return out

    # -- venues -----------------------------------------------------------------------
    def venues(self, enterprises: list[Enterprise], unions: list[Union]) -> list[Venue]:
        rng = self.rng
        ent_by_key = {e.key: e for e in enterprises}
        out: list[Venue] = []

        def add(kind, owner: Union, name, address, lng, lat, capacity, pool, k):
            out.append(
                Venue(
                    key=f"V{len(out) + 1:04d}",
                    name=name,
                    kind=kind,
                    owner_union_key=owner.key,
                    address=address,
                    lng=lng,
                    lat=lat,
                    capacity=capacity,
                    facilities=tuple(sorted(rng.sample(pool, k), key=pool.index)),
                )
            )

        for u in unions:
            if u.kind == UNION_TOWN:
                t = self.town_by_code[u.town_code]
                lng, lat = self.point_near(t, 0.3)
                add(VENUE_HOME, u, f"{t.name}职工之家", f"{COUNTY_NAME}{t.name}{rng.choice(ROADS)}{rng.randint(1, 99)}号",
                    lng, lat, rng.randrange(100, 301, 10), HOME_FACILITIES, rng.randint(5, 9))  # fmt: skip
            elif u.kind == UNION_ENTERPRISE:
                e = ent_by_key[u.enterprise_key]
                if e.size == SIZE_LARGE or (e.size == SIZE_MEDIUM and rng.random() < 0.4):
                    add(VENUE_HOME, u, f"{e.name}职工之家", e.address, e.lng, e.lat,
                        rng.randrange(60, 401, 10), HOME_FACILITIES, rng.randint(4, 9))  # fmt: skip
                elif e.size == SIZE_MICRO and rng.random() < 0.45:
                    add(VENUE_SMALL_HOME, u, f"{e.name}职工小家", e.address, e.lng, e.lat,
                        rng.randint(8, 40), SMALL_HOME_FACILITIES, rng.randint(3, 5))  # fmt: skip
            elif u.kind == UNION_JOINT:
                lead = ent_by_key[u.lead_enterprise_key]
                add(VENUE_SMALL_HOME, u, f"{u.name.removesuffix('委员会')}职工小家", lead.address, lead.lng,
                    lead.lat, rng.randint(15, 50), SMALL_HOME_FACILITIES, rng.randint(3, 6))  # fmt: skip
        return out

    # -- members ----------------------------------------------------------------------
    def person(self, min_birth: date = date(1965, 1, 1), max_birth: date = date(2004, 12, 31)):
        rng = self.rng
        gender = "M" if rng.random() < 0.56 else "F"
        birth = self.date_between(min_birth, max_birth)
        division = rng.choice(BIRTH_DIVISIONS)
        while True:
            seq = rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            idn = make_id_number(division, birth, seq)
            if idn not in self.id_numbers:
                self.id_numbers.add(idn)
                break
        while True:
            phone = make_mobile(rng)
            if phone not in self.phones:
                self.phones.add(phone)
                break
        return self.person_name(gender), gender, birth, idn, phone

    def members(self, enterprises: list[Enterprise], unions: list[Union]) -> list[Member]:
        rng = self.rng
        # which union each enterprise's workers join
        union_of: dict[str, str] = {}
        for u in unions:
            if u.kind == UNION_ENTERPRISE:
                union_of[u.enterprise_key] = u.key
        for u in unions:
            if u.kind in (UNION_JOINT, UNION_FEDERATION):
                for k in u.covered_enterprise_keys:
                    union_of.setdefault(k, u.key)
        covered = [e for e in enterprises if e.key in union_of]
        staff = sum(e.headcount for e in covered)
        rate = (TARGET_MEMBERS - NEW_FORM_COUNT) / staff
        out: list[Member] = []
        last = REFERENCE_DATE
        union_by_key = {u.key: u for u in unions}
        for e in covered:
            n = round(e.headcount * min(0.95, rate * rng.uniform(0.85, 1.15)))
            n = max(n, min(3, e.headcount))
            union_start = union_by_key[union_of[e.key]].founded
            for _ in range(n):
                name, gender, birth, idn, phone = self.person()
                adult = date(birth.year + 18, birth.month, min(birth.day, 28))
                start = max(adult, e.founded, union_start)
                out.append(
                    Member(
                        key=f"M{len(out) + 1:06d}",
                        name=name,
                        gender=gender,
                        birth_date=birth,
                        id_number=idn,
                        phone=phone,
                        union_key=union_of[e.key],
                        enterprise_key=e.key,
                        town_code=e.town_code,
                        joined=self.date_between(start, last),
                    )
                )
        joints_by_town: dict[str, list[Union]] = {}
        for u in unions:
            if u.kind == UNION_JOINT:
                joints_by_town.setdefault(u.town_code, []).append(u)
        for _ in range(NEW_FORM_COUNT):
            kind = rng.choices(NEW_FORM_KINDS, (45, 35, 20))[0]
            town = rng.choices(self.towns, [3.0 if t.is_street else 1.0 for t in self.towns])[0]
            joints = joints_by_town.get(town.code)
            union = rng.choice(joints) if joints and rng.random() < 0.3 else union_by_key[f"U-T{town.code}"]
            name, gender, birth, idn, phone = self.person(min_birth=date(1975, 1, 1))
            out.append(
                Member(
                    key=f"M{len(out) + 1:06d}",
                    name=name,
                    gender=gender,
                    birth_date=birth,
                    id_number=idn,
                    phone=phone,
                    union_key=union.key,
                    enterprise_key=None,
                    town_code=town.code,
                    joined=self.date_between(max(date(2021, 1, 1), union.founded), last),
                    new_form_kind=kind,
                )
            )
        return out


def generate(seed: int = 2026) -> DemoCounty:
    """Generate the demo county; the same seed always gives the same records."""
    gen = _Gen(seed)
    enterprises = gen.enterprises()
    unions = gen.unions(enterprises)
    venues = gen.venues(enterprises, unions)
    members = gen.members(enterprises, unions)
    return DemoCounty(
        seed=seed,
        county_code=COUNTY_CODE,
        county_name=COUNTY_NAME,
        towns=gen.towns,
        enterprises=enterprises,
        unions=unions,
        venues=venues,
        members=members,
        outline=gen.outline,
    )
