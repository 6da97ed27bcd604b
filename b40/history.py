"""The network's history as one timeline, assembled from the records.

Every figure comes from the ledger (who joined where, the growth series) or
from the counts the network reported, shown side by side. The page runs the
same few queries whatever the number of cities and events; the pieces are
then put together here, in Python.
"""

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from django.shortcuts import render

from b40.page_cache import cached_page
from cities.dates import DatePrecision, format_partial_date
from cities.growth import Series
from cities.models import MembershipKind, MembershipStep, ReportedCount
from summits.models import (
    Declaration,
    DeclarationKind,
    Event,
    EventKind,
    Presidency,
)
from summits.views import name_cities, with_city_names

# Where several events cover a date, a handover or a count belongs to the summit.
EVENT_RANK = {
    EventKind.SUMMIT: 0,
    EventKind.SIGNING: 1,
    EventKind.MEETING: 2,
    EventKind.WORKING_GROUP: 3,
}


@dataclass
class Report:
    """A count the network or the press reported, beside the count on record."""

    count: ReportedCount
    on_record: int


@dataclass
class Handover:
    term: Presidency
    previous: Presidency | None


@dataclass
class StepGroup:
    """The cities that took one kind of step together."""

    kind: str
    label: str
    cities: list


@dataclass
class Moment:
    """One entry of the timeline: an event, or what happened on a date outside one."""

    on: datetime.date
    precision: str
    event: Event | None = None
    joined: list = field(default_factory=list)
    other_steps: list[StepGroup] = field(default_factory=list)
    members_after: int | None = None
    declarations: list = field(default_factory=list)
    handovers: list[Handover] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    founders_identified: int | None = None
    founders_reported: ReportedCount | None = None

    @property
    def date_display(self) -> str:
        if self.event:
            return self.event.date_display
        return format_partial_date(self.on, self.precision)

    @property
    def sort_key(self):
        # An event takes its place when it ends, after what was done by then
        # outside it (signing in advance), so the count after it adds up.
        if self.event:
            return (self.event.end_on, True, self.on)
        return (self.on, False, self.on)


@dataclass
class Timeline:
    years: list[tuple[int, list[Moment]]]
    founders_identified: int
    founders_reported: ReportedCount | None
    latest_report: Report | None
    members_on_record: int


def exact_event_on(events, day: datetime.date) -> Event | None:
    """The event held on an exactly known day, preferring a summit."""
    held = [
        event
        for event in events
        if event.precision == DatePrecision.DAY
        and event.start_on <= day <= event.end_on
    ]
    return min(held, key=lambda e: EVENT_RANK.get(e.kind, 9), default=None)


def group_steps(steps) -> tuple[list, list[StepGroup]]:
    """Split steps into the cities that joined and the other steps, grouped by kind."""
    joined = [step.city for step in steps if step.kind == MembershipKind.JOINED]
    others = defaultdict(list)
    for step in steps:
        if step.kind != MembershipKind.JOINED:
            others[step.kind].append(step.city)
    groups = [
        StepGroup(kind, MembershipKind(kind).label, others[kind])
        for kind in MembershipKind.values
        if kind in others
    ]
    return joined, groups


def build_timeline() -> Timeline:
    events = name_cities(list(with_city_names(Event.objects.all())))
    steps = name_cities(
        list(
            with_city_names(MembershipStep.objects.all()).order_by(
                "on", "city__search_key"
            )
        )
    )
    growth = Series(MembershipStep.objects.growth_series())
    reports = list(ReportedCount.objects.order_by("on", "-members"))
    terms = name_cities(
        list(with_city_names(Presidency.objects.select_related("president")))
    )
    declarations = list(Declaration.objects.all())

    moments = {
        event.pk: Moment(event.start_on, event.precision, event=event)
        for event in events
    }
    steps_at = defaultdict(list)
    for step in steps:
        steps_at[step.event_id].append(step)
    for event in events:
        moment = moments[event.pk]
        moment.joined, moment.other_steps = group_steps(steps_at[event.pk])
        if event.kind != EventKind.WORKING_GROUP or moment.joined:
            # Before the founding there is no member to count.
            moment.members_after = growth.on(event.end_on) or None

    timeline = list(moments.values())
    outside = sorted(steps_at[None], key=lambda s: (s.on, s.precision))
    for (on, precision), same_day in itertools.groupby(
        outside, key=lambda s: (s.on, s.precision)
    ):
        moment = Moment(on, precision)
        moment.joined, moment.other_steps = group_steps(list(same_day))
        if not exact_event_on(events, on):
            moment.members_after = growth.on(on) or None
        timeline.append(moment)

    for declaration in declarations:
        if declaration.event_id in moments:
            moments[declaration.event_id].declarations.append(declaration)
        else:
            timeline.append(
                Moment(
                    declaration.adopted_on,
                    declaration.precision,
                    declarations=[declaration],
                )
            )

    by_number = {term.number: term for term in terms}
    for term in terms:
        handover = Handover(term, by_number.get(term.number - 1))
        event = exact_event_on(events, term.start_on)
        if event:
            moments[event.pk].handovers.append(handover)
        else:
            timeline.append(
                Moment(term.start_on, DatePrecision.DAY, handovers=[handover])
            )

    founders_identified = sum(
        1 for step in steps if step.kind == MembershipKind.JOINED and step.founding
    )
    founding = next(
        (d for d in declarations if d.kind == DeclarationKind.FOUNDING), None
    )
    founders_reported = None
    for count in reports:
        report = Report(count, growth.on(count.on))
        if founding and count.on == founding.adopted_on and not founders_reported:
            # The count on the founding day is the count of founding signatories.
            founders_reported = count
            if founding.event_id in moments:
                moment = moments[founding.event_id]
                moment.founders_identified = founders_identified
                moment.founders_reported = count
                continue
        event = (
            exact_event_on(events, count.on)
            if count.precision == DatePrecision.DAY
            else None
        )
        if event:
            moments[event.pk].reports.append(report)
        else:
            timeline.append(Moment(count.on, count.precision, reports=[report]))

    timeline.sort(key=lambda moment: moment.sort_key)
    years = [
        (year, list(in_year))
        for year, in_year in itertools.groupby(timeline, key=lambda m: m.on.year)
    ]
    return Timeline(
        years=years,
        founders_identified=founders_identified,
        founders_reported=founders_reported,
        latest_report=Report(reports[-1], growth.on(reports[-1].on))
        if reports
        else None,
        members_on_record=growth.latest,
    )


@cached_page
def history_page(request):
    return render(request, "history.html", {"timeline": build_timeline()})
