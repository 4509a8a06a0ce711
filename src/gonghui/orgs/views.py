from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from gonghui.core import excel
from gonghui.core import views as generic
from gonghui.core.tables import Column
from gonghui.orgs import filtersets, forms, imports, services, tables
from gonghui.orgs.models import Enterprise, Member, UnionOrg, Venue


class EnterpriseListView(generic.ObjectListView):
    model = Enterprise
    filterset_class = filtersets.EnterpriseFilterSet
    columns = tables.ENTERPRISE_COLUMNS
    title = "企业"
    add_url_name = "orgs:enterprise_add"
    import_kind = "enterprises"

    def base_queryset(self):
        return Enterprise.objects.select_related("town", "industry", "union")


class EnterpriseDetailView(generic.ObjectDetailView):
    model = Enterprise
    fields = tables.ENTERPRISE_COLUMNS + [
        Column(
            "经纬度", lambda e: f"{e.lng:.5f}, {e.lat:.5f}" if e.lng is not None and e.lat is not None else ""
        )
    ]
    edit_url_name = "orgs:enterprise_edit"
    delete_url_name = "orgs:enterprise_delete"

    def extra_context_for(self, obj):
        link = obj.mentor_links.filter(active=True).select_related("mentor").first()
        return {"related": [("会员人数", obj.members.count()), ("帮带工会", link.mentor if link else "—")]}


class EnterpriseEditView(generic.ObjectEditView):
    model = Enterprise
    form_class = forms.EnterpriseForm
    service_create = services.create_enterprise
    service_update = services.update_enterprise


class EnterpriseDeleteView(generic.ObjectDeleteView):
    model = Enterprise
    service_delete = services.delete_enterprise
    success_url_name = "orgs:enterprise_list"


class UnionOrgListView(generic.ObjectListView):
    model = UnionOrg
    filterset_class = filtersets.UnionOrgFilterSet
    columns = tables.UNION_COLUMNS
    title = "工会组织"
    add_url_name = "orgs:unionorg_add"

    def base_queryset(self):
        return UnionOrg.objects.select_related("parent", "region")


class UnionOrgDetailView(generic.ObjectDetailView):
    model = UnionOrg
    fields = tables.UNION_COLUMNS + [
        Column("龙头企业", "lead_enterprise.name"),
        Column("所属企业", "enterprise.name"),
    ]
    edit_url_name = "orgs:unionorg_edit"
    delete_url_name = "orgs:unionorg_delete"

    def extra_context_for(self, obj):
        return {
            "related": [
                ("下级组织", obj.children.count()),
                ("覆盖企业", obj.covered_enterprises.count()),
                ("会员人数（含下级）", Member.objects.filter(union__path__startswith=obj.path).count()),
            ]
        }


class UnionOrgEditView(generic.ObjectEditView):
    model = UnionOrg
    form_class = forms.UnionOrgForm
    service_create = services.create_union
    service_update = services.update_union


class UnionOrgDeleteView(generic.ObjectDeleteView):
    model = UnionOrg
    service_delete = services.delete_union
    success_url_name = "orgs:unionorg_list"


class MemberListView(generic.ObjectListView):
    model = Member
    filterset_class = filtersets.MemberFilterSet
    columns = tables.MEMBER_COLUMNS
    title = "会员"
    add_url_name = "orgs:member_add"
    import_kind = "members"

    def base_queryset(self):
        return Member.objects.select_related("enterprise", "union")


class MemberDetailView(generic.ObjectDetailView):
    model = Member
    fields = tables.MEMBER_COLUMNS
    edit_url_name = "orgs:member_edit"
    delete_url_name = "orgs:member_delete"


class MemberEditView(generic.ObjectEditView):
    model = Member
    form_class = forms.MemberForm
    service_create = services.create_member
    service_update = services.update_member


class MemberDeleteView(generic.ObjectDeleteView):
    model = Member
    service_delete = services.delete_member
    success_url_name = "orgs:member_list"


class VenueListView(generic.ObjectListView):
    model = Venue
    filterset_class = filtersets.VenueFilterSet
    columns = tables.VENUE_COLUMNS
    title = "职工之家"
    add_url_name = "orgs:venue_add"

    def base_queryset(self):
        return Venue.objects.select_related("owner")


class VenueDetailView(generic.ObjectDetailView):
    model = Venue
    fields = tables.VENUE_COLUMNS
    edit_url_name = "orgs:venue_edit"
    delete_url_name = "orgs:venue_delete"


class VenueEditView(generic.ObjectEditView):
    model = Venue
    form_class = forms.VenueForm
    service_create = services.create_venue
    service_update = services.update_venue


class VenueDeleteView(generic.ObjectDeleteView):
    model = Venue
    service_delete = services.delete_venue
    success_url_name = "orgs:venue_list"


@login_required
def import_view(request, kind):
    if kind not in imports.IMPORTERS:
        from django.http import Http404

        raise Http404
    if not request.user.has_perm("orgs.import_data"):
        raise PermissionDenied("没有导入数据的权限。")
    title = f"导入{imports.IMPORTERS[kind].title}"
    if request.GET.get("template"):
        return generic.xlsx_response(
            imports.template_for(kind), f"{imports.IMPORTERS[kind].title}导入模板.xlsx"
        )
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    report = rejected = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            report = imports.run_import(request.user, kind, request.FILES["file"])
        except excel.FileRejected as exc:
            rejected = str(exc)
            status = 400
        else:
            messages.success(
                request,
                f"导入完成：新建 {report.created} 行，更新 {report.updated} 行，未变 {report.unchanged} 行，"
                f"有错误 {report.bad_rows} 行。",
            )
    return render(
        request,
        "orgs/import.html",
        {
            "title": title,
            "form": form,
            "report": report,
            "rejected": rejected,
            "kind": kind,
            "now": timezone.now(),
        },
        status=status,
    )
