"""One id per request, so that every audit entry a request writes can be grouped afterwards."""

import uuid

from gonghui.core import audit


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = uuid.uuid4().hex
        token = audit.request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            audit.request_id_var.reset(token)
        response["X-Request-Id"] = request_id
        return response
