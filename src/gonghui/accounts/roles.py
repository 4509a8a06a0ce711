"""What each role may do, as Django permission names. Where it may do it is core/scoping.py's job.

Domain apps extend this with a `roles.py` of their own holding ROLE_PERMISSIONS in the same shape.
"""

from importlib import import_module

from django.apps import apps

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ALL = (VIEW, ADD, CHANGE, DELETE)


def model_perms(app_model, actions):
    app, model = app_model.split(".")
    return {f"{app}.{a}_{model}" for a in actions}


ROLE_PERMISSIONS = {
    "county_admin": set().union(
        *(model_perms(m, ALL) for m in ("orgs.enterprise", "orgs.unionorg", "orgs.member", "orgs.venue")),
        model_perms("orgs.region", (VIEW, CHANGE)),
        model_perms("orgs.industry", (VIEW,)),
        model_perms("core.auditentry", (VIEW,)),
        model_perms("core.officialday", (VIEW, ADD, DELETE)),
        {"orgs.import_data", "orgs.export_data", "orgs.view_pii"},
    ),
    "town_cadre": set().union(
        *(model_perms(m, ALL) for m in ("orgs.enterprise", "orgs.member", "orgs.venue")),
        model_perms("orgs.unionorg", (VIEW, ADD, CHANGE)),
        model_perms("orgs.region", (VIEW,)),
        model_perms("orgs.industry", (VIEW,)),
        model_perms("core.auditentry", (VIEW,)),
        {"orgs.import_data", "orgs.export_data"},
    ),
    "enterprise_chair": set().union(
        model_perms("orgs.member", ALL),
        model_perms("orgs.venue", (VIEW, ADD, CHANGE)),
        model_perms("orgs.enterprise", (VIEW, CHANGE)),
        model_perms("orgs.unionorg", (VIEW,)),
        model_perms("orgs.region", (VIEW,)),
        model_perms("orgs.industry", (VIEW,)),
        {"orgs.import_data", "orgs.export_data"},
    ),
    "hotline_operator": set().union(
        model_perms("orgs.enterprise", (VIEW,)),
        model_perms("orgs.unionorg", (VIEW,)),
        model_perms("orgs.region", (VIEW,)),
        model_perms("orgs.industry", (VIEW,)),
    ),
    "bargaining_guide": set().union(
        model_perms("orgs.enterprise", (VIEW,)),
        model_perms("orgs.unionorg", (VIEW,)),
        model_perms("orgs.region", (VIEW,)),
        model_perms("orgs.industry", (VIEW,)),
        {"orgs.export_data"},
    ),
    "worker": set().union(model_perms("orgs.member", (VIEW,)), model_perms("orgs.industry", (VIEW,))),
}


def permissions_for(role):
    perms = set(ROLE_PERMISSIONS.get(role, ()))
    for config in apps.get_app_configs():
        if not config.name.startswith("gonghui.") or config.label in ("accounts",):
            continue
        try:
            module = import_module(f"{config.name}.roles")
        except ModuleNotFoundError:
            continue
        perms |= set(getattr(module, "ROLE_PERMISSIONS", {}).get(role, ()))
    return perms
