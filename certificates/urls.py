from django.urls import path, register_converter

from certificates import views


class SerialConverter:
    """A serial number as the registry writes them (B40-2026-000017): anything
    else is not found, before it can reach the database."""

    regex = r"B40-[0-9]{4}-[0-9]{6,}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(SerialConverter, "certificate_serial")

app_name = "certificates"
urlpatterns = [
    path("status/", views.status_search, name="status-search"),
    path("status/<slug:slug>/", views.status_detail, name="status"),
    path("status/<slug:slug>.json", views.status_json, name="status-json"),
    path("status/<slug:slug>/qr.svg", views.status_qr, name="status-qr"),
    path("certificates/issue/<slug:slug>/", views.certificate_issue, name="issue"),
    path("certificates/verify/<str:token>/", views.certificate_verify, name="verify"),
    path(
        "certificates/<certificate_serial:serial>.pdf",
        views.certificate_pdf,
        name="pdf",
    ),
]
