from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_POST

from b40.notify import public_url
from certificates import services
from certificates.forms import StatusSearchForm
from certificates.models import Certificate
from certificates.pdf import certificate_pdf_render
from certificates.qr import qr_svg_document, qr_svg_inline
from certificates.status import CityStatus
from certificates.verification import token_verify
from cities.models import City
from offices.access import office_city


def status_search(request):
    form = StatusSearchForm(request.GET if "q" in request.GET else None)
    cities = form.results(language=get_language()) if form.is_valid() else []
    return TemplateResponse(
        request,
        "certificates/status_search.html",
        {"form": form, "cities": cities},
        status=400 if form.errors else 200,
    )


def city_status_or_404(slug) -> CityStatus:
    try:
        return CityStatus.of(slug)
    except City.DoesNotExist:
        raise Http404(gettext("No city with this address is on record.")) from None


def status_detail(request, slug):
    status = city_status_or_404(slug)
    # The page itself, without whatever query string the visitor came with.
    url = public_url(reverse("certificates:status", args=[status.city.slug]))
    title = gettext("QR code of this page's address: %(url)s") % {"url": url}
    return TemplateResponse(
        request,
        "certificates/status_detail.html",
        {
            "status": status,
            "city": status.city,
            "page_url": url,
            "qr_svg": qr_svg_inline(url, title=title),
            "can_issue": services.certificate_can_issue(request.user, status.city),
        },
    )


def status_json(request, slug):
    status = city_status_or_404(slug)
    signature = status.signature
    declaration_url = (
        public_url(
            reverse(
                "summits:declaration-detail",
                kwargs={"slug": signature.declaration.slug},
            )
        )
        if signature
        else None
    )
    document = status.document(
        url=public_url(reverse("certificates:status", args=[slug])),
        declaration_url=declaration_url,
    )
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def status_qr(request, slug):
    if not City.objects.filter(slug=slug).exists():
        raise Http404(gettext("No city with this address is on record."))
    url = public_url(reverse("certificates:status", args=[slug]))
    title = gettext("B40 membership status: %(url)s") % {"url": url}
    return HttpResponse(
        qr_svg_document(url, title=title),
        content_type="image/svg+xml",
        headers={
            "Content-Disposition": f'attachment; filename="b40-status-{slug}.svg"'
        },
    )


@require_POST
def certificate_issue(request, slug):
    city = get_object_or_404(City, slug=slug)
    if not services.certificate_can_issue(request.user, city):
        raise PermissionDenied
    try:
        certificate = services.certificate_issue(city=city, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back_url(request, city))
    # The PDF is what was asked for; the message greets the office on its
    # dashboard (or the secretariat on its next page) when it comes back.
    messages.success(
        request,
        gettext("Certificate %(serial)s of %(city)s issued.")
        % {"serial": certificate.serial, "city": certificate.city_name},
    )
    return redirect("certificates:pdf", serial=certificate.serial)


def back_url(request, city) -> str:
    """Where the issuing form asked to return, if it is on this site; otherwise
    the office's dashboard for its own city, or the city's status page."""
    url = request.POST.get("next", "")
    if url.isprintable() and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    if office_city(request.user) == city:
        return reverse("offices:dashboard")
    return reverse("certificates:status", args=[city.slug])


def certificate_verify(request, token):
    verification = token_verify(token)
    response = TemplateResponse(
        request,
        "certificates/certificate_verify.html",
        {"verification": verification, "certificate": verification.certificate},
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def certificate_pdf(request, serial):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    certificate = get_object_or_404(Certificate, serial=serial)
    if not services.certificate_can_download(request.user, certificate):
        raise PermissionDenied
    verify_url = public_url(certificate.get_absolute_url())
    return HttpResponse(
        certificate_pdf_render(certificate, verify_url=verify_url),
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{certificate.serial}.pdf"'},
    )
