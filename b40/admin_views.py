"""The secretariat's two working pages in the admin: facts to verify, and
reported counts reconciled with the ledger."""

import calendar
import datetime
from collections import defaultdict
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cities import services
from cities.dates import DatePrecision, format_partial_date
from cities.growth import Series
from cities.models import (
    City,
    Confidence,
    MembershipStep,
    Office,
    ReportedCount,
)
from summits.models import Declaration, Event, Presidency, Signature


def _day(value):
    return format_partial_date(value, DatePrecision.DAY)


def _span(start, end):
    return " – ".join(_day(day) for day in dict.fromkeys((start, end)) if day)


# For each kind of fact: what to load with it, how to name it, and its date.
FACTS = {
    City: ((), lambda c: f"{c.name} ({c.country.name})", None),
    Office: (
        ("city", "person"),
        lambda o: f"{o.person.name}, {o.get_role_display()}, {o.city.name}",
        lambda o: _span(o.start_on or o.known_from, o.end_on or o.known_until),
    ),
    MembershipStep: (
        ("city",),
        lambda s: f"{s.city.name}: {s.get_kind_display()}",
        lambda s: s.date_display,
    ),
    Event: ((), lambda e: e.name, lambda e: e.date_display),
    Declaration: (
        (),
        lambda d: d.title,
        lambda d: format_partial_date(d.adopted_on, d.precision),
    ),
    Signature: (
        ("city", "declaration"),
        lambda s: f"{s.city.name}: {s.declaration.title}",
        lambda s: s.date_display,
    ),
    Presidency: (
        ("city",),
        lambda p: f"{p.number}. {p.city.name}",
        lambda p: _span(p.start_on, p.end_on),
    ),
    ReportedCount: (
        (),
        lambda r: f"{r.members} ({r.reported_by})",
        lambda r: r.date_display,
    ),
}


def _perm(user, action, model):
    return user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")


def _fact_key(fact):
    return f"{fact._meta.label_lower}:{fact.pk}"


def _source_links(urls):
    return [
        (url, urlsplit(url).netloc or url, urlsplit(url).scheme in {"http", "https"})
        for url in urls
    ]


def _unconfirmed(user):
    """One section per kind of fact the user may see: one query each."""
    sections = []
    for model, (related, name, date) in FACTS.items():
        if not _perm(user, "view", model):
            continue
        facts = model.objects.exclude(confidence=Confidence.CONFIRMED)
        rows = [
            {
                "key": _fact_key(fact),
                "name": name(fact),
                "date": date(fact) if date else "",
                "url": reverse(
                    f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                    args=[fact.pk],
                ),
                "confidence": fact.get_confidence_display(),
                "sources": _source_links(fact.sources),
                "notes": fact.notes,
            }
            for fact in facts.select_related(*related).order_by("pk")
        ]
        sections.append(
            {
                "id": model._meta.model_name,
                "title": model._meta.verbose_name_plural,
                "rows": rows,
                "can_confirm": _perm(user, "change", model),
                "has_dates": date is not None,
            }
        )
    return sections


def _confirm(request):
    """Confirm the selected facts; refuse all if any is not the user's to change."""
    wanted = defaultdict(set)
    models = {model._meta.label_lower: model for model in FACTS}
    for key in request.POST.getlist("fact"):
        label, _sep, pk = key.partition(":")
        if label in models and pk.isdigit():
            wanted[models[label]].add(int(pk))
    if not any(_perm(request.user, "change", model) for model in FACTS) or any(
        not _perm(request.user, "change", model) for model in wanted
    ):
        raise PermissionDenied
    confirmed = 0
    with transaction.atomic():
        for model, pks in wanted.items():
            for fact in model.objects.filter(pk__in=pks):
                services.fact_confirm(fact=fact, user=request.user)
                confirmed += 1
    return confirmed


def to_verify(request, site):
    """Every fact not yet confirmed, with its sources; editors confirm them here."""
    if request.method == "POST":
        try:
            confirmed = _confirm(request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("admin:to-verify")
        messages.success(
            request,
            ngettext(
                "Confirmed %(count)d fact.", "Confirmed %(count)d facts.", confirmed
            )
            % {"count": confirmed},
        )
        return redirect("admin:to-verify")
    sections = _unconfirmed(request.user)
    context = {
        **site.each_context(request),
        "title": _("Facts to verify"),
        "sections": sections,
        "total": sum(len(section["rows"]) for section in sections),
        "can_confirm": any(section["can_confirm"] for section in sections),
    }
    return TemplateResponse(request, "admin/to_verify.html", context)


def _period(on, precision):
    """The first and last day a date at a precision may stand for."""
    if precision == DatePrecision.MONTH:
        return on, on.replace(day=calendar.monthrange(on.year, on.month)[1])
    if precision == DatePrecision.YEAR:
        return on, datetime.date(on.year, 12, 31)
    return on, on


def _signed(number):
    return f"{number:+d}" if number else "0"


def _reconcile(report, series: Series):
    """The ledger's member count over the report's period, and the difference."""
    recorded = series.over(*_period(report.on, report.precision))
    low, high = min(recorded), max(recorded)
    row = {"agrees": low <= report.members <= high}
    if low == high:
        row["recorded"] = str(low)
        row["difference"] = _signed(report.members - low)
    else:
        row["recorded"] = _("%(low)d to %(high)d") % {"low": low, "high": high}
        row["difference"] = _("%(from)s to %(to)s") % {
            "from": _signed(report.members - high),
            "to": _signed(report.members - low),
        }
    return row


def reconciliation(request, site):
    """Each reported count beside the members the ledger accounts for then."""
    if not _perm(request.user, "view", ReportedCount):
        raise PermissionDenied
    series = Series(MembershipStep.objects.growth_series())
    rows = [
        {
            "report": report,
            "url": reverse("admin:cities_reportedcount_change", args=[report.pk]),
            **_reconcile(report, series),
        }
        for report in ReportedCount.objects.order_by("on", "id")
    ]
    context = {
        **site.each_context(request),
        "title": _("Reported and recorded member counts"),
        "rows": rows,
        "members_today": series.on(timezone.localdate()),
    }
    return TemplateResponse(request, "admin/reconciliation.html", context)
