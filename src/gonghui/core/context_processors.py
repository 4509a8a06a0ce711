from django.urls import NoReverseMatch, reverse

# (label, url name, permission needed to see the entry); apps append theirs in core/navigation.py order.
NAVIGATION = [
    ("总览", "dashboard", None),
    ("企业", "orgs:enterprise_list", "orgs.view_enterprise"),
    ("工会组织", "orgs:unionorg_list", "orgs.view_unionorg"),
    ("会员", "orgs:member_list", "orgs.view_member"),
    ("职工之家", "orgs:venue_list", "orgs.view_venue"),
    ("大带小", "pairing:plan_list", "pairing.view_pairingplan"),
    ("职工热线", "hotline:ticket_list", "hotline.view_ticket"),
    ("集体协商", "bargaining:home", "bargaining.view_surveyround"),
    ("操作记录", "core:audit_list", "core.view_auditentry"),
    ("节假日", "core:holidays", "core.add_officialday"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, perm in NAVIGATION:
        if perm and not user.has_perm(perm):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # the app is not installed
        items.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"})
    return {"nav_items": items}
