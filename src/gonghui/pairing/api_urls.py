from rest_framework.routers import DefaultRouter

from gonghui.pairing import api

router = DefaultRouter()
router.register("plans", api.PlanViewSet)

app_name = "pairing-api"
urlpatterns = router.urls
