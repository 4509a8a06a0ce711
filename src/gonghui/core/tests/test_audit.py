"""core.audit: snapshots as plain, masked data; diffs of only what changed; one id per request."""

from datetime import date

import pytest

from gonghui.core import audit
from gonghui.core.middleware import RequestIdMiddleware


def test_a_diff_holds_only_changed_fields_with_before_and_after():
    before = {"name": "甲", "headcount": 20, "address": ""}
    after = {"name": "甲", "headcount": 45, "address": "益林镇"}
    assert audit.diff(before, after) == {"address": ["", "益林镇"], "headcount": [20, 45]}
    assert audit.diff(before, dict(before)) == {}


def test_a_diff_from_nothing_is_a_creation():
    assert audit.diff({}, {"name": "甲"}) == {"name": [None, "甲"]}


def test_values_become_plain_json_data():
    from decimal import Decimal

    assert audit._plain(date(2024, 5, 1)) == "2024-05-01"
    assert audit._plain(Decimal("1.50")) == "1.50"
    assert audit._plain(True) is True
    assert audit._plain(None) is None


@pytest.mark.django_db
def test_a_member_snapshot_masks_personal_data_and_skips_lookup_hashes():
    from gonghui.core import codes
    from gonghui.core.testing import build_world, make_member

    world = build_world()
    member = make_member(world.town_a, phone="13812345678")
    snap = audit.snapshot(member)
    assert snap["id_number"] == codes.mask_id_number(member.id_number)
    assert snap["phone"] == "138****5678"
    assert "id_number_hash" not in snap and "phone_hash" not in snap
    assert "updated_at" not in snap and "created_at" not in snap
    assert snap["union"] == "益林镇工会"


def test_outside_a_request_each_write_gets_a_fresh_id():
    assert audit.current_request_id() != audit.current_request_id()


def test_inside_a_request_every_call_gets_the_same_id_and_the_response_names_it():
    from django.http import HttpResponse
    from django.test import RequestFactory

    seen = []

    def view(request):
        seen.extend([audit.current_request_id(), audit.current_request_id()])
        return HttpResponse()

    response = RequestIdMiddleware(view)(RequestFactory().get("/"))
    assert seen[0] == seen[1] == response["X-Request-Id"]
    assert audit.request_id_var.get() is None  # reset after the request


def test_history_shows_structured_values_as_pairs_not_python_dicts():
    from gonghui.core.models import readable

    assert readable({"min_enterprises": 3, "p10_p90": True}) == "min_enterprises：3；p10_p90：是"
    assert readable(["甲", "乙"]) == "甲、乙"
    assert readable({}) == "—"
    assert readable(None) is None and readable("") is None
    assert readable(0) == 0 and readable("x") == "x"


def test_history_shows_a_choice_by_its_label_and_a_time_in_local_time():
    from gonghui.core.models import AuditEntry, OfficialDay, readable

    kind = OfficialDay._meta.get_field("kind")
    assert readable("workday", kind) == "调休上班"
    assert readable("gone", kind) == "gone"  # a choice removed since: the stored value
    timestamp = AuditEntry._meta.get_field("timestamp")
    # The audit snapshot stores UTC; the page reads Beijing time, to the minute.
    assert readable("2026-11-24T21:29:46.618391+00:00", timestamp) == "2026-11-25 05:29"
    assert readable("not a time", timestamp) == "not a time"


@pytest.mark.django_db
def test_history_leaves_out_a_field_that_went_from_nothing_to_nothing():
    from django.contrib.contenttypes.models import ContentType

    from gonghui.core.models import AuditEntry, OfficialDay

    entry = AuditEntry(
        content_type=ContentType.objects.get_for_model(OfficialDay),
        changes={"name": [None, ""], "source": [None, "国办发明电〔2025〕7号"], "kind": ["", "holiday"]},
    )
    assert entry.labelled_changes() == [("依据", None, "国办发明电〔2025〕7号"), ("类型", None, "放假")]


def test_list_columns_show_and_export_times_in_beijing_time():
    from datetime import UTC, datetime

    from gonghui.core.tables import Column

    published = Column("发布时间", "at").value(
        type("Row", (), {"at": datetime(2026, 11, 24, 21, 37, tzinfo=UTC)})()
    )
    assert published == "2026-11-25 05:37"
