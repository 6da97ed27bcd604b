"""The network's own pages: home and growth (history lives in b40/history.py)."""

import csv

from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from b40.page_cache import cached_page
from b40.queries import Query, precompiled, together
from cities.dates import DatePrecision, format_partial_date, format_partial_span
from cities.directory import cities_on, city_url, event_url
from cities.growth import chart_context, csv_rows, growth_queries, growth_record
from cities.maps import region_map
from cities.models import MembershipStatus
from summits.models import Event, EventKind, Presidency

LATEST_EVENTS = 3


def _events():
    return Event.objects.values(
        "slug", "name", "kind", "start_on", "end_on", "precision"
    ).annotate(city_name=F("city__name"))


@precompiled
def _latest_events(today):
    latest = _events().filter(start_on__lte=today).order_by("-start_on", "-id")
    return latest[:LATEST_EVENTS]


@precompiled
def _next_events(today):
    upcoming = _events().filter(start_on__gt=today).order_by("start_on", "id")
    return upcoming[:LATEST_EVENTS]


@precompiled
def _presidencies_on(today):
    """The presidency term running on a date (at most one: terms never overlap)."""
    return (
        Presidency.objects.filter(
            Q(end_on__isnull=True) | Q(end_on__gte=today), start_on__lte=today
        )
        .values("number", "start_on")
        .annotate(
            city_slug=F("city__slug"),
            city_name=F("city__name"),
            president_name=F("president__name"),
        )
        .order_by("-start_on")[:1]
    )


def shown_events(events: Query) -> list:
    """Event records with their address, dates and kind as the page shows them."""
    for event in events:
        event.url = event_url(event.slug)
        event.date_display = format_partial_span(
            event.start_on, event.end_on, event.precision
        )
        event.kind_label = EventKind(event.kind).label
    return events.rows


def shown_presidency(presidencies: Query):
    """The presidency record, if any, with its city's address and its start."""
    presidency = next(iter(presidencies), None)
    if presidency:
        presidency.city_url = city_url(presidency.city_slug)
        presidency.since = format_partial_date(presidency.start_on, DatePrecision.DAY)
    return presidency


@cached_page
def home(request):
    today = timezone.localdate()
    cities = cities_on(today, translation.get_language())
    latest_events = _latest_events(today).as_records()
    next_events = _next_events(today).as_records()
    presidency = _presidencies_on(today).as_records()
    growth_parts = growth_queries(today)
    together(cities, latest_events, next_events, presidency, *growth_parts)
    members = [c for c in cities if c.status == MembershipStatus.MEMBER]
    growth = growth_record(today, growth_parts)
    return render(
        request,
        "home.html",
        {
            "members_today": len(members),
            "countries_today": len({c.country_code for c in members}),
            "founders_identified": sum(city.is_founder for city in cities),
            "founders_reported": growth.founding_report,
            "latest_report": growth.latest_report,
            "latest_events": shown_events(latest_events),
            "next_events": shown_events(next_events),
            "presidency": shown_presidency(presidency),
            "region_map": region_map(cities.rows),
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
