"""Use cases of the orgs app: the only code that writes its tables."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from gonghui.core import audit, services
from gonghui.core.models import AuditEntry
from gonghui.core.scoping import check_in_scope, require_perm
from gonghui.orgs.models import Enterprise, Member, MentorLink, UnionOrg, Venue


def town_union_for(town):
    """The town/street union of a town: where an enterprise without a union of its own is covered."""
    union = UnionOrg.objects.filter(region=town, kind=UnionOrg.Kind.TOWN_UNION).order_by("pk").first()
    if union is None:
        raise ValidationError({"town": f"{town.name}尚未建立镇街工会，请先建立。"})
    return union


# --- union orgs -------------------------------------------------------------------------------------


def _set_path(org):
    org.path = org.compute_path()
    UnionOrg.objects.filter(pk=org.pk).update(path=org.path)


def create_union(user, data):
    return services.create_object(user, UnionOrg, data, after_save=_set_path)


def update_union(user, org, data):
    old_path = org.path

    def move_subtree(obj):
        new_path = obj.compute_path()
        if new_path != old_path:
            # Rewrite the prefix of every descendant in one statement.
            UnionOrg.objects.filter(path__startswith=old_path).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
            )
            obj.path = new_path

    if "parent" in data and data["parent"] is not None:
        check_in_scope(user, data["parent"])
    return services.update_object(user, org, data, after_save=move_subtree)


def delete_union(user, org):
    if org.children.exists() or org.members.exists() or org.covered_enterprises.exists():
        raise ValidationError("该工会组织下仍有下级组织、会员或企业，不能删除。")
    services.delete_object(user, org)


# --- enterprises ------------------------------------------------------------------------------------


def create_enterprise(user, data):
    data = dict(data)
    if not data.get("union") and data.get("town"):
        data["union"] = town_union_for(data["town"])
    return services.create_object(user, Enterprise, data)


def update_enterprise(user, enterprise, data):
    data = dict(data)
    if "union" in data and data["union"] is None:
        # The form says "leave empty for the town union"; an empty choice must not mean "no union".
        data["union"] = town_union_for(data.get("town") or enterprise.town)
    return services.update_object(user, enterprise, data)


def delete_enterprise(user, enterprise):
    services.delete_object(user, enterprise)


# --- members ----------------------------------------------------------------------------------------


def _check_member_unique(member):
    from gonghui.core.pii import blind_index

    clash = Member.objects.filter(id_number_hash=blind_index(member.id_number or "")).exclude(pk=member.pk)
    if clash.exists():
        raise ValidationError({"id_number": "该身份证号已登记为会员。"})


def create_member(user, data):
    member = Member(**{k: v for k, v in data.items()})
    _check_member_unique(member)
    return services.create_object(user, Member, data)


def update_member(user, member, data):
    probe = Member(pk=member.pk, id_number=data.get("id_number", member.id_number))
    _check_member_unique(probe)
    return services.update_object(user, member, data)


def delete_member(user, member):
    services.delete_object(user, member)


# --- venues -----------------------------------------------------------------------------------------


def create_venue(user, data):
    return services.create_object(user, Venue, data)


def update_venue(user, venue, data):
    return services.update_object(user, venue, data)


def delete_venue(user, venue):
    services.delete_object(user, venue)


# --- mentor links (written by pairing plans on approval) --------------------------------------------


def end_mentor_links(user, enterprise, note=""):
    """End the active mentor link of `enterprise` (it joined a joint union, say), audited.
    Returns how many links were ended (0 or 1)."""
    require_perm(user, MentorLink, "change")
    check_in_scope(user, enterprise.union)
    ended = 0
    with transaction.atomic():
        for old in MentorLink.objects.filter(enterprise=enterprise, active=True).select_for_update():
            before = audit.snapshot(old)
            old.active = False
            old.save(update_fields=["active"])
            audit.record(
                user,
                AuditEntry.Action.UPDATE,
                old,
                changes=audit.diff(before, audit.snapshot(old)),
                note=note,
            )
            ended += 1
    return ended


def link_mentor(user, mentor, enterprise, since, source_plan=""):
    """Make `mentor` the active mentor of `enterprise`, ending any earlier link, audited."""
    require_perm(user, MentorLink, "add")
    check_in_scope(user, enterprise.union)
    with transaction.atomic():
        end_mentor_links(user, enterprise)
        link = MentorLink.objects.create(
            mentor=mentor, enterprise=enterprise, since=since, source_plan=source_plan
        )
        audit.record(user, AuditEntry.Action.CREATE, link)
    return link
