from rest_framework.routers import DefaultRouter

from gonghui.bargaining import api

router = DefaultRouter()
router.register("occupations", api.OccupationViewSet)
router.register("rounds", api.SurveyRoundViewSet)
router.register("returns", api.EnterpriseReturnViewSet)
router.register("rows", api.EmployeeRowViewSet)
router.register("booklets", api.BookletVersionViewSet)
router.register("guidelines", api.WageGuidelineViewSet)
router.register("cases", api.NegotiationCaseViewSet)
router.register("representatives", api.RepresentativeViewSet)
router.register("meetings", api.MeetingViewSet)
router.register("experts", api.ExpertViewSet)
router.register("guides", api.TownGuideViewSet)
router.register("visits", api.GuidanceVisitViewSet)

app_name = "bargaining-api"
urlpatterns = router.urls
