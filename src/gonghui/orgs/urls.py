from django.urls import path

from gonghui.orgs import views

app_name = "orgs"


def crud(prefix, list_view, detail, edit, delete):
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{prefix}_list"),
        path(f"{prefix}/add/", edit.as_view(), name=f"{prefix}_add"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{prefix}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{prefix}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{prefix}_delete"),
    ]


urlpatterns = [
    *crud(
        "enterprise",
        views.EnterpriseListView,
        views.EnterpriseDetailView,
        views.EnterpriseEditView,
        views.EnterpriseDeleteView,
    ),
    *crud(
        "unionorg",
        views.UnionOrgListView,
        views.UnionOrgDetailView,
        views.UnionOrgEditView,
        views.UnionOrgDeleteView,
    ),
    *crud(
        "member", views.MemberListView, views.MemberDetailView, views.MemberEditView, views.MemberDeleteView
    ),
    *crud("venue", views.VenueListView, views.VenueDetailView, views.VenueEditView, views.VenueDeleteView),
    path("import/<str:kind>/", views.import_view, name="import"),
]
