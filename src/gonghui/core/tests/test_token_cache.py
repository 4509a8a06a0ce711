"""API tokens remembered per process (core.permissions.CachedTokenAuthentication).

What is remembered must never outlive a revocation for long: a change made through the models
takes effect at once in this process, one made elsewhere (another server process, here: a bare
UPDATE that sends no signal) within GONGHUI_AUTH_CACHE_SECONDS.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import TestCase
from rest_framework.authtoken.models import Token

from gonghui.core import permissions
from gonghui.core.testing import api_client, build_world, make_enterprise, make_user

URL = "/api/orgs/enterprises/"


def _age(key, seconds):
    """Make the remembered entry of `key` older by `seconds` (as if that much time had passed)."""
    at, user, token = permissions._tokens[key]
    permissions._tokens[key] = (at - seconds, user, token)


class TokenCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        make_enterprise(cls.world.town_a, "320923115")
        make_enterprise(cls.world.town_b, "320923101")

    def setUp(self):
        permissions.forget_tokens()
        self.user = make_user(self.world.town_a, "orgs.view_enterprise")
        self.client = api_client(self.user)
        self.key = Token.objects.get(user=self.user).key

    def _names(self):
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200, response.content)
        return {row["name"] for row in response.json()["results"]}

    def test_the_token_is_read_once_then_answered_from_memory_and_scoped(self):
        mine = self._names()
        self.assertEqual(len(mine), 2)  # the two enterprises of town A
        self.assertIn(self.key, permissions._tokens)
        with self.assertNumQueries(2):  # the page's count and rows: no token, account or grant reads
            self.assertEqual(self._names(), mine)
        # an account from elsewhere, remembered alongside, still sees only its own town
        other = api_client(make_user(self.world.town_b, "orgs.view_enterprise"))
        for _ in range(2):
            theirs = {row["name"] for row in other.get(URL).json()["results"]}
            self.assertEqual(len(theirs), 2)
            self.assertTrue(mine.isdisjoint(theirs))

    def test_a_deleted_token_is_refused_at_once(self):
        self._names()
        Token.objects.filter(key=self.key).delete()
        self.assertEqual(self.client.get(URL).status_code, 401)

    def test_a_changed_role_or_withdrawn_grant_applies_at_once(self):
        self._names()
        perm = Permission.objects.get(content_type__app_label="orgs", codename="view_enterprise")
        self.user.user_permissions.remove(perm)
        self.assertEqual(self.client.get(URL).status_code, 403)
        user = get_user_model().objects.get(pk=self.user.pk)
        user.role = "county_admin"  # a role that may read enterprises
        user.save()
        self.assertEqual(self.client.get(URL).status_code, 200)
        user.is_active = False
        user.save()
        self.assertEqual(self.client.get(URL).status_code, 401)

    def test_a_change_made_by_another_process_applies_within_the_documented_time(self):
        self._names()
        # No signal reaches this process: what another server process's change looks like here.
        get_user_model().objects.filter(pk=self.user.pk).update(is_active=False)
        self.assertEqual(self.client.get(URL).status_code, 200)  # still remembered…
        _age(self.key, permissions.auth_cache_seconds() - 1)
        self.assertEqual(self.client.get(URL).status_code, 200)
        _age(self.key, 1)  # …for GONGHUI_AUTH_CACHE_SECONDS at most
        self.assertEqual(self.client.get(URL).status_code, 401)

    def test_a_token_deleted_elsewhere_is_refused_within_the_documented_time(self):
        self._names()
        Token.objects.filter(key=self.key)._raw_delete(Token.objects.db)  # no signal, as elsewhere
        _age(self.key, permissions.auth_cache_seconds())
        self.assertEqual(self.client.get(URL).status_code, 401)

    def test_each_request_gets_its_own_account_object(self):
        auth = permissions.CachedTokenAuthentication()
        first, _ = auth.authenticate_credentials(self.key)
        second, _ = auth.authenticate_credentials(self.key)
        self.assertIsNot(first, second)
        first.request_only = True
        self.assertFalse(hasattr(second, "request_only"))
        self.assertEqual(first.org, self.world.town_a)
        self.assertTrue(first.has_perm("orgs.view_enterprise"))

    def test_an_unknown_token_is_refused_and_not_remembered(self):
        client = api_client(self.user)
        client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
        self.assertEqual(client.get(URL).status_code, 401)
        self.assertNotIn("0" * 40, permissions._tokens)
