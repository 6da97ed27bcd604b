from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from b40 import history, views

pages = [
    path("", views.home, name="home"),
    path("growth/", views.growth, name="growth"),
    path("growth.csv", views.growth_csv, name="growth-csv"),
    path("history/", history.history_page, name="history"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
]

# English at /members/, the other languages under their prefix (/tr/members/).
urlpatterns += i18n_patterns(
    path("", include((pages, "b40"))),
    path("", include("cities.urls")),
    path("", include("summits.urls")),
    path("", include("certificates.urls")),
    path("", include("offices.urls")),
    path("", include("applications.urls")),
    prefix_default_language=False,
)
