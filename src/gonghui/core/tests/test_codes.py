"""Tests of the pure code helpers (no database, no Django)."""

import random
from datetime import date

import pytest

from gonghui.core import codes

# Credit codes of real companies, as published in their public registration records.
REAL_CREDIT_CODES = {
    "914403001922038216": "华为技术有限公司",
    "91440300708461136T": "腾讯科技（深圳）有限公司",
    "91330100799655058B": "阿里巴巴（中国）有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
}


@pytest.mark.parametrize("code", sorted(REAL_CREDIT_CODES))
def test_real_credit_codes_are_valid(code):
    assert codes.validate_credit_code(code) is None
    assert codes.is_valid_credit_code(code)
    # their embedded organisation codes are valid GB 11714 codes too
    assert codes.validate_org_code(code[8:17]) is None
    assert codes.credit_code_category(code) == ("工商", "企业")


def test_credit_check_char_and_weights():
    assert codes._CREDIT_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert codes.credit_code_check_char("91440300708461136") == "T"
    assert codes.credit_code_check_char("91440300192203821") == "6"
    with pytest.raises(ValueError):
        codes.credit_code_check_char("9144030019220382")
    with pytest.raises(ValueError):
        codes.credit_code_check_char("9144030019220382I")


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("", "不能为空"),
        ("91440300708461136", "应为18位"),
        ("91440300708461136TT", "应为18位"),
        ("914403001922038217", "校验码错误"),  # last character changed
        ("914403001922038261", "校验码错误"),  # two characters swapped
        ("91440300708461136t", "大写"),
        ("91440300708461I36T", "不允许的字符"),
        ("9144O300708461136T", "不允许的字符"),
        ("9144A300708461136T", "行政区划代码"),
    ],
)
def test_invalid_credit_codes(value, fragment):
    message = codes.validate_credit_code(value)
    assert message is not None and fragment in message
    assert not codes.is_valid_credit_code(value)


def test_every_single_character_error_in_a_credit_code_is_detected():
    code = "91330100799655058B"
    for i in range(18):
        for c in codes.CREDIT_ALPHABET:
            if c != code[i]:
                assert not codes.is_valid_credit_code(code[:i] + c + code[i + 1 :])


def test_normalize_credit_code():
    assert codes.normalize_credit_code(" 9144 0300 7084 6113 6t\u3000") == "91440300708461136T"


def test_credit_code_category():
    assert codes.credit_code_category("81320923MA1XXXXXXX") == ("工会", "基层工会")
    assert codes.credit_code_category("92320923MA1XXXXXXX") == ("工商", "个体工商户")
    assert codes.credit_code_category("99320923MA1XXXXXXX") is None
    assert codes.credit_code_category("") is None


def test_org_code():
    # the GB 11714 example commonly quoted in textbooks: D2143569-X
    assert codes.org_code_check_char("D2143569") == "X"
    assert codes.validate_org_code("D2143569-X") is None
    assert codes.validate_org_code("D2143569-1") == "组织机构代码校验码错误"
    assert codes.validate_org_code("D214") is not None


def test_make_credit_code_is_valid_deterministic_and_varied():
    made = {codes.make_credit_code(random.Random(i)) for i in range(2000)}
    assert len(made) == 2000
    for code in made:
        assert codes.validate_credit_code(code) is None, code
        assert codes.validate_org_code(code[8:17]) is None, code
        assert code[2:8] == "320923"
    assert codes.make_credit_code(7) == codes.make_credit_code(7)
    union = codes.make_credit_code(1, authority="8", category="1", division="320900")
    assert codes.credit_code_category(union) == ("工会", "基层工会")
    assert codes.make_credit_code(org_body="70846113")[8:17] == "708461136"
    with pytest.raises(ValueError):
        codes.make_credit_code(1, division="3209")


# --- citizen ID numbers ---------------------------------------------------------------------


def test_standard_id_example():
    # the example printed in GB 11643-1999 and most textbooks (female, born 1949-12-31)
    assert codes.validate_id_number("11010519491231002X") is None
    assert codes.id_check_char("11010519491231002") == "X"
    assert codes.id_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert codes.id_gender("11010519491231002X") == "F"
    assert codes.is_valid_id_number("11010519491231002X")


def test_id_example_before_1900_is_refused_but_check_digit_holds():
    # the classic example of a 19th-century birth date: we refuse births before 1900
    assert codes.id_check_char("44052418800101001") == "4"
    assert "出生日期" in codes.validate_id_number("440524188001010014")


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("", "不能为空"),
        ("110105491231002", "15位"),
        ("11010519491231002", "应为18位"),
        ("110105194912310021", "校验码错误"),
        ("11010519491231002x", "大写"),
        ("11010519491231A02X", "前17位应为数字"),
        ("99010519491231002X", "行政区划代码"),
        ("00010519491231002X", "行政区划代码"),
        ("110105194902300025", "出生日期不是有效日期"),  # 30 February
        ("110105194913010025", "出生日期不是有效日期"),  # month 13
        ("110105209901010025", "出生日期不在合理范围内"),  # in the future
    ],
)
def test_invalid_id_numbers(value, fragment):
    message = codes.validate_id_number(value, today=date(2026, 1, 1))
    assert message is not None and fragment in message, message


def test_every_single_digit_error_in_an_id_number_is_detected():
    value = "11010519491231002X"
    for i in range(17):
        for d in "0123456789":
            if d != value[i]:
                changed = value[:i] + d + value[i + 1 :]
                assert not codes.is_valid_id_number(changed), changed


def test_make_id_number():
    value = codes.make_id_number("320923", date(1990, 1, 1), 123)
    assert value.startswith("32092319900101123")
    assert codes.validate_id_number(value) is None
    assert codes.id_gender(value) == "M"
    rng = random.Random(5)
    for _ in range(3000):
        birth = date(rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28))
        made = codes.make_id_number("3209" + f"{rng.randint(1, 99):02d}", birth, rng.randrange(1000))
        assert codes.validate_id_number(made) is None
    with pytest.raises(ValueError):
        codes.make_id_number("32092", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        codes.make_id_number("320923", date(1990, 1, 1), 1000)


def test_normalize_id_number():
    assert codes.normalize_id_number(" 110105 19491231 002x ") == "11010519491231002X"


# --- phones ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["13812345678", "19912345678", "14700000000", "16612345678"])
def test_valid_mobiles(value):
    assert codes.validate_mobile(value) is None


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("", "不能为空"),
        ("1381234567", "11位"),
        ("138123456789", "11位"),
        ("12812345678", "13至19"),
        ("23812345678", "13至19"),
        ("1381234567a", "只能包含数字"),
        ("１３８１２３４５６７８", "只能包含数字"),  # full-width digits
    ],
)
def test_invalid_mobiles(value, fragment):
    message = codes.validate_mobile(value)
    assert message is not None and fragment in message


def test_normalize_and_make_mobile():
    assert codes.normalize_mobile("+86 138-1234-5678") == "13812345678"
    assert codes.normalize_mobile("8613812345678") == "13812345678"
    assert codes.normalize_mobile("0086 13812345678") == "13812345678"
    rng = random.Random(1)
    assert all(codes.is_valid_mobile(codes.make_mobile(rng)) for _ in range(1000))
    assert codes.make_mobile(3) == codes.make_mobile(3)


# --- masking --------------------------------------------------------------------------------


def test_masking():
    assert codes.mask_id_number("320923199001011234") == "320923********1234"
    assert codes.mask_phone("13812345678") == "138****5678"
    assert codes.mask_id_number("") == ""
    assert codes.mask_id_number(None) == ""
    assert codes.mask_id_number("12345") == "*****"
    assert codes.mask_phone("051588") == "0*****"
    assert codes.mask_phone("0515-87654321") == "051******4321"
    assert codes.mask_name("张三") == "张*"
    assert codes.mask_name("欧阳娜娜") == "欧***"


def test_module_is_pure():
    import subprocess
    import sys

    script = "import sys, gonghui.core.codes; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
