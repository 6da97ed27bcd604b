"""The network's own pages: home and growth (history lives in b40/history.py)."""

import csv

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from b40.page_cache import cached_page
from cities.growth import chart_context, csv_rows, growth_record
from cities.maps import region_map
from cities.models import City, MembershipStatus
from summits.models import Event, Presidency

LATEST_EVENTS = 3


def _cities_on(today):
    """Every city with its standing today and its name in the visitor's language."""
    return list(
        City.objects.with_status(today).with_local_name(translation.get_language())
    )


def _events_around(today):
    """The latest events held and the next ones announced."""
    events = Event.objects.select_related("city")
    latest = events.filter(start_on__lte=today).order_by("-start_on", "-id")
    upcoming = events.filter(start_on__gt=today).order_by("start_on", "id")
    return list(latest[:LATEST_EVENTS]), list(upcoming[:LATEST_EVENTS])


def _presidency_on(today):
    return (
        Presidency.objects.filter(
            Q(end_on__isnull=True) | Q(end_on__gte=today), start_on__lte=today
        )
        .select_related("city", "president")
        .order_by("-start_on")
        .first()
    )


@cached_page
def home(request):
    today = timezone.localdate()
    cities = _cities_on(today)
    members = [c for c in cities if c.status == MembershipStatus.MEMBER]
    growth = growth_record(today)
    latest_events, next_events = _events_around(today)
    return render(
        request,
        "home.html",
        {
            "members_today": len(members),
            "countries_today": len({c.country.code for c in members}),
            "founders_identified": City.objects.founders().count(),
            "founders_reported": growth.founding_report,
            "latest_report": growth.latest_report,
            "latest_events": latest_events,
            "next_events": next_events,
            "presidency": _presidency_on(today),
            "region_map": region_map(cities),
            "growth_table_collapsed": True,
            **chart_context(growth, id_prefix="home-growth"),
        },
    )


@cached_page
def growth(request):
    return render(request, "growth.html", chart_context(growth_record()))


@cached_page
def growth_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="b40-growth.csv"'
    csv.writer(response).writerows(csv_rows(growth_record()))
    return response
