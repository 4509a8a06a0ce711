"""REST endpoints for pairing plans: list/detail/create/update/delete, and run / re-solve / approve."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from gonghui.core.api import ScopedModelViewSet, drf_errors
from gonghui.core.scoping import require_perm, scoped
from gonghui.orgs.models import Enterprise, UnionOrg
from gonghui.pairing import filtersets, services
from gonghui.pairing.models import (
    PairingPlan,
    PlanExclusion,
    PlanJointWish,
    PlannedJointUnion,
    PlannedPair,
    Unassigned,
)


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


class JointUnionSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    lead_name = serializers.CharField(source="lead.name", read_only=True)
    member_names = serializers.SerializerMethodField()

    class Meta:
        model = PlannedJointUnion
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "town",
            "lead",
            "lead_name",
            "members",
            "member_names",
            "total_staff",
            "explanation",
            "locked",
            "manual",
            "created_union",
        ]

    def get_member_names(self, obj) -> list[str]:
        return [e.name for e in obj.members.all()]


class UnassignedSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    reason_display = serializers.SerializerMethodField()

    class Meta:
        model = Unassigned
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "reason",
            "reason_display",
            "explanation",
            "should_form_own_union",
        ]

    def get_reason_display(self, obj) -> str:
        return services.REASON_LABELS.get(obj.reason, obj.reason)


class ExclusionSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    excluded_by = serializers.StringRelatedField()

    class Meta:
        model = PlanExclusion
        fields = ["id", "enterprise", "enterprise_name", "note", "excluded_by", "excluded_at"]


class JointWishSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = PlanJointWish
        fields = ["id", "enterprise", "enterprise_name", "note", "recorded_by", "recorded_at"]


class EditSerializer(serializers.Serializer):
    """One manual change of a solved plan; which fields are needed depends on `action`."""

    ACTIONS = {
        "move": "调整结对（enterprise, mentor）",
        "lock": "锁定/解锁结对（pair, locked）",
        "exclude": "排除企业（enterprise, note）",
        "include": "恢复纳入（enterprise）",
        "joint_wish": "登记愿入联合工会，重新求解时生效（enterprise, note）",
        "joint_wish_withdraw": "撤销入联合工会意愿（enterprise）",
        "group_create": "新建联合工会或工会联合会（enterprises, kind）",
        "group_move": "并入联合工会（enterprise, joint_union）",
        "group_remove": "移出联合工会（joint_union, enterprise）",
        "group_lead": "更换龙头企业（joint_union, enterprise）",
        "group_lock": "锁定/解锁联合工会（joint_union, locked）",
        "group_dissolve": "解散联合工会（joint_union）",
    }

    action = serializers.ChoiceField(choices=list(ACTIONS.items()))
    enterprise = serializers.IntegerField(required=False)
    enterprises = serializers.ListField(child=serializers.IntegerField(), required=False)
    kind = serializers.ChoiceField(
        choices=PlannedJointUnion.Kind.choices, required=False, default=PlannedJointUnion.Kind.JOINT
    )
    mentor = serializers.IntegerField(required=False)
    pair = serializers.IntegerField(required=False)
    joint_union = serializers.IntegerField(required=False)
    locked = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    NEEDS = {
        "move": ("enterprise", "mentor"),
        "lock": ("pair",),
        "exclude": ("enterprise",),
        "include": ("enterprise",),
        "joint_wish": ("enterprise",),
        "joint_wish_withdraw": ("enterprise",),
        "group_create": ("enterprises",),
        "group_move": ("enterprise", "joint_union"),
        "group_remove": ("enterprise", "joint_union"),
        "group_lead": ("enterprise", "joint_union"),
        "group_lock": ("joint_union",),
        "group_dissolve": ("joint_union",),
    }

    def validate(self, attrs):
        missing = [f for f in self.NEEDS[attrs["action"]] if attrs.get(f) is None]
        if missing:
            raise serializers.ValidationError({f: "此项为必填。" for f in missing})
        return attrs


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

    @extend_schema(responses=JointUnionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="joint-unions")
    def joint_unions(self, request, pk=None):
        """Proposed joint unions and federations, with members, lead and lock."""
        plan = self.get_object()
        qs = plan.joint_unions.select_related("lead").prefetch_related("members")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(JointUnionSerializer(page, many=True).data)

    @extend_schema(responses=UnassignedSerializer(many=True))
    @action(detail=True, methods=["get"])
    def unassigned(self, request, pk=None):
        """Enterprises the plan leaves uncovered, each with its reason."""
        plan = self.get_object()
        page = self.paginate_queryset(plan.unassigned.select_related("enterprise"))
        return self.get_paginated_response(UnassignedSerializer(page, many=True).data)

    @extend_schema(responses=ExclusionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def exclusions(self, request, pk=None):
        """Enterprises the cadre excluded: why, by whom, when."""
        plan = self.get_object()
        page = self.paginate_queryset(
            plan.exclusions.select_related("enterprise", "excluded_by").order_by("pk")
        )
        return self.get_paginated_response(ExclusionSerializer(page, many=True).data)

    @extend_schema(responses=JointWishSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="joint-wishes")
    def joint_wishes(self, request, pk=None):
        """Micro enterprises that asked to join a joint union (grouped, not paired, at the next solve)."""
        plan = self.get_object()
        page = self.paginate_queryset(
            plan.joint_wishes.select_related("enterprise", "recorded_by").order_by("pk")
        )
        return self.get_paginated_response(JointWishSerializer(page, many=True).data)

    @extend_schema(request=EditSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def edit(self, request, pk=None):
        """One manual change (move, lock, exclude, include, or a joint union's members, lead, lock,
        dissolution); the same checks and audit entries as the pages. Returns the plan."""
        require_perm(request.user, PairingPlan, "view")
        plan = self.get_object()
        edit = EditSerializer(data=request.data)
        edit.is_valid(raise_exception=True)
        d = edit.validated_data
        user = request.user

        def enterprise():
            return get_object_or_404(scoped(Enterprise.objects.all(), user), pk=d["enterprise"])

        def enterprises():
            found = list(scoped(Enterprise.objects.all(), user).filter(pk__in=d["enterprises"]))
            if len(found) != len(set(d["enterprises"])):
                raise Http404
            return found

        def group():
            return get_object_or_404(plan.joint_unions, pk=d["joint_union"])

        calls = {
            "move": lambda: services.assign_mentor(
                user,
                plan,
                enterprise(),
                get_object_or_404(scoped(UnionOrg.objects.all(), user), pk=d["mentor"]),
            ),
            "lock": lambda: services.set_locked(
                user, get_object_or_404(plan.pairs, pk=d["pair"]), d["locked"]
            ),
            "exclude": lambda: services.exclude_enterprise(user, plan, enterprise(), d["note"]),
            "include": lambda: services.include_enterprise(user, plan, enterprise()),
            "joint_wish": lambda: services.record_joint_wish(user, plan, enterprise(), d["note"]),
            "joint_wish_withdraw": lambda: services.withdraw_joint_wish(user, plan, enterprise()),
            "group_create": lambda: services.create_group(user, plan, enterprises(), d["kind"]),
            "group_move": lambda: services.move_to_group(user, plan, enterprise(), group()),
            "group_remove": lambda: services.remove_from_group(user, plan, group(), enterprise()),
            "group_lead": lambda: services.set_group_lead(user, plan, group(), enterprise()),
            "group_lock": lambda: services.set_group_locked(user, plan, group(), d["locked"]),
            "group_dissolve": lambda: services.dissolve_group(user, plan, group()),
        }
        try:
            calls[d["action"]]()
        except (DjangoValidationError, DjangoPermissionDenied) as exc:
            raise drf_errors(exc) from exc
        plan.refresh_from_db()
        return Response(PlanSerializer(plan, context=self.get_serializer_context()).data)
