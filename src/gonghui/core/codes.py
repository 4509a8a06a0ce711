"""Check digits, validation and masking of Chinese standard codes.

Pure functions, no Django import: used by model/form validators, the Excel importer and the
demo generator.

* GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters from the alphabet
  ``0-9ABCDEFGHJKLMNPQRTUWXY`` (31 characters, no I, O, Z, S, V). Position 1 is the registration
  authority, 2 the entity category, 3-8 the administrative division (GB/T 2260), 9-17 the
  organisation code (GB 11714, with its own check character at position 17) and 18 the check
  character: weights ``3**i mod 31``, ``check = (31 - sum mod 31) mod 31``.
* GB 11643-1999 citizen identity number (公民身份号码): 6-digit division code, 8-digit birth date,
  3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character
  (``0-9`` or ``X``).
* Mainland mobile numbers: 11 digits, ``1[3-9]`` prefix.

Every ``validate_*`` function returns ``None`` for a valid value or a Chinese error message that
can be shown to the user as it is; ``is_valid_*`` is the boolean shorthand.
"""

from __future__ import annotations

import random
import re
from datetime import date

__all__ = [
    "CREDIT_ALPHABET",
    "CREDIT_AUTHORITIES",
    "PROVINCE_CODES",
    "credit_code_check_char",
    "credit_code_category",
    "id_check_char",
    "id_birth_date",
    "id_gender",
    "is_valid_credit_code",
    "is_valid_id_number",
    "is_valid_mobile",
    "is_valid_org_code",
    "make_credit_code",
    "make_id_number",
    "make_mobile",
    "mask_id_number",
    "mask_phone",
    "mask_name",
    "normalize_credit_code",
    "normalize_id_number",
    "normalize_mobile",
    "org_code_check_char",
    "validate_credit_code",
    "validate_id_number",
    "validate_mobile",
    "validate_org_code",
]

# --------------------------------------------------------------------------------------------
# GB 32100-2015 unified social credit code
# --------------------------------------------------------------------------------------------

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_ALPHABET)}
# 3**i mod 31 for i = 0..16: 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# Registration authority (position 1) -> (name, {category (position 2): name}), GB 32100-2015 表1.
CREDIT_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": (
        "农业",
        {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    ),
    "Y": ("其他", {"1": "其他"}),
}

_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalize_credit_code(value: str) -> str:
    """Strip blanks (also full-width) and upper-case; the form people paste codes in."""
    return re.sub(r"[\s\u3000]+", "", str(value)).upper()


def credit_code_check_char(body: str) -> str:
    """Check character (position 18) for the first 17 characters of a credit code."""
    if len(body) != 17:
        raise ValueError("body must have 17 characters")
    try:
        total = sum(_CREDIT_VALUE[c] * w for c, w in zip(body.upper(), _CREDIT_WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed in a credit code") from None
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str | None:
    """``None`` if ``value`` is a well-formed GB 32100 code with a correct check character.

    The value is checked as given (call :func:`normalize_credit_code` first to accept blanks and
    lower case). The embedded GB 11714 organisation code is not required to be valid: codes of
    individual businesses (个体工商户) and some converted codes do not satisfy it; see
    :func:`validate_org_code` for that stricter check.
    """
    if value is None or value == "":
        return "统一社会信用代码不能为空"
    if not isinstance(value, str):
        return "统一社会信用代码必须是文本"
    if len(value) != 18:
        return f"统一社会信用代码应为18位，当前为{len(value)}位"
    bad = [c for c in value if c not in _CREDIT_VALUE]
    if bad:
        if any(c.islower() for c in bad):
            return "统一社会信用代码中的字母应为大写"
        return f"统一社会信用代码含有不允许的字符“{bad[0]}”（不使用I、O、Z、S、V）"
    if not _CREDIT_RE.match(value):
        return "统一社会信用代码第3至8位应为行政区划代码（6位数字）"
    if credit_code_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验码错误，请核对是否输错"
    return None


def is_valid_credit_code(value: str) -> bool:
    return validate_credit_code(value) is None


def credit_code_category(value: str) -> tuple[str, str] | None:
    """(登记管理部门, 机构类别) named by positions 1-2, or ``None`` if not in GB 32100 表1."""
    if not value or len(value) < 2:
        return None
    authority = CREDIT_AUTHORITIES.get(value[0].upper())
    if authority is None:
        return None
    category = authority[1].get(value[1].upper())
    return None if category is None else (authority[0], category)


# GB 11714-1997 organisation code (positions 9-17 of a credit code): 8 characters from 0-9A-Z
# and a check character.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_value(c: str) -> int:
    if c.isdigit():
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    raise ValueError(f"character {c!r} is not allowed in an organisation code")


def org_code_check_char(body: str) -> str:
    """GB 11714 check character for the first 8 characters of an organisation code."""
    if len(body) != 8:
        raise ValueError("body must have 8 characters")
    total = sum(_org_value(c) * w for c, w in zip(body.upper(), _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_org_code(value: str) -> str | None:
    """Validate a 9-character organisation code (``12345678-9`` with or without the hyphen)."""
    if not value:
        return "组织机构代码不能为空"
    code = value.replace("-", "")
    if len(code) != 9 or not re.fullmatch(r"[0-9A-Z]{8}[0-9X]", code):
        return "组织机构代码应为8位数字或大写字母加1位校验码"
    if org_code_check_char(code[:8]) != code[8]:
        return "组织机构代码校验码错误"
    return None


def is_valid_org_code(value: str) -> bool:
    return validate_org_code(value) is None


def make_credit_code(
    rng: random.Random | int | str | None = None,
    *,
    division: str = "320923",
    authority: str = "9",
    category: str = "1",
    org_body: str | None = None,
) -> str:
    """A valid synthetic credit code.

    ``rng`` is a ``random.Random`` or a seed for one; ``org_body`` (8 characters) fixes the
    organisation code part instead of drawing it. The organisation code gets its GB 11714 check
    character, and the whole code its GB 32100 check character, so the result passes both
    :func:`validate_credit_code` and :func:`validate_org_code` on positions 9-17.
    """
    if not isinstance(rng, random.Random):
        rng = random.Random(rng)
    if len(division) != 6 or not division.isdigit():
        raise ValueError("division must be 6 digits")
    if org_body is None:
        # MA prefix is what registration systems give new enterprises since 2015; the rest is
        # drawn from digits and the letters allowed in both alphabets.
        tail_alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        org_body = "MA" + "".join(rng.choice(tail_alphabet) for _ in range(6))
    org_body = org_body.upper()
    org_check = org_code_check_char(org_body)
    body = f"{authority}{category}{division}{org_body}{org_check}"
    return body + credit_code_check_char(body)


# --------------------------------------------------------------------------------------------
# GB 11643-1999 citizen identity number
# --------------------------------------------------------------------------------------------

# Province-level division codes (GB/T 2260), plus 71 台湾, 81 香港, 82 澳门 and 83 for residence
# permits of Taiwan residents (830000).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip

_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
ID_MIN_BIRTH_YEAR = 1900


def normalize_id_number(value: str) -> str:
    """Strip blanks and upper-case the trailing x."""
    return re.sub(r"[\s\u3000]+", "", str(value)).upper()


def id_check_char(body: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(body) != 17 or not body.isdigit():
        raise ValueError("body must be 17 digits")
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_birth_date(value: str) -> date | None:
    """Birth date encoded in positions 7-14, or ``None`` if it is not a real date."""
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


def id_gender(value: str) -> str:
    """'M' or 'F' from the parity of the sequence code (position 17)."""
    return "M" if int(value[16]) % 2 else "F"


def validate_id_number(value: str, *, today: date | None = None) -> str | None:
    """``None`` if ``value`` is a valid 18-character GB 11643 citizen identity number.

    Checks format, that positions 1-6 look like a division code (a known province code), that
    positions 7-14 are a real birth date between 1900 and ``today`` and the check character. A
    lower-case x is refused here (normalize first to accept it).
    """
    if value is None or value == "":
        return "身份证号码不能为空"
    if not isinstance(value, str):
        return "身份证号码必须是文本"
    if len(value) == 15 and value.isdigit():
        return "请填写18位身份证号码（15位旧号码已停止使用）"
    if len(value) != 18:
        return f"身份证号码应为18位，当前为{len(value)}位"
    if not _ID_RE.match(value):
        if value[17] == "x" and value[:17].isdigit():
            return "身份证号码末位校验码X应为大写"
        return "身份证号码前17位应为数字，末位为数字或X"
    if value[:2] not in PROVINCE_CODES:
        return "身份证号码前6位不是有效的行政区划代码"
    birth = id_birth_date(value)
    if birth is None:
        return "身份证号码中的出生日期不是有效日期"
    today = today or date.today()
    if birth.year < ID_MIN_BIRTH_YEAR or birth > today:
        return "身份证号码中的出生日期不在合理范围内"
    if id_check_char(value[:17]) != value[17]:
        return "身份证号码校验码错误，请核对是否输错"
    return None


def is_valid_id_number(value: str, *, today: date | None = None) -> bool:
    return validate_id_number(value, today=today) is None


def make_id_number(division: str, birth: date, sequence: int) -> str:
    """A valid ID number for ``division`` (6 digits), ``birth`` and ``sequence`` (0-999).

    The parity of ``sequence`` gives the gender (odd = male).
    """
    if len(division) != 6 or not division.isdigit():
        raise ValueError("division must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be in 0..999")
    body = f"{division}{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_char(body)


# --------------------------------------------------------------------------------------------
# Mobile phone numbers
# --------------------------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    """Remove blanks, hyphens and a leading +86 / 0086 / 86 country code."""
    s = re.sub(r"[\s\u3000\-()（）]+", "", str(value))
    for prefix in ("+86", "0086"):
        if s.startswith(prefix):
            return s[len(prefix) :]
    if len(s) == 13 and s.startswith("86"):
        return s[2:]
    return s


def validate_mobile(value: str) -> str | None:
    """``None`` if ``value`` is an 11-digit mainland mobile number starting with 13-19."""
    if value is None or value == "":
        return "手机号码不能为空"
    if not isinstance(value, str):
        return "手机号码必须是文本"
    if not value.isdigit() or not value.isascii():
        return "手机号码只能包含数字"
    if len(value) != 11:
        return f"手机号码应为11位，当前为{len(value)}位"
    if not _MOBILE_RE.match(value):
        return "手机号码应以13至19开头"
    return None


def is_valid_mobile(value: str) -> bool:
    return validate_mobile(value) is None


# Real mobile prefixes (China Mobile, Unicom, Telecom, Broadnet) used for synthetic numbers.
_MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 157 158 159 "
    "166 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 192 193 195 198 199"
).split()


def make_mobile(rng: random.Random | int | str | None = None) -> str:
    """A syntactically valid synthetic mobile number (not guaranteed to be unassigned)."""
    if not isinstance(rng, random.Random):
        rng = random.Random(rng)
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


# --------------------------------------------------------------------------------------------
# Masking for display (PIPL): keep only what identifies the record to someone who already knows it
# --------------------------------------------------------------------------------------------


def mask_id_number(value: str | None) -> str:
    """``320923199001011234`` -> ``320923********1234``: keeps the division code and the last 4."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` -> ``138****5678``; other lengths keep at most the first 3 and last 4."""
    if not value:
        return ""
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """``张三`` -> ``张*``, ``欧阳娜娜`` -> ``欧***``: the family name stays readable."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
