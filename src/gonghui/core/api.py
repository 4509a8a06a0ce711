"""Shared REST plumbing: permission class, scoped viewsets whose writes go through services."""

import copy

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, viewsets
from rest_framework.serializers import BaseSerializer

from gonghui.core.scoping import scoped


def drf_errors(exc):
    """Translate model/service validation errors into DRF's 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


class FieldsOnceMixin:
    """For a ModelSerializer: its fields are introspected from the model once per class, not on
    every request; each serializer instance gets its own shallow copies to bind (nested
    serializers deep copies). Only for serializers whose fields do not depend on the request."""

    def get_fields(self):
        cls = type(self)
        prototypes = cls.__dict__.get("_gonghui_field_prototypes")
        if prototypes is None:
            prototypes = super().get_fields()
            cls._gonghui_field_prototypes = prototypes
        return {
            name: copy.deepcopy(field) if isinstance(field, BaseSerializer) else _shallow_copy(field)
            for name, field in prototypes.items()
        }


def _shallow_copy(field):
    """What copy.copy does to a field (a new instance sharing the attribute values), without its
    generic __reduce_ex__ machinery: a serializer copies every field on every request."""
    new = field.__class__.__new__(field.__class__)
    new.__dict__.update(field.__dict__)
    return new


class ScopedModelViewSet(viewsets.ModelViewSet):
    """Reads are scoped by jurisdiction; writes are delegated to `service_create/update/delete`.

    Objects outside the jurisdiction are not in the queryset, so they answer 404 like absent ones.
    """

    service_create = None
    service_update = None
    service_delete = None

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user)

    def _call(self, fn, *args):
        try:
            return fn(self.request.user, *args)
        except (DjangoValidationError, DjangoPermissionDenied) as exc:
            raise drf_errors(exc) from exc

    def perform_create(self, serializer):
        serializer.instance = self._call(type(self).service_create, dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = self._call(
            type(self).service_update, serializer.instance, dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        self._call(type(self).service_delete, instance)
