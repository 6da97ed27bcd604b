from django.urls import path

from applications import views

app_name = "applications"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/thanks/<str:token>/", views.thanks, name="thanks"),
    path("apply/<str:reference>/", views.status, name="status"),
]
