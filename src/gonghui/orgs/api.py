"""REST endpoints of the orgs app: scoped reads, writes through services.py."""

from rest_framework import serializers, viewsets

from gonghui.core import codes
from gonghui.core.api import ScopedModelViewSet
from gonghui.core.tables import can_see_pii
from gonghui.orgs import filtersets, services
from gonghui.orgs.models import Enterprise, Industry, Member, Region, UnionOrg, Venue


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "lng", "lat", "approximate"]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["code", "name", "level", "parent"]


class UnionOrgSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnionOrg
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "path",
            "region",
            "enterprise",
            "lead_enterprise",
            "chair_name",
            "founded_on",
            "model_home_level",
            "model_home_year",
        ]
        read_only_fields = ["path"]


class EnterpriseSerializer(serializers.ModelSerializer):
    is_micro = serializers.BooleanField(read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "town",
            "address",
            "lng",
            "lat",
            "industry",
            "headcount",
            "has_own_union",
            "union",
            "is_micro",
        ]
        extra_kwargs = {"union": {"required": False}, "credit_code": {"validators": []}}


class MemberSerializer(serializers.ModelSerializer):
    """ID number and phone are write-only in full; reads show them masked unless the user may see them."""

    id_number = serializers.CharField(write_only=True)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True)
    id_number_display = serializers.SerializerMethodField()
    phone_display = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "id_number",
            "phone",
            "id_number_display",
            "phone_display",
            "enterprise",
            "union",
            "joined_on",
            "new_form_kind",
        ]

    def _pii(self):
        request = self.context.get("request")
        return request is not None and can_see_pii(request.user)

    def get_id_number_display(self, obj) -> str:
        return obj.id_number if self._pii() else codes.mask_id_number(obj.id_number)

    def get_phone_display(self, obj) -> str:
        return obj.phone if self._pii() else codes.mask_phone(obj.phone)


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["id", "name", "kind", "owner", "address", "lng", "lat", "capacity", "facilities"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_fields = ["level", "parent"]


class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Industry.objects.all()
    serializer_class = IndustrySerializer
    filterset_fields = ["level", "parent"]


class UnionOrgViewSet(ScopedModelViewSet):
    queryset = UnionOrg.objects.all()
    serializer_class = UnionOrgSerializer
    filterset_class = filtersets.UnionOrgFilterSet
    service_create = services.create_union
    service_update = services.update_union
    service_delete = services.delete_union


class EnterpriseViewSet(ScopedModelViewSet):
    queryset = Enterprise.objects.select_related("town", "industry", "union")
    serializer_class = EnterpriseSerializer
    filterset_class = filtersets.EnterpriseFilterSet
    service_create = services.create_enterprise
    service_update = services.update_enterprise
    service_delete = services.delete_enterprise


class MemberViewSet(ScopedModelViewSet):
    queryset = Member.objects.select_related("union", "enterprise")
    serializer_class = MemberSerializer
    filterset_class = filtersets.MemberFilterSet
    service_create = services.create_member
    service_update = services.update_member
    service_delete = services.delete_member


class VenueViewSet(ScopedModelViewSet):
    queryset = Venue.objects.select_related("owner")
    serializer_class = VenueSerializer
    filterset_class = filtersets.VenueFilterSet
    service_create = services.create_venue
    service_update = services.update_venue
    service_delete = services.delete_venue
