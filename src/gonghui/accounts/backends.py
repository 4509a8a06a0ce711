from functools import lru_cache

from django.contrib.auth.backends import BaseBackend

from gonghui.accounts.roles import permissions_for


@lru_cache(maxsize=16)
def _role_perms(role):
    return frozenset(permissions_for(role))


class RoleBackend(BaseBackend):
    """Grants each account the permissions of its role; ModelBackend adds any granted one by one."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(_role_perms(user_obj.role or ""))

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)
