"""What each role may do in 集体协商 (where: core/scoping.py and services.visible_*)."""

from gonghui.accounts.roles import ALL, VIEW, model_perms

ADD, CHANGE = "add", "change"

SURVEY = ("bargaining.surveyround", "bargaining.wageguideline", "bargaining.bookletversion")
CASES = (
    "bargaining.negotiationcase",
    "bargaining.representative",
    "bargaining.meeting",
    "bargaining.guidancevisit",
)
POOL = ("bargaining.expert", "bargaining.townguide")

ROLE_PERMISSIONS = {
    # The federation runs the survey, publishes the booklet and keeps the pools.
    "county_admin": set().union(
        *(model_perms(m, ALL) for m in (*SURVEY, *CASES, *POOL)),
        model_perms("bargaining.enterprisereturn", ALL),
        model_perms("bargaining.employeerow", (VIEW,)),
        model_perms("bargaining.occupation", (VIEW,)),
        {"bargaining.import_survey", "bargaining.publish_booklet", "bargaining.export_data"},
    ),
    # Town cadres collect their enterprises' returns and follow their town's cases.
    "town_cadre": set().union(
        model_perms("bargaining.surveyround", (VIEW,)),
        model_perms("bargaining.wageguideline", (VIEW,)),
        model_perms("bargaining.bookletversion", (VIEW,)),
        model_perms("bargaining.enterprisereturn", ALL),
        model_perms("bargaining.employeerow", (VIEW,)),
        model_perms("bargaining.occupation", (VIEW,)),
        *(model_perms(m, ALL) for m in CASES),
        model_perms("bargaining.expert", (VIEW,)),
        model_perms("bargaining.townguide", (VIEW,)),
        {"bargaining.import_survey", "bargaining.export_data"},
    ),
    # A chair fills in their own enterprise's return and reads the published tables.
    "enterprise_chair": set().union(
        model_perms("bargaining.surveyround", (VIEW,)),
        model_perms("bargaining.wageguideline", (VIEW,)),
        model_perms("bargaining.bookletversion", (VIEW,)),
        model_perms("bargaining.enterprisereturn", (VIEW, ADD, CHANGE)),
        model_perms("bargaining.employeerow", (VIEW,)),
        model_perms("bargaining.occupation", (VIEW,)),
        model_perms("bargaining.negotiationcase", (VIEW, CHANGE)),
        model_perms("bargaining.representative", ALL),
        model_perms("bargaining.meeting", ALL),
        model_perms("bargaining.expert", (VIEW,)),
        model_perms("bargaining.townguide", (VIEW,)),
        model_perms("bargaining.guidancevisit", (VIEW,)),
        {"bargaining.import_survey"},
    ),
    # Guides follow the cases of their town, log visits, and use the booklet; never raw pay rows.
    "bargaining_guide": set().union(
        model_perms("bargaining.surveyround", (VIEW,)),
        model_perms("bargaining.wageguideline", (VIEW,)),
        model_perms("bargaining.bookletversion", (VIEW,)),
        model_perms("bargaining.occupation", (VIEW,)),
        *(model_perms(m, ALL) for m in CASES),
        model_perms("bargaining.expert", (VIEW,)),
        model_perms("bargaining.townguide", (VIEW,)),
        {"bargaining.export_data"},
    ),
    "hotline_operator": set(),
    "worker": set(),
}
