from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class RegistryAdminSite(admin.AdminSite):
    site_header = _("B40 Registry")
    site_title = _("B40 Registry")
    index_title = _("Secretariat")
