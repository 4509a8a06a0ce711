from django.urls import path

from gonghui.bargaining import views

app_name = "bargaining"


def crud(prefix, list_view, detail, edit=None, delete=None):
    out = [
        path(f"{prefix}/", list_view.as_view(), name=f"{prefix}_list"),
        path(
            f"{prefix}/<int:pk>/",
            detail if not hasattr(detail, "as_view") else detail.as_view(),
            name=f"{prefix}_detail",
        ),
    ]
    if edit is not None:
        out += [
            path(f"{prefix}/add/", edit.as_view(), name=f"{prefix}_add"),
            path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{prefix}_edit"),
        ]
    if delete is not None:
        out.append(path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{prefix}_delete"))
    return out


urlpatterns = [
    path("", views.home, name="home"),
    *crud("surveyround", views.RoundListView, views.round_detail, views.RoundEditView, views.RoundDeleteView),
    path("surveyround/<int:pk>/template/", views.round_template, name="surveyround_template"),
    path("surveyround/<int:pk>/upload/", views.round_upload, name="surveyround_upload"),
    path("surveyround/<int:pk>/compute/", views.round_compute, name="surveyround_compute"),
    path("surveyround/<int:pk>/progress/", views.round_progress, name="surveyround_progress"),
    path("surveyround/<int:pk>/publish/", views.round_publish, name="surveyround_publish"),
    path("enterprisereturn/", views.ReturnListView.as_view(), name="enterprisereturn_list"),
    path("enterprisereturn/<int:pk>/", views.ReturnDetailView.as_view(), name="enterprisereturn_detail"),
    path("enterprisereturn/<int:pk>/edit/", views.ReturnEditView.as_view(), name="enterprisereturn_edit"),
    path(
        "enterprisereturn/<int:pk>/delete/", views.ReturnDeleteView.as_view(), name="enterprisereturn_delete"
    ),
    path("enterprisereturn/<int:pk>/compare/", views.compare, name="enterprisereturn_compare"),
    path("enterprise/<int:pk>/paytable/", views.paytable_compare, name="paytable_compare"),
    path("bookletversion/<int:pk>/paytable-template/", views.paytable_template, name="paytable_template"),
    path("employeerow/", views.RowListView.as_view(), name="employeerow_list"),
    path("bookletversion/", views.BookletListView.as_view(), name="bookletversion_list"),
    path("bookletversion/<int:pk>/", views.booklet_detail, name="bookletversion_detail"),
    path(
        "bookletversion/<int:pk>/download/<str:kind>/", views.booklet_download, name="bookletversion_download"
    ),
    *crud(
        "wageguideline",
        views.GuidelineListView,
        views.GuidelineDetailView,
        views.GuidelineEditView,
        views.GuidelineDeleteView,
    ),
    *crud(
        "negotiationcase", views.CaseListView, views.CaseDetailView, views.CaseEditView, views.CaseDeleteView
    ),
    path("negotiationcase/<int:pk>/representative/add/", views.representative_add, name="representative_add"),
    path("representative/<int:pk>/delete/", views.representative_delete, name="representative_delete"),
    path("negotiationcase/<int:pk>/meeting/add/", views.meeting_add, name="meeting_add"),
    *crud(
        "expert", views.ExpertListView, views.ExpertDetailView, views.ExpertEditView, views.ExpertDeleteView
    ),
    *crud(
        "townguide", views.GuideListView, views.GuideDetailView, views.GuideEditView, views.GuideDeleteView
    ),
    *crud(
        "guidancevisit",
        views.VisitListView,
        views.VisitDetailView,
        views.VisitEditView,
        views.VisitDeleteView,
    ),
]
