from gonghui.core import views as generic
from gonghui.hotline.models import Ticket


class TicketListView(generic.ObjectListView):
    model = Ticket
