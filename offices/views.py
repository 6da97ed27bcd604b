from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from offices import services
from offices.access import office_required
from offices.changes import Record, change_rows
from offices.dashboard import dashboard_for
from offices.forms import (
    ChangeRequestForm,
    OfficeAuthenticationForm,
    OfficePasswordResetForm,
)
from offices.models import ChangeRequest


@office_required
def dashboard(request):
    return TemplateResponse(
        request,
        "offices/dashboard.html",
        {"dashboard": dashboard_for(request.office_city)},
    )


@office_required
@require_http_methods(["GET", "POST"])
def change_request_create(request):
    record = Record.of(request.office_city)
    form = ChangeRequestForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            change_request = services.change_request_submit(
                city=record.city,
                user=request.user,
                proposed=form.proposed(),
                comment=form.cleaned_data["comment"].strip(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Your request has been sent to the secretariat; you will be "
                    "emailed when it is decided."
                ),
            )
            return redirect(change_request)
    return TemplateResponse(
        request,
        "offices/changerequest_form.html",
        {"form": form, "city": request.office_city},
        status=400 if form.is_bound else 200,
    )


@office_required
def change_request_detail(request, pk):
    # Another city's request is not found, rather than forbidden: an office
    # learns nothing of other cities' requests, not even that they exist.
    change_request = get_object_or_404(
        ChangeRequest.objects.all(), pk=pk, city=request.office_city
    )
    return TemplateResponse(
        request,
        "offices/changerequest_detail.html",
        {
            "change_request": change_request,
            "city": request.office_city,
            "rows": change_rows(change_request.before, change_request.after),
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "offices/login.html"
    form_class = OfficeAuthenticationForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OfficePasswordResetForm
    template_name = "offices/password_reset_form.html"
    email_template_name = "offices/email/password_reset_body.txt"
    subject_template_name = "offices/email/password_reset_subject.txt"
    success_url = reverse_lazy("offices:password-reset-done")

    @property
    def extra_email_context(self):
        # The link starts with the site's public address, not with the host
        # the form was posted to, which the poster chooses.
        return {"site_url": settings.B40_SITE_URL}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "offices/password_reset_confirm.html"
    success_url = reverse_lazy("offices:password-reset-complete")


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """An invited office chooses its first password, then signs in."""

    template_name = "offices/invitation_accept.html"
    success_url = reverse_lazy("offices:login")

    def form_valid(self, form):
        messages.success(
            self.request,
            gettext_lazy("Your password is set. Sign in with your email address."),
        )
        return super().form_valid(form)


@method_decorator(office_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "offices/password_change_form.html"
    success_url = reverse_lazy("offices:dashboard")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)
