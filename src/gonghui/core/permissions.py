from rest_framework import permissions


class ModelPermissions(permissions.DjangoModelPermissions):
    """Like DRF's, but reading also needs the view permission: a role without it gets 403."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }
