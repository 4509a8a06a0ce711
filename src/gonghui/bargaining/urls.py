app_name = "bargaining"
urlpatterns = []
