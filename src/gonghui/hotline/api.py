"""REST endpoints of the hotline: scoped reads, every write through services.py."""

from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from gonghui.core import codes
from gonghui.core.api import FieldsOnceMixin, ScopedModelViewSet
from gonghui.core.tables import can_see_pii
from gonghui.hotline import filtersets, services
from gonghui.hotline.models import Ticket, TopicCategory
from gonghui.orgs.models import Enterprise


class EnterpriseField(serializers.PrimaryKeyRelatedField):
    """An enterprise by key, read with its town and union in one plain query (see services)."""

    def to_internal_value(self, data):
        try:
            if isinstance(data, bool):
                raise TypeError
            pk = Enterprise._meta.pk.get_prep_value(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        enterprise = services.enterprise_for_intake(pk)
        if enterprise is None:
            self.fail("does_not_exist", pk_value=data)
        return enterprise


class TicketSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    """The phone is write-only in full; reads show it masked unless the user may see it."""

    phone = serializers.CharField(write_only=True, required=False, allow_blank=True)
    # the enterprise comes with its town and union: intake reads both (town, dispatch by jurisdiction)
    enterprise = EnterpriseField(
        label=Ticket._meta.get_field("enterprise").verbose_name,
        queryset=Enterprise.objects.all(),
        required=False,
        allow_null=True,
    )
    phone_display = serializers.SerializerMethodField()
    answered_on_call = serializers.CharField(write_only=True, required=False, allow_blank=True)
    dispatch_now = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "channel",
            "phone",
            "phone_display",
            "caller_name",
            "anonymous",
            "content",
            "request_type",
            "topic",
            "topic_path",
            "priority",
            "enterprise",
            "enterprise_name",
            "town",
            "status",
            "handling_union",
            "handler",
            "created_at",
            "dispatched_at",
            "signed_at",
            "first_feedback_at",
            "resolved_at",
            "closed_at",
            "response_due",
            "feedback_due",
            "resolution_due",
            "overdue",
            "callback_result",
            "answered_on_call",
            "dispatch_now",
        ]
        read_only_fields = [
            "number",
            "channel",
            "topic_path",
            "status",
            "handling_union",
            "handler",
            "created_at",
            "dispatched_at",
            "signed_at",
            "first_feedback_at",
            "resolved_at",
            "closed_at",
            "response_due",
            "feedback_due",
            "resolution_due",
            "overdue",
            "callback_result",
        ]

    def get_validators(self):
        """The model's unique-together and unique-for-date validators (a ticket has none), derived
        from its metadata once per process rather than on each request; they keep no state."""
        cls = type(self)
        validators = cls.__dict__.get("_gonghui_validators")
        if validators is None:
            validators = cls._gonghui_validators = tuple(super().get_validators())
        return list(validators)

    def get_phone_display(self, obj) -> str:
        request = self.context.get("request")
        return obj.phone if request is not None and can_see_pii(request.user) else codes.mask_phone(obj.phone)


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = TopicCategory
        fields = ["id", "owner", "name", "parent", "level", "path", "order", "active"]
        read_only_fields = ["level", "path"]


def _intake(user, data):
    answered = data.pop("answered_on_call", "")
    dispatch_now = data.pop("dispatch_now", False)
    return services.intake(user, data, answered_on_call=answered, dispatch_now=dispatch_now)


def _update(user, ticket, data):
    data.pop("answered_on_call", None)
    data.pop("dispatch_now", None)
    return services.update_ticket(user, ticket, data)


class TicketViewSet(ScopedModelViewSet):
    queryset = Ticket.objects.select_related("handling_union", "handler")
    serializer_class = TicketSerializer
    filterset_class = filtersets.TicketFilterSet
    service_create = staticmethod(_intake)
    service_update = staticmethod(_update)
    service_delete = staticmethod(services.delete_ticket)

    def _step(self, fn, *args):
        ticket = self.get_object()
        ticket = self._call(fn, ticket, *args)
        return Response(self.get_serializer(ticket).data)

    @action(detail=True, methods=["post"])
    def dispatch_ticket(self, request, pk=None):
        return self._step(services.dispatch)

    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._step(services.sign)

    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        return self._step(services.reply, request.data.get("reply", ""))

    @action(detail=True, methods=["post"], url_path="return")
    def return_ticket(self, request, pk=None):
        return self._step(services.return_ticket, request.data.get("reason", ""))

    @action(detail=True, methods=["post"])
    def callback(self, request, pk=None):
        return self._step(
            services.callback,
            request.data.get("callback_result", ""),
            request.data.get("comment", ""),
            request.data.get("callback_resolved"),
        )


class TopicViewSet(ScopedModelViewSet):
    queryset = TopicCategory.objects.all()
    serializer_class = TopicSerializer
    filterset_class = filtersets.TopicFilterSet
    service_create = staticmethod(services.create_topic)
    service_update = staticmethod(services.update_topic)
    service_delete = staticmethod(services.delete_topic)
