from django.contrib import admin
from django.urls import path, reverse
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

    def index(self, request, extra_context=None):
        """The index, with what waits for a decision: change requests from the
        mayors' offices and applications to join, counted for whoever may see them."""
        from applications.models import Application, ApplicationState
        from offices.models import ChangeRequest, ChangeRequestStatus

        waiting = []
        for model, field, values, label, help_text in (
            (
                ChangeRequest,
                "status",
                [ChangeRequestStatus.PENDING],
                _("Change requests to decide"),
                _("Corrections proposed by mayors' offices."),
            ),
            (
                Application,
                "state",
                [ApplicationState.RECEIVED, ApplicationState.CANDIDATE],
                _("Applications to decide"),
                _(
                    "Municipalities that applied to join: to accept as candidates, "
                    "then admit or decline."
                ),
            ),
        ):
            opts = model._meta
            if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
                continue
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            waiting.append(
                {
                    "label": label,
                    "help_text": help_text,
                    "url": f"{url}?{field}__in={','.join(values)}",
                    "count": model.objects.filter(**{f"{field}__in": values}).count(),
                }
            )
        extra_context = {**(extra_context or {}), "waiting": waiting}
        return super().index(request, extra_context)
