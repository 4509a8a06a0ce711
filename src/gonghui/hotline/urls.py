from django.urls import path

from gonghui.hotline import views

app_name = "hotline"

urlpatterns = [
    path("tickets/", views.TicketListView.as_view(), name="ticket_list"),
]
