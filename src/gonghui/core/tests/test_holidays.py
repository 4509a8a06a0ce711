"""The official working-day calendar: the package's notices, the federation's recorded ones, and the
weekend fallback for a year nobody has published yet."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gonghui.core import holidays, officialdays
from gonghui.core.models import AuditEntry, OfficialDay
from gonghui.core.testing import build_world, make_user

FIRST_UNKNOWN = holidays.last_package_year() + 1


def _sunday_before(day):
    return day - dt.timedelta(days=(day.weekday() + 1) % 7 or 7)


# A notice's make-up working days are weekend days; take the Sunday before the holiday.
SPRING = holidays.Arrangement(
    "春节",
    dt.date(FIRST_UNKNOWN, 2, 5),
    dt.date(FIRST_UNKNOWN, 2, 11),
    (_sunday_before(dt.date(FIRST_UNKNOWN, 2, 5)),),
)


def test_the_package_knows_a_make_up_working_day_on_a_saturday():
    assert holidays.day_status(dt.date(2026, 2, 14)) == (True, True)  # 春节调休上班（星期六）
    assert holidays.day_status(dt.date(2026, 2, 16)) == (False, True)  # 春节假期（星期一）


def test_a_year_the_package_does_not_know_falls_back_to_weekends_and_says_so():
    monday = dt.date(FIRST_UNKNOWN, 3, 1) + dt.timedelta(days=-dt.date(FIRST_UNKNOWN, 3, 1).weekday() + 7)
    assert holidays.day_status(monday) == (True, False)
    assert holidays.day_status(monday + dt.timedelta(days=5)) == (False, False)


def test_a_recorded_day_wins_over_the_fallback_and_the_package():
    monday = dt.date(FIRST_UNKNOWN, 2, 8) + dt.timedelta(days=-dt.date(FIRST_UNKNOWN, 2, 8).weekday())
    assert holidays.day_status(monday, {monday: False}) == (False, True)
    assert holidays.day_status(dt.date(2026, 2, 14), {dt.date(2026, 2, 14): False}) == (False, True)


def test_a_recorded_notice_makes_the_rest_of_its_year_known_but_a_correction_keeps_the_package():
    saturday = dt.date(FIRST_UNKNOWN, 6, 1) + dt.timedelta(
        days=(5 - dt.date(FIRST_UNKNOWN, 6, 1).weekday()) % 7
    )
    assert holidays.day_status(saturday, dict(SPRING.days())) == (False, True)
    corrected = {dt.date(2026, 3, 2): False}  # a Monday of a year the package knows
    assert holidays.day_status(dt.date(2026, 2, 14), corrected) == (True, True)  # package make-up day kept


def test_an_arrangement_lists_its_rest_days_and_make_up_days():
    days = dict(SPRING.days())
    assert sum(1 for w in days.values() if not w) == 7
    assert [d for d, w in days.items() if w] == list(SPRING.workdays)
    assert holidays.check_arrangement(SPRING) == []


@pytest.mark.parametrize(
    ("arrangement", "message"),
    [
        (holidays.Arrangement("春节", dt.date(2027, 2, 11), dt.date(2027, 2, 5)), "早于开始日期"),
        (holidays.Arrangement("春节", dt.date(2027, 2, 1), dt.date(2027, 3, 1)), "超过 15 天"),
        (holidays.Arrangement("", dt.date(2027, 2, 1), dt.date(2027, 2, 3)), "节日名称"),
        (
            holidays.Arrangement("春节", dt.date(2027, 2, 5), dt.date(2027, 2, 11), (dt.date(2027, 2, 6),)),
            "放假期间",
        ),
        (
            holidays.Arrangement("春节", dt.date(2027, 2, 5), dt.date(2027, 2, 11), (dt.date(2027, 2, 3),)),
            "周六或周日",
        ),
    ],
)
def test_a_wrong_arrangement_is_refused_with_the_reason(arrangement, message):
    assert any(message in e for e in holidays.check_arrangement(arrangement))


def test_dates_are_read_as_a_cadre_types_them():
    days, errors = holidays.parse_dates("1月31日、2027-02-20, 2/3", dt.date(2027, 2, 5))
    assert days == [dt.date(2027, 1, 31), dt.date(2027, 2, 20), dt.date(2027, 2, 3)]
    assert errors == []
    # 元旦 on 1 January: a make-up day written "12月27日" is the December before
    assert holidays.parse_dates("12月27日", dt.date(2027, 1, 1)) == ([dt.date(2026, 12, 27)], [])
    assert holidays.parse_dates("2月29日", dt.date(2028, 2, 5)) == ([dt.date(2028, 2, 29)], [])
    days, errors = holidays.parse_dates("2月30日 明天", dt.date(2027, 2, 5))
    assert days == [] and len(errors) == 2 and "不存在" in errors[0] and "无法识别" in errors[1]


@pytest.fixture(autouse=True)
def _fresh_calendar():
    officialdays.forget_cache()
    yield
    officialdays.forget_cache()  # the recorded days roll back with the test; so must the cache


@pytest.mark.django_db
class TestRecordingANotice:
    def test_the_county_records_a_holiday_and_every_deadline_sees_it(self):
        world = build_world()
        admin = make_user(world.county, role="county_admin")
        saved = officialdays.record_arrangement(admin, SPRING, f"国办发明电〔{FIRST_UNKNOWN - 1}〕1号")
        assert len(saved) == 8
        assert OfficialDay.objects.filter(kind=OfficialDay.Kind.HOLIDAY).count() == 7
        assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE).count() == 8
        overrides = officialdays.overrides()
        assert holidays.day_status(SPRING.workdays[0], overrides) == (True, True)
        assert holidays.day_status(SPRING.first, overrides) == (False, True)

    def test_entering_a_day_again_corrects_it_and_audits_the_change(self):
        world = build_world()
        admin = make_user(world.county, role="county_admin")
        officialdays.record_arrangement(admin, SPRING)
        shorter = holidays.Arrangement("春节", SPRING.first, SPRING.first + dt.timedelta(days=2))
        officialdays.record_arrangement(admin, shorter)
        assert OfficialDay.objects.count() == 8  # no duplicate days
        updates = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE)
        assert updates.count() == 0  # same kind and name: nothing changed, nothing recorded
        officialdays.record_arrangement(admin, holidays.Arrangement("元宵", SPRING.first, SPRING.first))
        assert AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).count() == 1

    def test_a_wrong_arrangement_writes_nothing(self):
        world = build_world()
        admin = make_user(world.county, role="county_admin")
        bad = holidays.Arrangement("春节", SPRING.last, SPRING.first)
        with pytest.raises(ValidationError):
            officialdays.record_arrangement(admin, bad)
        assert not OfficialDay.objects.exists()

    def test_a_town_cadre_may_not_record_even_with_the_permission(self):
        world = build_world()
        cadre = make_user(world.town_a, "core.add_officialday", "core.delete_officialday", role="town_cadre")
        with pytest.raises(PermissionDenied):
            officialdays.record_arrangement(cadre, SPRING)
        admin = make_user(world.county, role="county_admin")
        day = officialdays.record_arrangement(admin, SPRING)[0]
        with pytest.raises(PermissionDenied):
            officialdays.delete_day(cadre, day)


@pytest.mark.django_db
class TestHolidayPage:
    def test_the_county_admin_records_a_notice_through_the_page(self, client):
        world = build_world()
        client.force_login(make_user(world.county, role="county_admin"))
        url = reverse("core:holidays")
        page = client.get(url, {"year": FIRST_UNKNOWN})
        assert page.status_code == 200 and "尚未录入" in page.content.decode()
        response = client.post(
            url,
            {
                "name": "春节",
                "first": SPRING.first.isoformat(),
                "last": SPRING.last.isoformat(),
                "workdays": SPRING.workdays[0].isoformat(),
                "source": "通知",
            },
        )
        assert response.status_code == 302
        page = client.get(url, {"year": FIRST_UNKNOWN}).content.decode()
        assert "尚未录入" not in page and "调休上班" in page and page.count("删除") == 8

    def test_a_wrong_date_is_reported_on_the_form_and_nothing_is_saved(self, client):
        world = build_world()
        client.force_login(make_user(world.county, role="county_admin"))
        response = client.post(
            reverse("core:holidays"),
            {"name": "春节", "first": "2027-02-05", "last": "2027-02-11", "workdays": "2月30日"},
        )
        assert response.status_code == 400
        assert "不存在" in response.content.decode()
        assert not OfficialDay.objects.exists()

    def test_a_town_cadre_reads_the_calendar_but_cannot_change_it(self, client):
        world = build_world()
        admin = make_user(world.county, role="county_admin")
        day = officialdays.record_arrangement(admin, SPRING)[0]
        client.force_login(make_user(world.town_a, role="town_cadre"))
        page = client.get(reverse("core:holidays"), {"year": FIRST_UNKNOWN})
        assert page.status_code == 200 and "录入一个节日" not in page.content.decode()
        assert client.post(reverse("core:holidays"), {"name": "x"}).status_code == 403
        assert client.post(reverse("core:holiday_delete", args=[day.pk])).status_code == 403
        assert OfficialDay.objects.count() == 8

    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        response = client.get(reverse("core:holidays"))
        assert response.status_code == 302 and "login" in response["Location"]
