from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from b40 import admin_views


class RegistryAdminSite(admin.AdminSite):
    site_header = _("B40 Registry")
    site_title = _("B40 Registry")
    index_title = _("Secretariat")
    index_template = "admin/registry_index.html"
    # The registry's lists are wide; they need the room more than a second menu.
    enable_nav_sidebar = False

    def get_urls(self):
        return [
            path(
                "to-verify/",
                self.admin_view(admin_views.to_verify),
                {"site": self},
                name="to-verify",
            ),
            path(
                "reconciliation/",
                self.admin_view(admin_views.reconciliation),
                {"site": self},
                name="reconciliation",
            ),
            *super().get_urls(),
        ]
