"""Personal data (PIPL): ID numbers and phones are encrypted at rest, found only by exact value
through a keyed hash, shown masked to everyone without `orgs.view_pii` and whole to county admins."""

import io
from datetime import date

from django.db import connection
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from gonghui.core import codes, pii
from gonghui.core.testing import api_client, build_world, make_member, make_user
from gonghui.orgs.models import Member

ID_NUMBER = codes.make_id_number("320923", date(1988, 8, 8), 456)
PHONE = "13851234567"
ID_MASKED = codes.mask_id_number(ID_NUMBER)
PHONE_MASKED = "138****4567"


class PIITestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.member = Member(
            name="孙会员",
            id_number=ID_NUMBER,
            phone=PHONE,
            union=cls.world.town_a,
            joined_on=date(2021, 3, 1),
        )
        cls.member.save()
        cls.cadre = make_user(cls.world.town_a, role="town_cadre")  # no view_pii
        cls.admin = make_user(cls.world.county, role="county_admin")  # has view_pii


class EncryptionAtRestTest(PIITestCase):
    def raw_row(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id_number, phone, id_number_hash, phone_hash FROM orgs_member WHERE id = %s",
                [self.member.pk],
            )
            return cursor.fetchone()

    def test_the_database_holds_no_plaintext_id_number_or_phone(self):
        raw = self.raw_row()
        stored = " ".join(raw)
        self.assertNotIn(ID_NUMBER, stored)
        self.assertNotIn(ID_NUMBER[-8:], stored)
        self.assertNotIn(PHONE, stored)
        self.assertTrue(raw[0].startswith("v1:") and raw[1].startswith("v1:"))

    def test_the_model_reads_the_plaintext_back(self):
        member = Member.objects.get(pk=self.member.pk)
        self.assertEqual((member.id_number, member.phone), (ID_NUMBER, PHONE))

    def test_equal_values_encrypt_differently_each_time(self):
        self.assertNotEqual(pii.encrypt(ID_NUMBER), pii.encrypt(ID_NUMBER))
        self.assertEqual(pii.decrypt(pii.encrypt(ID_NUMBER)), ID_NUMBER)

    def test_the_lookup_hash_is_keyed_not_a_plain_digest(self):
        import hashlib

        raw = self.raw_row()
        self.assertEqual(raw[2], pii.blind_index(ID_NUMBER))
        self.assertNotEqual(raw[2], hashlib.sha256(ID_NUMBER.encode()).hexdigest())
        other_key = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI="
        with override_settings(PII_KEY=other_key):
            self.assertNotEqual(pii.blind_index(ID_NUMBER), raw[2])

    def test_a_different_key_cannot_decrypt(self):
        stored = self.raw_row()[0]
        with override_settings(PII_KEY="b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI="):
            with self.assertRaises(Exception):  # noqa: B017 - cryptography's InvalidTag
                pii.decrypt(stored)

    def test_the_same_id_number_cannot_be_registered_twice(self):
        from django.core.exceptions import ValidationError

        from gonghui.orgs import services

        with self.assertRaises(ValidationError) as caught:
            services.create_member(
                self.cadre,
                {
                    "name": "重名",
                    "id_number": ID_NUMBER.lower(),
                    "union": self.world.town_a,
                    "joined_on": date(2024, 1, 1),
                },
            )
        self.assertIn("该身份证号已登记为会员。", caught.exception.messages)


class ExactSearchTest(PIITestCase):
    def search_page(self, q):
        self.client.force_login(self.cadre)
        return [m.pk for m in self.client.get(reverse("orgs:member_list"), {"q": q}).context["object_list"]]

    def test_a_member_is_found_by_exact_id_number_or_phone(self):
        self.assertEqual(self.search_page(ID_NUMBER), [self.member.pk])
        self.assertEqual(self.search_page(PHONE), [self.member.pk])
        self.assertEqual(self.search_page(f"  {ID_NUMBER}  "), [self.member.pk])

    def test_a_lower_case_x_finds_the_id_number(self):
        x_id = codes.make_id_number("320923", date(1979, 1, 2), 3)
        n = 3
        while not x_id.endswith("X"):
            n += 1
            x_id = codes.make_id_number("320923", date(1979, 1, 2), n)
        member = Member(name="带X的人", id_number=x_id, union=self.world.town_a, joined_on=date(2020, 1, 1))
        member.save()
        self.assertEqual(self.search_page(x_id.lower()), [member.pk])

    def test_a_fragment_of_an_id_number_or_phone_finds_no_one(self):
        self.assertEqual(self.search_page(ID_NUMBER[:10]), [])
        self.assertEqual(self.search_page(PHONE[-4:]), [])

    def test_the_api_finds_by_exact_id_number(self):
        data = api_client(self.cadre).get("/api/orgs/members/", {"q": ID_NUMBER}).json()
        self.assertEqual([row["id"] for row in data["results"]], [self.member.pk])

    def test_another_towns_cadre_cannot_probe_an_id_number(self):
        other = make_user(self.world.town_b, role="town_cadre")
        self.client.force_login(other)
        response = self.client.get(reverse("orgs:member_list"), {"q": ID_NUMBER})
        self.assertEqual(list(response.context["object_list"]), [])


class MaskingTest(PIITestCase):
    def test_a_cadre_without_the_right_sees_masked_values_on_list_and_detail_pages(self):
        self.client.force_login(self.cadre)
        for url in (reverse("orgs:member_list"), reverse("orgs:member_detail", args=[self.member.pk])):
            response = self.client.get(url)
            self.assertContains(response, ID_MASKED)
            self.assertContains(response, PHONE_MASKED)
            self.assertNotContains(response, ID_NUMBER)
            self.assertNotContains(response, PHONE)

    def test_the_edit_form_does_not_send_the_stored_values_to_the_browser(self):
        self.client.force_login(self.cadre)
        response = self.client.get(reverse("orgs:member_edit", args=[self.member.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, ID_NUMBER)
        self.assertNotContains(response, PHONE)
        self.assertContains(response, "不修改请留空")

    def test_saving_the_edit_form_with_the_masked_fields_left_empty_keeps_the_stored_values(self):
        self.client.force_login(self.cadre)
        response = self.client.post(
            reverse("orgs:member_edit", args=[self.member.pk]),
            {
                "name": "孙会员（改）",
                "id_number": "",
                "phone": "",
                "union": self.world.town_a.pk,
                "joined_on": "2021-03-01",
                "new_form_kind": "",
            },
        )
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context["form"].errors
        )
        member = Member.objects.get(pk=self.member.pk)
        self.assertEqual((member.name, member.id_number, member.phone), ("孙会员（改）", ID_NUMBER, PHONE))

    def test_the_api_masks_for_a_cadre_and_never_returns_the_raw_fields(self):
        row = api_client(self.cadre).get(f"/api/orgs/members/{self.member.pk}/").json()
        self.assertEqual((row["id_number_display"], row["phone_display"]), (ID_MASKED, PHONE_MASKED))
        self.assertNotIn("id_number", row)
        self.assertNotIn("phone", row)
        self.assertNotIn(ID_NUMBER, str(row))

    def test_the_export_masks_for_a_cadre(self):
        self.client.force_login(self.cadre)
        response = self.client.get(reverse("orgs:member_list"), {"export": "xlsx"})
        cells = [
            c
            for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
            for c in row
        ]
        self.assertIn(ID_MASKED, cells)
        self.assertIn(PHONE_MASKED, cells)
        self.assertNotIn(ID_NUMBER, cells)
        self.assertNotIn(PHONE, cells)

    def test_a_county_admin_sees_the_whole_values_on_pages_api_and_export(self):
        self.client.force_login(self.admin)
        response = self.client.get(reverse("orgs:member_detail", args=[self.member.pk]))
        self.assertContains(response, ID_NUMBER)
        self.assertContains(response, PHONE)
        row = api_client(self.admin).get(f"/api/orgs/members/{self.member.pk}/").json()
        self.assertEqual((row["id_number_display"], row["phone_display"]), (ID_NUMBER, PHONE))
        response = self.client.get(reverse("orgs:member_list"), {"export": "xlsx"})
        cells = [
            c
            for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
            for c in row
        ]
        self.assertIn(ID_NUMBER, cells)
        self.assertIn(PHONE, cells)

    def test_the_masks_keep_the_division_code_and_last_four(self):
        self.assertEqual(ID_MASKED, ID_NUMBER[:6] + "********" + ID_NUMBER[-4:])
        self.assertEqual(codes.mask_id_number("320923199001011234"), "320923********1234")


class AnotherMemberTest(PIITestCase):
    def test_make_member_helper_also_stores_encrypted(self):
        member = make_member(self.world.town_a)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number FROM orgs_member WHERE id = %s", [member.pk])
            (stored,) = cursor.fetchone()
        self.assertNotIn(member.id_number, stored)
