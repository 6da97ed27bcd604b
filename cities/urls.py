from django.urls import path

from cities import views

app_name = "cities"
urlpatterns = [
    path("members/", views.city_list, name="city-list"),
    path("members/<slug:slug>/", views.city_detail, name="city-detail"),
    path("countries/", views.country_list, name="country-list"),
    path("countries/<str:code>/", views.country_detail, name="country-detail"),
]
