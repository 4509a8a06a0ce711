"""Logins and roles: argon2 hashes, lockout after five failures with a Chinese lock page, sessions
that end with the working day or the browser, and role permissions as documented."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.models import Session
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

import gonghui.settings as production
from gonghui.accounts.roles import permissions_for
from gonghui.core.testing import build_world, make_member, make_user

PASSWORD = "pw-Test-12345"


class PasswordHashingTest(TestCase):
    def test_argon2_is_the_first_hasher_in_production_settings(self):
        self.assertEqual(production.PASSWORD_HASHERS[0], "django.contrib.auth.hashers.Argon2PasswordHasher")

    def test_passwords_are_stored_as_argon2_hashes_with_production_hashers(self):
        with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
            encoded = make_password("gonghui-demo-pw")
            self.assertTrue(encoded.startswith("argon2$argon2id$"), encoded)
            self.assertTrue(check_password("gonghui-demo-pw", encoded))
            self.assertFalse(check_password("wrong-password", encoded))

    def test_short_and_common_passwords_are_refused(self):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        for weak in ("abc12345", "password123", "1234567890"):
            with self.assertRaises(ValidationError, msg=weak):
                validate_password(weak)
        validate_password("益林镇-工会-2026-春")


class LoginTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.user = make_user(cls.world.town_a, role="town_cadre", username="cadre")
        cls.other = make_user(cls.world.town_a, role="town_cadre", username="other")

    def login(self, username="cadre", password=PASSWORD):
        return self.client.post(reverse("login"), {"username": username, "password": password})

    def test_the_login_page_is_in_chinese(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, "登录工会工作平台")
        self.assertContains(response, 'lang="zh-hans"')
        # A worker without an account finds the public form from here.
        self.assertContains(response, reverse("hotline:public_form"))

    def test_a_good_login_lands_on_the_dashboard(self):
        response = self.login()
        self.assertRedirects(response, reverse("dashboard"))

    def test_a_wrong_password_is_answered_in_chinese(self):
        response = self.login(password="wrong-password")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "用户名或密码不正确")

    def test_five_failed_logins_lock_the_account_with_a_chinese_page(self):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            self.assertContains(self.login(password="wrong-password"), "用户名或密码不正确")
        response = self.login(password="wrong-password")
        self.assertContains(response, "账号已被锁定", status_code=response.status_code)
        self.assertIn(response.status_code, (403, 429))
        # Now even the right password is refused.
        response = self.login()
        self.assertContains(response, "账号已被锁定", status_code=response.status_code)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_the_lockout_is_per_account(self):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self.login(password="wrong-password")
        self.assertRedirects(self.login(username="other"), reverse("dashboard"))

    def test_a_success_resets_the_failure_count(self):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            self.login(password="wrong-password")
        self.assertRedirects(self.login(), reverse("dashboard"))
        self.client.logout()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            self.login(password="wrong-password")
        self.assertRedirects(self.login(), reverse("dashboard"))

    def test_the_lock_lasts_an_hour(self):
        self.assertEqual(settings.AXES_FAILURE_LIMIT, 5)
        self.assertEqual(settings.AXES_COOLOFF_TIME, 1)

    def test_logout_is_a_post(self):
        self.login()
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"))
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 302)


class SessionTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.user = make_user(cls.world.town_a, role="town_cadre", username="cadre")

    def test_sessions_last_a_working_day_and_end_with_the_browser(self):
        self.assertEqual(settings.SESSION_COOKIE_AGE, 8 * 3600)
        self.assertTrue(settings.SESSION_EXPIRE_AT_BROWSER_CLOSE)
        self.assertTrue(settings.SESSION_SAVE_EVERY_REQUEST)
        self.assertTrue(settings.SESSION_COOKIE_HTTPONLY)

    def test_the_session_cookie_is_a_browser_session_cookie(self):
        response = self.client.post(reverse("login"), {"username": "cadre", "password": PASSWORD})
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        self.assertEqual(cookie["max-age"], "")
        self.assertEqual(cookie["expires"], "")

    def test_an_expired_session_sends_the_user_back_to_login(self):
        self.client.post(reverse("login"), {"username": "cadre", "password": PASSWORD})
        self.assertEqual(self.client.get(reverse("dashboard")).status_code, 200)
        Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
        response = self.client.get(reverse("dashboard"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_activity_pushes_the_expiry_forward(self):
        self.client.post(reverse("login"), {"username": "cadre", "password": PASSWORD})
        Session.objects.update(expire_date=timezone.now() + timedelta(minutes=5))
        self.client.get(reverse("dashboard"))
        remaining = Session.objects.get().expire_date - timezone.now()
        self.assertGreater(remaining, timedelta(hours=7))


class RolePermissionsTest(TestCase):
    def test_only_the_county_admin_sees_personal_data_whole(self):
        holders = {
            role
            for role in (
                "county_admin",
                "town_cadre",
                "enterprise_chair",
                "hotline_operator",
                "bargaining_guide",
                "worker",
            )
            if "orgs.view_pii" in permissions_for(role)
        }
        self.assertEqual(holders, {"county_admin"})

    def test_a_worker_may_only_view_members(self):
        orgs_perms = {p for p in permissions_for("worker") if p.startswith("orgs.")}
        self.assertEqual(orgs_perms, {"orgs.view_member", "orgs.view_industry"})

    def test_a_town_cadre_may_import_and_export_but_not_delete_unions(self):
        perms = permissions_for("town_cadre")
        self.assertTrue({"orgs.import_data", "orgs.export_data", "orgs.add_enterprise"} <= perms)
        self.assertNotIn("orgs.delete_unionorg", perms)

    def test_an_unknown_or_empty_role_grants_nothing(self):
        self.assertEqual(permissions_for(""), set())
        self.assertEqual(permissions_for("janitor"), set())

    def test_the_role_backend_grants_role_permissions_to_active_accounts_only(self):
        world = build_world()
        user = make_user(world.town_a, role="town_cadre")
        self.assertTrue(user.has_perm("orgs.change_enterprise"))
        user.is_active = False
        user.save()
        user = get_user_model().objects.get(pk=user.pk)
        self.assertFalse(user.has_perm("orgs.change_enterprise"))

    def test_a_worker_account_is_linked_to_its_member_record(self):
        world = build_world()
        member = make_member(world.union_a)
        worker = make_user(world.union_a, role="worker", member=member)
        self.assertEqual(member.account, worker)
        self.assertEqual(str(worker.get_role_display()), "职工")
