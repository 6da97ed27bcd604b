app_name = "offices"
urlpatterns = []
