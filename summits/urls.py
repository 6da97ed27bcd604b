from django.urls import path

from summits import views

app_name = "summits"
urlpatterns = [
    path("events/", views.event_list, name="event-list"),
    path("events/<slug:slug>/", views.event_detail, name="event-detail"),
    path("declarations/", views.declaration_list, name="declaration-list"),
    path(
        "declarations/<slug:slug>/", views.declaration_detail, name="declaration-detail"
    ),
    path("presidency/", views.presidency_list, name="presidency-list"),
]
