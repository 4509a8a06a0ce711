"""Hotline permissions per role; where they apply is decided by core/scoping.py."""

from gonghui.accounts.roles import ADD, ALL, CHANGE, VIEW, model_perms

REFERENCE = ("hotline.topiccategory", "hotline.timelimitrule", "hotline.handleravailability")

ROLE_PERMISSIONS = {
    "county_admin": set().union(
        *(
            model_perms(m, ALL)
            for m in (
                "hotline.ticket",
                "hotline.extensionrequest",
                "hotline.warningalert",
                "hotline.monthlytheme",
                "hotline.ratesettings",
                *REFERENCE,
            )
        ),
        model_perms("hotline.ticketevent", (VIEW,)),
        {
            "hotline.supervise_ticket",
            "hotline.callback_ticket",
            "hotline.view_rates",
            "hotline.export_data",
        },
    ),
    "town_cadre": set().union(
        model_perms("hotline.ticket", (VIEW, CHANGE)),
        model_perms("hotline.extensionrequest", (VIEW, ADD)),
        model_perms("hotline.ticketevent", (VIEW,)),
        model_perms("hotline.warningalert", (VIEW,)),
        model_perms("hotline.monthlytheme", (VIEW,)),
        model_perms("hotline.handleravailability", ALL),
        model_perms("hotline.topiccategory", (VIEW,)),
        {"hotline.view_rates", "hotline.export_data"},
    ),
    "enterprise_chair": set().union(
        model_perms("hotline.ticket", (VIEW, CHANGE)),
        model_perms("hotline.extensionrequest", (VIEW, ADD)),
        model_perms("hotline.ticketevent", (VIEW,)),
    ),
    "hotline_operator": set().union(
        model_perms("hotline.ticket", (VIEW, ADD, CHANGE)),
        model_perms("hotline.ticketevent", (VIEW,)),
        model_perms("hotline.extensionrequest", (VIEW,)),
        model_perms("hotline.topiccategory", (VIEW,)),
        model_perms("hotline.warningalert", (VIEW,)),
        model_perms("hotline.monthlytheme", (VIEW,)),
        {"hotline.callback_ticket", "hotline.view_rates", "hotline.export_data"},
    ),
    "bargaining_guide": set(),
    "worker": model_perms("hotline.ticket", (VIEW,)),
}
