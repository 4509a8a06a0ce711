from django.urls import path

from gonghui.pairing import views

app_name = "pairing"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("plans/add/", views.PlanEditView.as_view(), name="plan_add"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/delete/", views.PlanDeleteView.as_view(), name="plan_delete"),
    path("plans/<int:pk>/progress/", views.plan_progress, name="plan_progress"),
    path("plans/<int:pk>/run/", views.plan_run, name="plan_run"),
    path("plans/<int:pk>/resolve/", views.plan_resolve, name="plan_resolve"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/pairs/", views.plan_pairs, name="plan_pairs"),
    path("plans/<int:pk>/pairs/move/", views.pair_move, name="pair_move"),
    path("plans/<int:pk>/pairs/<int:pair_pk>/lock/", views.pair_lock, name="pair_lock"),
    path("plans/<int:pk>/exclude/", views.plan_exclude, name="plan_exclude"),
    path("plans/<int:pk>/include/", views.plan_include, name="plan_include"),
    path("plans/<int:pk>/joint-wish/", views.plan_joint_wish, name="plan_joint_wish"),
    path(
        "plans/<int:pk>/joint-wish/withdraw/",
        views.plan_joint_wish_withdraw,
        name="plan_joint_wish_withdraw",
    ),
    path("plans/<int:pk>/groups/add/", views.group_create, name="group_create"),
    path("plans/<int:pk>/groups/move/", views.group_move, name="group_move"),
    path("plans/<int:pk>/groups/<int:ju_pk>/remove/", views.group_remove, name="group_remove"),
    path("plans/<int:pk>/groups/<int:ju_pk>/lead/", views.group_lead, name="group_lead"),
    path("plans/<int:pk>/groups/<int:ju_pk>/lock/", views.group_lock, name="group_lock"),
    path("plans/<int:pk>/groups/<int:ju_pk>/dissolve/", views.group_dissolve, name="group_dissolve"),
    path("plans/<int:pk>/map/", views.plan_map, name="plan_map"),
    path("plans/<int:pk>/compare/", views.plan_compare, name="plan_compare"),
    path("plans/<int:pk>/export/", views.plan_export, name="plan_export"),
    path("coverage/", views.coverage, name="coverage"),
]
