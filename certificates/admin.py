from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from certificates import services
from certificates.models import Certificate, CertificateState
from cities.admin import CountryFilter, RegistryAdmin
from cities.models import City


class StateFilter(admin.SimpleListFilter):
    """Whether a certificate still says what the registry says today."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return CertificateState.choices

    def queryset(self, request, queryset):
        if self.value() in CertificateState.values:
            return queryset.filter(state=self.value())
        return queryset


class CertificateCountryFilter(CountryFilter):
    def queryset(self, request, queryset):
        # Only a country code reaches the database: PostgreSQL refuses a NUL
        # byte with an error, and the admin answers a bad filter with ?e=1.
        if self.value() and not countries.alpha2(self.value()):
            raise IncorrectLookupParameters(self.value())
        return super().queryset(request, queryset)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=1000,
        help_text=_(
            "Shown to anyone who verifies the certificate, e.g. “Issued in error: "
            "the city had not yet signed the declaration.”"
        ),
    )


class IssueForm(forms.Form):
    city = forms.ModelChoiceField(
        label=_("Member city"),
        queryset=City.objects.none(),
        help_text=_("Only a city that is a member today can be certified."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = City.objects.members().order_by(
            "search_key", "name"
        )


@admin.register(Certificate)
class CertificateAdmin(RegistryAdmin):
    """Certificates are issued and revoked through services, never edited."""

    list_display = [
        "serial",
        "city_name",
        "country",
        "issued_at",
        "state_display",
        "issued_by",
    ]
    list_filter = [StateFilter, CertificateCountryFilter, "issued_at"]
    list_select_related = ["issued_by"]
    search_fields = ["serial", "city_name", "local_name"]
    search_city_path = "city"
    date_hierarchy = "issued_at"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "serial",
                    "state_display",
                    "city",
                    "issued_on",
                    "issued_at",
                    "issued_by",
                ]
            },
        ),
        (
            _("What it certifies"),
            {
                "description": _(
                    "The facts as the ledger had them when it was issued."
                ),
                "fields": [
                    "city_name",
                    "local_name",
                    "country",
                    "member_since_display",
                    "founding",
                    "verification_link",
                ],
            },
        ),
        (
            _("Revocation"),
            {"fields": ["revoked_at", "revoked_by", "revocation_reason"]},
        ),
    ]
    readonly_fields = [
        "serial",
        "state_display",
        "city",
        "issued_on",
        "issued_at",
        "issued_by",
        "city_name",
        "local_name",
        "country",
        "member_since_display",
        "founding",
        "verification_link",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_state()

    def has_change_permission(self, request, obj=None):
        # Nothing on a certificate is edited by hand; revoking has its own page.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="{}_{}_revoke".format(*info),
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("state"), ordering="state")
    def state_display(self, obj):
        return CertificateState(obj.state).label

    @admin.display(description=_("member since"), ordering="member_since")
    def member_since_display(self, obj):
        return obj.member_since_display

    @admin.display(description=_("verification page and PDF"))
    def verification_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            obj.get_absolute_url(),
            gettext("Verify"),
            reverse("certificates:pdf", args=[obj.serial]),
            gettext("Download the PDF"),
        )

    def history_view(self, request, object_id, extra_context=None):
        self.certificate_id_or_404(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.certificate_id_or_404(object_id)
        self.certificate_id_or_404(version_id)
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )

    def certificate_id_or_404(self, value):
        """simple_history looks ids up unchecked: "abc" would be a server error.
        (The history of a deleted row stays reachable, hence no get_object.)"""
        try:
            self.opts.pk.to_python(unquote(value))
        except ValidationError:
            raise Http404(
                gettext("No certificate with this ID is on record.")
            ) from None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_revoke": services.certificate_can_revoke(request.user),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        """Issue a certificate through the service rather than a model form."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssueForm(request.POST or None)
        if form.is_valid():
            try:
                certificate = services.certificate_issue(
                    city=form.cleaned_data["city"], user=request.user
                )
            except ValidationError as error:
                form.add_error("city", error)
            else:
                return self._done(
                    request, gettext("Certificate %(serial)s issued."), certificate
                )
        return self._form_page(
            request,
            form,
            title=gettext("Issue a membership certificate"),
            submit_label=gettext("Issue"),
        )

    def revoke_view(self, request, object_id):
        # get_object() treats a malformed id ("abc") as no object, not an error.
        certificate = self.get_object(request, unquote(object_id))
        if certificate is None:
            raise Http404(gettext("No certificate with this ID is on record."))
        if not services.certificate_can_revoke(request.user):
            raise PermissionDenied
        form = RevokeForm(request.POST or None)
        if form.is_valid():
            try:
                services.certificate_revoke(
                    certificate=certificate,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return self._done(
                    request, gettext("Certificate %(serial)s revoked."), certificate
                )
        return self._form_page(
            request,
            form,
            title=gettext("Revoke certificate %(serial)s")
            % {"serial": certificate.serial},
            submit_label=gettext("Revoke"),
            original=certificate,
            intro=gettext(
                "A revoked certificate stays on record: whoever verifies it is "
                "told it was revoked, when, and why. This cannot be undone."
            ),
        )

    def _done(self, request, message, certificate):
        """Back to the certificate's page, saying what was done."""
        self.message_user(
            request, message % {"serial": certificate.serial}, messages.SUCCESS
        )
        return redirect("admin:certificates_certificate_change", certificate.pk)

    def _form_page(self, request, form, *, title, submit_label, **context):
        """The one-form page that issuing and revoking share."""
        return TemplateResponse(
            request,
            "admin/certificates/certificate/form_page.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "form": form,
                "submit_label": submit_label,
                **context,
            },
        )
