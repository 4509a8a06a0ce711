from rest_framework.routers import DefaultRouter

from gonghui.orgs import api

router = DefaultRouter()
router.register("regions", api.RegionViewSet)
router.register("industries", api.IndustryViewSet)
router.register("unions", api.UnionOrgViewSet)
router.register("enterprises", api.EnterpriseViewSet)
router.register("members", api.MemberViewSet)
router.register("venues", api.VenueViewSet)

app_name = "orgs-api"
urlpatterns = router.urls
