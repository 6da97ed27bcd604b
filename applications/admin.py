from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications import services
from applications.forms import AcceptForm, AdmitForm, DeclineForm, errors_to_form
from applications.models import PENDING, Application, ApplicationState
from b40.admin_history import HistoryAdmin
from cities.admin import CountryFilter, FoldedSearchMixin

DECIDE = "applications.change_application"


@admin.register(Application)
class ApplicationAdmin(FoldedSearchMixin, HistoryAdmin):
    """Applications are read here as sent; the secretariat acts on them only by
    accepting one as a candidate, admitting or declining, each through
    applications.services."""

    change_form_template = "admin/applications/application/change_form.html"
    list_display = (
        "reference",
        "municipality",
        "country_name",
        "submitted_at",
        "state",
    )
    list_filter = ("state", CountryFilter, "city_created")
    date_hierarchy = "submitted_at"
    search_fields = (
        "reference",
        "municipality",
        "mayor_name",
        "contact_name",
        "contact_email",
    )
    search_help_text = _(
        "Reference, municipality, mayor or contact; case and accents are ignored."
    )
    fieldsets = (
        (None, {"fields": ("reference", "state", "submitted_at", "language")}),
        (
            _("The municipality"),
            {
                "fields": (
                    "municipality",
                    "country_name",
                    "city_link",
                    "city_created",
                    "mayor_name",
                    "council_decision_on",
                    "letter_link",
                    "message",
                )
            },
        ),
        (_("Contact"), {"fields": ("contact_name", "contact_email", "phone")}),
        (
            _("Decision"),
            {
                "description": _(
                    "Recorded by Accept as candidate, Admit or Decline above. A "
                    "received application is on no public page; accepting it "
                    "records the city and its candidate step, dated the day it was "
                    "received; admitting records the join; declining a candidate "
                    "removes what accepting recorded."
                ),
                "fields": (
                    "accepted_at",
                    "accepted_by",
                    "admitted_on",
                    "admitted_at_event",
                    "decline_reason",
                    "decided_at",
                    "decided_by",
                    "candidate_step",
                    "joined_step",
                ),
            },
        ),
    )
    # Every field is shown as sent: nothing here is edited by hand.
    readonly_fields = flatten_fieldsets(fieldsets)

    def get_queryset(self, request):
        # The letter stays in the database until someone downloads it.
        return super().get_queryset(request).defer("letter")

    def has_add_permission(self, request):
        return False  # Applications come from the public form only.

    def has_change_permission(self, request, obj=None):
        return False  # See can_decide: the only changes are decisions.

    def has_delete_permission(self, request, obj=None):
        return False  # Declining removes an application's traces, not deleting.

    def can_decide(self, request) -> bool:
        return request.user.has_perm(DECIDE)

    @admin.display(description=_("country"), ordering="country")
    def country_name(self, application):
        return application.country.name

    @admin.display(description=_("city on record"))
    def city_link(self, application):
        if application.city_id is None:
            return gettext("none")
        url = reverse("admin:cities_city_change", args=[application.city_id])
        return format_html('<a href="{}">{}</a>', url, application.city)

    @admin.display(description=_("letter"))
    def letter_link(self, application):
        if not application.letter_size:
            return gettext("none")
        url = reverse("admin:applications_application_letter", args=[application.pk])
        return format_html(
            '<a href="{}" download>{}</a> ({} bytes, PDF)',
            url,
            application.letter_name,
            application.letter_size,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/accept/",
                view(self.accept_view),
                name="applications_application_accept",
            ),
            path(
                "<path:object_id>/admit/",
                view(self.admit_view),
                name="applications_application_admit",
            ),
            path(
                "<path:object_id>/decline/",
                view(self.decline_view),
                name="applications_application_decline",
            ),
            path(
                "<path:object_id>/letter/",
                view(self.letter_view),
                name="applications_application_letter",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_decide": self.can_decide(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def _decidable(self, request, object_id) -> Application:
        if not self.can_decide(request):
            raise PermissionDenied
        application = self.get_object(request, object_id)
        if application is None:
            raise Http404
        return application

    def accept_view(self, request, object_id):
        application = self._decidable(request, object_id)
        return self._decide(
            request,
            application,
            AcceptForm(_posted(request)),
            services.application_accept,
            states=(ApplicationState.RECEIVED,),
            title=gettext("Accept %(municipality)s as a candidate"),
            done=gettext(
                "%(municipality)s is accepted and recorded as a candidate on the "
                "public record."
            ),
        )

    def admit_view(self, request, object_id):
        application = self._decidable(request, object_id)
        form = AdmitForm(
            _posted(request), initial={"on": timezone.localdate().isoformat()}
        )
        return self._decide(
            request,
            application,
            form,
            services.application_admit,
            states=PENDING,
            title=gettext("Admit %(municipality)s"),
            done=gettext("%(municipality)s is admitted and recorded as a member."),
        )

    def decline_view(self, request, object_id):
        application = self._decidable(request, object_id)
        return self._decide(
            request,
            application,
            DeclineForm(_posted(request)),
            services.application_decline,
            states=PENDING,
            title=gettext("Decline the application of %(municipality)s"),
            done=gettext("The application of %(municipality)s is declined."),
        )

    def _decide(self, request, application, form, service, *, states, title, done):
        names = {"municipality": application.municipality}
        if request.method == "POST" and form.is_valid():
            try:
                service(application=application, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                self.message_user(request, done % names, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse(
                        "admin:applications_application_change",
                        args=[application.pk],
                    )
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": application,
            "title": title % names,
            "form": form,
            "decidable": application.state in states,
            "accepting": service is services.application_accept,
            "received_on": services.received_on(application),
        }
        return TemplateResponse(
            request, "admin/applications/application/decision.html", context
        )

    def letter_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        application = self.get_object(request, object_id)
        if application is None or not application.letter_size:
            raise Http404(gettext("This application has no letter."))
        letter = (
            Application.objects.filter(pk=application.pk)
            .values_list("letter", flat=True)
            .get()
        )
        name = application.letter_name
        response = HttpResponse(bytes(letter), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


def _posted(request):
    """The POST data to bind a form to, even when empty (Accept has no field)."""
    return request.POST if request.method == "POST" else None
