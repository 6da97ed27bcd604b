from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from b40.admin_history import HistoryAdmin
from cities.admin import CityCountryFilter, FoldedSearchMixin
from offices import services
from offices.changes import change_rows, section_titles
from offices.forms import DeclineForm
from offices.models import (
    ChangeRequest,
    ChangeRequestStatus,
    CityContact,
    OfficeAccount,
)


class ActiveFilter(admin.SimpleListFilter):
    title = _("active")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("active")), ("no", _("deactivated"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(user__is_active=self.value() == "yes")
        return queryset


class OfficeInviteForm(forms.ModelForm):
    """The secretariat invites an office by email; the login is made from it."""

    email = forms.EmailField(
        label=_("email"),
        help_text=_(
            "The office signs in with this address; the invitation is sent to it."
        ),
    )

    class Meta:
        model = OfficeAccount
        fields = ("email", "city", "language")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if services.email_taken(email):
            raise ValidationError(
                gettext("An account with the email address %(email)s exists.")
                % {"email": email}
            )
        return email


@admin.register(OfficeAccount)
class OfficeAccountAdmin(FoldedSearchMixin, HistoryAdmin):
    list_display = (
        "email",
        "city",
        "is_active",
        "password_chosen",
        "language",
        "invited_by",
        "invited_at",
        "last_login",
    )
    list_filter = (ActiveFilter, CityCountryFilter, "language")
    list_select_related = ("user", "city", "invited_by")
    search_city_path = "city"
    search_fields = ("user__email",)
    autocomplete_fields = ("city",)
    date_hierarchy = "invited_at"
    actions = ["resend_invitation", "deactivate", "reactivate"]
    fieldsets = (
        (
            None,
            {
                "description": _(
                    "An office login acts for one city: it sees that city's status, "
                    "contact details and change requests, and nothing else. It "
                    "cannot open this admin. To stop a login, deactivate it with "
                    "the action on the list."
                ),
                "fields": ("email", "city", "language"),
            },
        ),
        (_("Invitation"), {"fields": ("invited_by", "invited_at", "last_login")}),
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OfficeInviteForm
            kwargs["fields"] = ("email", "city", "language")
        return super().get_form(request, obj, change=change, **kwargs)

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as error:
            if "email" not in getattr(error, "error_dict", {}):
                raise
            # Another invitation made the login between this form's check and
            # the save (its transaction is rolled back): shown again, the form
            # now finds the address taken and says so.
            return super().add_view(request, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": ("email", "city", "language")}),)
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The login and its city are fixed: invite another account instead.
        return ("email", "city", "invited_by", "invited_at", "last_login")

    def save_model(self, request, obj, form, change):
        if change:
            services.office_account_language_set(
                account=obj, language=obj.language, by=request.user
            )
            return
        account = services.office_invite(
            email=form.cleaned_data["email"],
            city=form.cleaned_data["city"],
            invited_by=request.user,
            language=form.cleaned_data["language"],
        )
        obj.pk = account.pk
        obj.user = account.user
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        # An account's requests name it; deactivate it instead.
        return False

    @admin.display(description=_("email"), ordering="user__email")
    def email(self, account):
        return account.user.email

    @admin.display(description=_("active"), boolean=True, ordering="user__is_active")
    def is_active(self, account):
        return account.user.is_active

    @admin.display(description=_("password chosen"), boolean=True)
    def password_chosen(self, account):
        return account.user.has_usable_password()

    @admin.display(description=_("last sign-in"), ordering="user__last_login")
    def last_login(self, account):
        return account.user.last_login

    def _each(self, request, queryset, write, done_message):
        accounts = list(queryset.select_related("user", "city"))
        try:
            with transaction.atomic():
                for account in accounts:
                    write(account)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request, done_message(len(accounts)) % {"count": len(accounts)}
        )

    @admin.action(description=_("Send the invitation again"), permissions=["change"])
    def resend_invitation(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda account: services.office_invitation_resend(account=account),
            lambda n: ngettext(
                "Sent %(count)d invitation.", "Sent %(count)d invitations.", n
            ),
        )

    @admin.action(
        description=_("Deactivate the selected logins"), permissions=["change"]
    )
    def deactivate(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda account: services.office_account_deactivate(
                account=account, by=request.user
            ),
            lambda n: ngettext(
                "Deactivated %(count)d login.", "Deactivated %(count)d logins.", n
            ),
        )

    @admin.action(
        description=_("Reactivate the selected logins"), permissions=["change"]
    )
    def reactivate(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda account: services.office_account_reactivate(
                account=account, by=request.user
            ),
            lambda n: ngettext(
                "Reactivated %(count)d login.", "Reactivated %(count)d logins.", n
            ),
        )


@admin.register(CityContact)
class CityContactAdmin(FoldedSearchMixin, HistoryAdmin):
    list_display = (
        "city",
        "email",
        "phone",
        "contact_person",
        "contact_person_email",
        "updated_at",
    )
    list_filter = (CityCountryFilter,)
    list_select_related = ("city",)
    search_city_path = "city"
    search_fields = ("email", "contact_person", "contact_person_email")
    autocomplete_fields = ("city",)
    readonly_fields = ("updated_at",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (
            None,
            {
                "description": _(
                    "Private: shown only to the city's office and the secretariat, "
                    "never on the public site. Offices propose changes through "
                    "change requests."
                ),
                "fields": ("city", "email", "phone", "postal_address", "website"),
            },
        ),
        (_("Contact person"), {"fields": ("contact_person", "contact_person_email")}),
        (None, {"fields": ("updated_at",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "city") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        services.city_contact_save(contact=obj, user=request.user)


@admin.register(ChangeRequest)
class ChangeRequestAdmin(FoldedSearchMixin, HistoryAdmin):
    list_display = (
        "number",
        "city",
        "changes",
        "status",
        "submitted_at",
        "submitted_by",
        "decided_at",
    )
    list_display_links = ("number", "city")
    list_filter = ("status", CityCountryFilter)
    list_select_related = ("city", "submitted_by")
    search_city_path = "city"
    search_fields = ("comment",)
    date_hierarchy = "submitted_at"
    change_form_template = "admin/offices/changerequest/change_form.html"
    # Its page on the site is the office's, which the secretariat cannot open.
    view_on_site = False
    fields = (
        "city",
        "status",
        "submitted_by",
        "submitted_at",
        "comment",
        "decided_by",
        "decided_at",
        "decline_reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # Requests come from the offices.

    def has_delete_permission(self, request, obj=None):
        return False  # A request is a record of what an office asked.

    @admin.display(description=_("number"), ordering="pk")
    def number(self, change_request):
        return f"#{change_request.pk}"

    @admin.display(description=_("changes"))
    def changes(self, change_request):
        return ", ".join(section_titles(change_request.after))

    def get_urls(self):
        return [
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="offices_changerequest_approve",
            ),
            path(
                "<int:pk>/decline/",
                self.admin_site.admin_view(self.decline_view),
                name="offices_changerequest_decline",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        change_request = self.get_object(request, object_id)
        extra = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        if change_request is not None:
            extra.update(self._decision_context(request, change_request))
            extra["title"] = gettext("Review %(request)s") % {"request": change_request}
        return super().change_view(
            request,
            object_id,
            form_url,
            extra_context={**extra, **(extra_context or {})},
        )

    def _decision_context(self, request, change_request):
        return {
            "rows": change_rows(change_request.before, change_request.after),
            "can_decide": change_request.status == ChangeRequestStatus.PENDING
            and self.has_change_permission(request, change_request),
        }

    def _decidable(self, request, pk):
        change_request = get_object_or_404(ChangeRequest, pk=pk)
        if not self.has_change_permission(request, change_request):
            raise PermissionDenied
        return change_request

    def _change_url(self, change_request):
        return reverse("admin:offices_changerequest_change", args=[change_request.pk])

    def approve_view(self, request, pk):
        change_request = self._decidable(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(change_request))
        try:
            services.change_request_approve(
                change_request=change_request,
                user=request.user,
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Approved %(request)s; the record is updated.")
                % {"request": change_request},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._change_url(change_request))

    def decline_view(self, request, pk):
        change_request = self._decidable(request, pk)
        form = DeclineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.change_request_decline(
                    change_request=change_request,
                    user=request.user,
                    reason=form.cleaned_data["decline_reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    gettext("Declined %(request)s; the office is told why.")
                    % {"request": change_request},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(change_request))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": change_request,
            "title": gettext("Decline change request #%(number)s")
            % {"number": change_request.pk},
            "form": form,
            "rows": change_rows(change_request.before, change_request.after),
        }
        return TemplateResponse(
            request,
            "admin/offices/changerequest/decline.html",
            context,
            status=400 if form.is_bound else 200,
        )
