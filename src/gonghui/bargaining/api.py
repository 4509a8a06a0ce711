"""REST endpoints of 集体协商: scoped reads (rounds, guidelines, booklets also downwards), writes
through services.py. Raw employee rows are read-only and strictly scoped."""

from rest_framework import serializers, viewsets

from gonghui.bargaining import caserules, filtersets, services
from gonghui.bargaining.models import (
    BookletVersion,
    EmployeeRow,
    EnterpriseReturn,
    Expert,
    GuidanceVisit,
    Meeting,
    NegotiationCase,
    Occupation,
    Representative,
    SurveyRound,
    TownGuide,
    WageGuideline,
)
from gonghui.core.api import ScopedModelViewSet

READ_ONLY = ["get", "head", "options"]


class OccupationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occupation
        fields = ["code", "name", "level", "parent"]


class SurveyRoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyRound
        fields = [
            "id",
            "year",
            "title",
            "scope_union",
            "reference_month",
            "min_wage",
            "levels",
            "status",
            "min_enterprises",
            "min_employees",
            "max_enterprise_share",
            "min_employees_for_tails",
            "progress",
            "progress_note",
            "computed_at",
        ]
        read_only_fields = ["status", "progress", "progress_note", "computed_at"]


class EnterpriseReturnSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseReturn
        fields = [
            "id",
            "round",
            "enterprise",
            "industry",
            "town",
            "headcount",
            "paid_leave_days",
            "supplementary_medical",
            "enterprise_annuity",
            "meal_allowance",
            "transport_allowance",
            "housing_allowance",
            "high_temperature_allowance",
            "status",
            "employee_count",
            "flagged_count",
            "uploaded_at",
        ]
        read_only_fields = ["employee_count", "flagged_count", "uploaded_at"]
        extra_kwargs = {
            "industry": {"required": False},
            "town": {"required": False},
            "headcount": {"required": False},
        }
        validators = []  # (round, enterprise) uniqueness is the service's check, with a Chinese message


class EmployeeRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmployeeRow
        fields = [
            "id",
            "ret",
            "line",
            "occupation",
            "level",
            "education",
            "monthly_base_pay",
            "monthly_allowances",
            "monthly_overtime_pay",
            "annual_bonus",
            "annual_total_pay",
            "weekly_hours",
            "weight",
            "flags",
        ]


class WageGuidelineSerializer(serializers.ModelSerializer):
    class Meta:
        model = WageGuideline
        fields = ["id", "year", "scope_union", "baseline", "upper", "lower", "source"]
        validators = []


class BookletVersionSerializer(serializers.ModelSerializer):
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = BookletVersion
        fields = [
            "id",
            "round",
            "version",
            "published_at",
            "enterprises",
            "employees",
            "method_note",
            "rules",
            "tables",
            "benefits",
            "note",
            "pdf_url",
            "xlsx_url",
        ]

    def _url(self, obj, kind):
        from django.urls import reverse

        return (
            reverse("bargaining:bookletversion_download", args=[obj.pk, kind]) if getattr(obj, kind) else None
        )

    def get_pdf_url(self, obj) -> str | None:
        return self._url(obj, "pdf")

    def get_xlsx_url(self, obj) -> str | None:
        return self._url(obj, "xlsx")


class DeadlineSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    basis = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    window_start = serializers.DateField(allow_null=True)
    done_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    message = serializers.CharField()


class NegotiationCaseSerializer(serializers.ModelSerializer):
    deadlines = serializers.SerializerMethodField()
    representative_problems = serializers.SerializerMethodField()

    class Meta:
        model = NegotiationCase
        fields = [
            "id",
            "title",
            "kind",
            "topic",
            "union",
            "enterprise",
            "industry",
            "employer_side",
            "guide",
            "stage",
            "offer_by",
            "offer_on",
            "reply_on",
            "draft_signed_on",
            "congress_on",
            "congress_total",
            "congress_present",
            "congress_for",
            "signed_on",
            "filed_on",
            "review_objection_on",
            "renewal_requested_on",
            "term_years",
            "proposed_increase",
            "agreed_increase",
            "cpi_change",
            "productivity_change",
            "profit_change",
            "labour_cost_share",
            "enterprise_avg_pay",
            "notes",
            "deadlines",
            "representative_problems",
        ]
        read_only_fields = ["stage"]
        extra_kwargs = {"union": {"required": False}}

    def get_deadlines(self, obj) -> list[dict]:
        return DeadlineSerializer([d.as_dict() for d in obj.deadlines()], many=True).data

    def get_representative_problems(self, obj) -> list[str]:
        return caserules.representative_problems(obj) if obj.pk else []


class RepresentativeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Representative
        fields = ["id", "case", "side", "name", "position", "is_chief", "is_outside_expert"]


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = ["id", "case", "held_on", "place", "minutes", "outcome"]


class ExpertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Expert
        fields = ["id", "union", "name", "organisation", "speciality", "phone", "active"]


class TownGuideSerializer(serializers.ModelSerializer):
    class Meta:
        model = TownGuide
        fields = ["id", "town_union", "guide", "name", "phone", "since", "active"]
        validators = []


class GuidanceVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = GuidanceVisit
        fields = ["id", "union", "case", "enterprise", "visited_on", "visitor", "content"]


class OccupationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Occupation.objects.all()
    serializer_class = OccupationSerializer
    filterset_fields = ["level", "parent"]


class DownwardsViewSet(ScopedModelViewSet):
    visible = None

    def get_queryset(self):
        return type(self).visible(self.request.user, self.queryset.all())


class SurveyRoundViewSet(DownwardsViewSet):
    queryset = SurveyRound.objects.select_related("scope_union")
    visible = services.visible_rounds
    serializer_class = SurveyRoundSerializer
    filterset_class = filtersets.RoundFilterSet
    service_create = services.create_round
    service_update = services.update_round
    service_delete = services.delete_round


class WageGuidelineViewSet(DownwardsViewSet):
    queryset = WageGuideline.objects.all()
    visible = services.visible_guidelines
    serializer_class = WageGuidelineSerializer
    filterset_class = filtersets.GuidelineFilterSet
    service_create = services.create_guideline
    service_update = services.update_guideline
    service_delete = services.delete_guideline


class BookletVersionViewSet(DownwardsViewSet):
    """Published versions are frozen: read-only here; publishing is a page action."""

    queryset = BookletVersion.objects.select_related("round")
    visible = services.visible_booklets
    serializer_class = BookletVersionSerializer
    filterset_class = filtersets.BookletFilterSet
    http_method_names = READ_ONLY


class EnterpriseReturnViewSet(ScopedModelViewSet):
    queryset = EnterpriseReturn.objects.select_related("enterprise", "round")
    serializer_class = EnterpriseReturnSerializer
    filterset_class = filtersets.ReturnFilterSet
    service_create = services.create_return
    service_update = services.update_return
    service_delete = services.delete_return


class EmployeeRowViewSet(ScopedModelViewSet):
    queryset = EmployeeRow.objects.all()
    serializer_class = EmployeeRowSerializer
    filterset_class = filtersets.RowFilterSet
    http_method_names = READ_ONLY


class NegotiationCaseViewSet(ScopedModelViewSet):
    queryset = NegotiationCase.objects.select_related("union", "enterprise")
    serializer_class = NegotiationCaseSerializer
    filterset_class = filtersets.CaseFilterSet
    service_create = services.create_case
    service_update = services.update_case
    service_delete = services.delete_case


class RepresentativeViewSet(ScopedModelViewSet):
    queryset = Representative.objects.all()
    serializer_class = RepresentativeSerializer
    filterset_fields = ["case", "side"]
    service_create = services.add_representative
    service_update = services.update_representative
    service_delete = services.delete_representative


class MeetingViewSet(ScopedModelViewSet):
    queryset = Meeting.objects.all()
    serializer_class = MeetingSerializer
    filterset_fields = ["case"]
    service_create = services.add_meeting
    service_update = services.update_meeting
    service_delete = services.delete_meeting


class ExpertViewSet(ScopedModelViewSet):
    queryset = Expert.objects.all()
    serializer_class = ExpertSerializer
    filterset_class = filtersets.ExpertFilterSet
    service_create = services.create_expert
    service_update = services.update_expert
    service_delete = services.delete_expert


class TownGuideViewSet(ScopedModelViewSet):
    queryset = TownGuide.objects.all()
    serializer_class = TownGuideSerializer
    filterset_class = filtersets.GuideFilterSet
    service_create = services.create_townguide
    service_update = services.update_townguide
    service_delete = services.delete_townguide


class GuidanceVisitViewSet(ScopedModelViewSet):
    queryset = GuidanceVisit.objects.all()
    serializer_class = GuidanceVisitSerializer
    filterset_class = filtersets.VisitFilterSet
    service_create = services.create_visit
    service_update = services.update_visit
    service_delete = services.delete_visit
