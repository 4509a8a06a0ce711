"""Pairing permissions by role: county admins and town cadres plan, run and approve in their scope.

Approval writes mentor links in orgs, so the planning roles also get those permissions.
"""

from gonghui.accounts.roles import ALL, VIEW, model_perms

_PLANNER = set().union(
    model_perms("pairing.pairingplan", ALL),
    model_perms("pairing.plannedpair", ALL),
    model_perms("pairing.plannedjointunion", ALL),
    model_perms("pairing.unassigned", (VIEW,)),
    model_perms("pairing.planexclusion", ALL),
    model_perms("orgs.mentorlink", (VIEW, "add", "change")),
    {"pairing.run_pairingplan", "pairing.approve_pairingplan", "pairing.export_data"},
)

ROLE_PERMISSIONS = {
    "county_admin": _PLANNER,
    "town_cadre": _PLANNER,
    "enterprise_chair": model_perms("orgs.mentorlink", (VIEW,)),
    "hotline_operator": set(),
    "bargaining_guide": set(),
    "worker": set(),
}
