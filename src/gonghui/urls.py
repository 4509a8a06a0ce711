from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from gonghui.core import views as core_views

urlpatterns = [
    path("", core_views.DashboardView.as_view(), name="dashboard"),
    path("accounts/", include("gonghui.accounts.urls")),
    path("core/", include("gonghui.core.urls")),
    path("orgs/", include("gonghui.orgs.urls")),
    path("api/orgs/", include("gonghui.orgs.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("api/token/", obtain_auth_token, name="api-token"),
]

# Domain apps that have landed mount themselves: pages at /<app>/, API at /api/<app>/.
for _app in ("pairing", "hotline", "bargaining"):
    if f"gonghui.{_app}" in settings.INSTALLED_APPS:
        urlpatterns.append(path(f"{_app}/", include(f"gonghui.{_app}.urls")))
        try:
            import_module(f"gonghui.{_app}.api_urls")
        except ModuleNotFoundError:
            continue
        urlpatterns.append(path(f"api/{_app}/", include(f"gonghui.{_app}.api_urls")))
