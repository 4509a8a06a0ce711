app_name = "pairing"
urlpatterns = []
