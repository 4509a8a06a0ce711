from django.urls import path

from gonghui.hotline import views

app_name = "hotline"


def crud(prefix, list_view, detail, edit, delete):
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{prefix}_list"),
        path(f"{prefix}/add/", edit.as_view(), name=f"{prefix}_add"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{prefix}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{prefix}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{prefix}_delete"),
    ]


urlpatterns = [
    path("", views.TicketListView.as_view(), name="home"),
    *crud(
        "ticket", views.TicketListView, views.TicketDetailView, views.TicketEditView, views.TicketDeleteView
    ),
    path("ticket/<int:pk>/do/<str:action>/", views.ticket_action, name="ticket_action"),
    path("extension/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("suggest/", views.suggest, name="suggest"),
    path("rates/", views.rates_view, name="rates"),
    path("rates/settings/", views.rate_settings_view, name="rate_settings"),
    path("alert/", views.AlertListView.as_view(), name="alert_list"),
    path("alert/<int:pk>/", views.AlertDetailView.as_view(), name="alert_detail"),
    *crud("theme", views.ThemeListView, views.ThemeDetailView, views.ThemeEditView, views.ThemeDeleteView),
    *crud("topic", *views.TOPIC_VIEWS),
    *crud("timelimit", *views.TIMELIMIT_VIEWS),
    *crud("handler", *views.HANDLER_VIEWS),
    path("timelimit/defaults/", views.defaults_view, name="timelimit_defaults"),
    path("public/", views.public_form, name="public_form"),
    path("callback/<str:token>/", views.callback_public, name="callback_public"),
]
