"""REST endpoints for pairing plans: list/detail/create/update/delete, and run / re-solve / approve."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from gonghui.core.api import ScopedModelViewSet, drf_errors
from gonghui.core.scoping import require_perm
from gonghui.pairing import filtersets, services
from gonghui.pairing.models import PairingPlan, PlannedPair


class PlanSerializer(serializers.ModelSerializer):
    params = serializers.JSONField(required=False)

    class Meta:
        model = PairingPlan
        fields = [
            "id",
            "name",
            "scope_union",
            "towns",
            "params",
            "status",
            "version",
            "previous",
            "progress",
            "message",
            "summary",
            "created_at",
            "solved_at",
            "approved_at",
        ]
        read_only_fields = [
            "status",
            "version",
            "previous",
            "progress",
            "message",
            "summary",
            "created_at",
            "solved_at",
            "approved_at",
        ]
        extra_kwargs = {"towns": {"required": False}}


class PairSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    mentor_name = serializers.CharField(source="mentor.name", read_only=True)

    class Meta:
        model = PlannedPair
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "mentor",
            "mentor_name",
            "cost",
            "distance_km",
            "explanation",
            "locked",
            "manual",
            "should_form_own_union",
        ]


class PlanViewSet(ScopedModelViewSet):
    queryset = PairingPlan.objects.select_related("scope_union").prefetch_related("towns")
    serializer_class = PlanSerializer
    filterset_class = filtersets.PlanFilterSet
    service_create = services.create_plan
    service_update = services.update_plan
    service_delete = services.delete_plan

    def _act(self, fn):
        require_perm(self.request.user, PairingPlan, "view")
        plan = self.get_object()
        try:
            result = fn(self.request.user, plan)
        except (DjangoValidationError, DjangoPermissionDenied) as exc:
            raise drf_errors(exc) from exc
        return Response(PlanSerializer(result, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=PlanSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def run(self, request, pk=None):
        """Solve the plan (in the background for large scopes: poll `progress`)."""
        return self._act(services.run_plan)

    @extend_schema(request=None, responses=PlanSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def resolve(self, request, pk=None):
        """A new version solved again, keeping locked pairs and exclusions; returns the new plan."""
        return self._act(services.resolve_plan)

    @extend_schema(request=None, responses=PlanSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def approve(self, request, pk=None):
        """Write the plan's pairs and joint unions into orgs."""
        return self._act(services.approve_plan)

    @extend_schema(responses=PairSerializer(many=True))
    @action(detail=True, methods=["get"])
    def pairs(self, request, pk=None):
        plan = self.get_object()
        qs = plan.pairs.select_related("enterprise", "mentor")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PairSerializer(page, many=True).data)
