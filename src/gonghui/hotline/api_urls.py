from rest_framework.routers import DefaultRouter

from gonghui.hotline import api

router = DefaultRouter()
router.register("tickets", api.TicketViewSet)
router.register("topics", api.TopicViewSet)

app_name = "hotline-api"
urlpatterns = router.urls
