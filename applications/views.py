from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from applications import services
from applications.forms import ApplicationForm, errors_to_form
from applications.models import Application
from applications.ratelimit import RateLimited, client_address
from applications.uploads import UploadLimit, request_too_large


def _thanks_signer():
    """The thank-you page reads its reference from its signed address: it needs
    no query, and a trapped robot gets one just like a real applicant."""
    return signing.Signer(salt="applications.thanks")


# Exempt only so the upload limit is in place before anything reads the body:
# the CSRF check itself reads it. _apply() makes the check.
@csrf_exempt
def apply(request):
    if request.method == "POST":
        try:
            services.attempt_record(client=client_address(request))
        except RateLimited as limited:
            return _limited(request, ApplicationForm(), limited, attempts=True)
        if request_too_large(request):
            return TemplateResponse(
                request, "applications/application_too_large.html", status=413
            )
        upload_limit = UploadLimit(request)
        request.upload_handlers.insert(0, upload_limit)
        return _apply(request, upload_limit)
    return _apply(request, None)


@csrf_protect
def _apply(request, upload_limit):
    if upload_limit is None:
        return _form_page(request, ApplicationForm())
    form = ApplicationForm(request.POST, request.FILES)
    if upload_limit.exceeded:
        form.add_error(
            "letter", _("The letter is larger than 5 MB; send a smaller PDF.")
        )
        return _form_page(request, form, status=413)
    if not form.is_valid():
        return _form_page(request, form)
    if form.trapped:
        return _to_thanks(services.reference_new())
    try:
        application = services.application_submit(
            **form.submission(),
            language=get_language(),
            client=client_address(request),
        )
    except RateLimited as limited:
        return _limited(request, form, limited)
    except ValidationError as error:
        errors_to_form(form, error)
        return _form_page(request, form)
    return _to_thanks(application.reference)


def _to_thanks(reference):
    return redirect("applications:thanks", token=_thanks_signer().sign(reference))


def _limited(request, form, limited, *, attempts=False):
    response = _form_page(request, form, limited=limited, attempts=attempts, status=429)
    response["Retry-After"] = str(limited.retry_after_seconds)
    return response


def _form_page(request, form, *, limited=None, attempts=False, status=200):
    return TemplateResponse(
        request,
        "applications/application_form.html",
        {"form": form, "limited": limited, "limited_attempts": attempts},
        status=status,
    )


@never_cache
def thanks(request, token):
    try:
        reference = _thanks_signer().unsign(token)
    except signing.BadSignature:
        return _not_found(request, "")
    return TemplateResponse(
        request, "applications/application_thanks.html", {"reference": reference}
    )


@never_cache
def status(request, reference):
    normal = services.reference_normalise(reference)
    # Anything else (a NUL, a long string) is no reference: no query for it.
    if not services.reference_is_wellformed(normal):
        return _not_found(request, "")
    if normal != reference:
        return redirect("applications:status", reference=normal)
    application = (
        Application.objects.defer("letter")
        .select_related("city", "admitted_at_event")
        .filter(reference=reference)
        .first()
    )
    if application is None:
        return _not_found(request, reference)
    return TemplateResponse(
        request, "applications/application_status.html", {"application": application}
    )


def _not_found(request, reference):
    return TemplateResponse(
        request,
        "applications/application_not_found.html",
        {"reference": reference},
        status=404,
    )
