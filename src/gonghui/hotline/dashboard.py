"""The hotline's panel on the landing page: a worker's own requests, newest first."""

from gonghui.core.scoping import is_worker, scoped
from gonghui.hotline.models import Ticket

MY_TICKETS_SHOWN = 20


def dashboard_context(user):
    if not is_worker(user):
        return {}
    tickets = scoped(Ticket.objects.select_related("topic"), user).order_by("-created_at", "-pk")
    return {"my_tickets": list(tickets[:MY_TICKETS_SHOWN]), "my_ticket_count": tickets.count()}
