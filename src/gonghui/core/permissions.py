"""API authentication and permissions.

Imported by DRF's settings, so this module must not import DRF's views (core/api.py does).
"""

import copy
import threading
import time

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.authentication import TokenAuthentication

from gonghui.core.scoping import sees_every_union


class ModelPermissions(permissions.DjangoModelPermissions):
    """Like DRF's, but reading also needs the view permission: a role without it gets 403."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }


# --- token authentication remembered per process ----------------------------------------------------

_tokens: dict[str, tuple[float, object, object]] = {}  # key -> (monotonic time read, user, token)
_tokens_lock = threading.Lock()


def auth_cache_seconds() -> float:
    return float(getattr(settings, "GONGHUI_AUTH_CACHE_SECONDS", 10))


def forget_tokens(**_kwargs) -> None:
    """Drop every remembered token (connected to the signals of what authentication depends on)."""
    with _tokens_lock:
        _tokens.clear()


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with what every request then asks of the account read once.

    A token is looked up with its account, the account's union, its permissions (role and
    individual/group grants) and whether it governs the whole tree; the result is remembered in
    this process for ``GONGHUI_AUTH_CACHE_SECONDS`` (default 10 s). A deleted token, a deactivated
    account, a changed role, org or grant takes effect at once in the process that made the change
    (the signals below forget every remembered token) and within that many seconds in every other
    server process. Each request gets its own copy of the account object.
    """

    def authenticate_credentials(self, key):
        now = time.monotonic()
        entry = _tokens.get(key)
        if entry is None or now - entry[0] >= auth_cache_seconds():
            user, token = self._load(key)
            entry = (now, user, token)
            with _tokens_lock:
                if len(_tokens) > 10_000:  # a flood of distinct keys must not grow memory without bound
                    _tokens.clear()
                _tokens[key] = entry
        # Django's own per-instance copy: a fresh _state and fields cache, per-request attributes
        # set on it stay with this request (the permission sets are shared read-only).
        return copy.copy(entry[1]), entry[2]

    def _load(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__org").get(key=key)
        except model.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user.get_all_permissions()  # fills ModelBackend's caches on the object (user + group grants)
        user._perm_cache = frozenset(user._perm_cache)
        sees_every_union(user)
        return user, token


def _connect_invalidation():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from gonghui.orgs.models import UnionOrg

    user_model = get_user_model()
    for model in (Token, user_model, Group, UnionOrg):
        post_save.connect(
            forget_tokens, sender=model, dispatch_uid=f"gonghui-forget-tokens-save-{model.__name__}"
        )
        post_delete.connect(
            forget_tokens, sender=model, dispatch_uid=f"gonghui-forget-tokens-delete-{model.__name__}"
        )
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(
            forget_tokens, sender=through, dispatch_uid=f"gonghui-forget-tokens-m2m-{through.__name__}"
        )


_connect_invalidation()
