import datetime
from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from b40.history import build_timeline
from cities.models import MembershipKind
from summits.models import EventKind
from tests.factories import (
    CityFactory,
    DeclarationFactory,
    EventFactory,
    MembershipStepFactory,
    PresidencyFactory,
    ReportedCountFactory,
)

D = datetime.date
URL = reverse("b40:history")


def moments(timeline):
    return [moment for _year, in_year in timeline.years for moment in in_year]


class RealHistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_b40", stdout=StringIO())

    def setUp(self):
        self.response = self.client.get(URL)
        self.text = self.response.content.decode()

    def moment_of(self, slug):
        timeline = self.response.context["timeline"]
        return next(m for m in moments(timeline) if m.event and m.event.slug == slug)

    def test_founding_names_identified_and_reported_founders(self):
        founding = self.moment_of("istanbul-summit-2021")
        self.assertEqual(founding.founders_identified, 20)
        self.assertEqual(len(founding.joined), 20)
        self.assertContains(
            self.response,
            "The network was founded here: 20 founding signatories identified "
            "of the 23 reported.",
        )
        self.assertContains(self.response, "Istanbul took the founding presidency.")

    def test_sofia_ceremony_with_its_joins_and_both_counts(self):
        sofia = self.moment_of("sofia-meeting-2022")
        self.assertEqual(len(sofia.joined), 9)
        self.assertEqual(sofia.members_after, 35)
        self.assertEqual([r.count.members for r in sofia.reports], [40])
        self.assertContains(self.response, "Joined here (9):")
        self.assertContains(
            self.response,
            "Members after it: 35 on record;\n        40 reported by "
            "B40 Balkan Cities Network",
            html=False,
        )

    def test_timeline_is_in_date_order_with_machine_readable_dates(self):
        order = [
            '<time datetime="2021-11-29">',
            '<time datetime="2022-04-25">',
            '<time datetime="2022-06-28">',
            '<time datetime="2023-01-22">',
            '<time datetime="2026-01-25">',
        ]
        positions = [self.text.index(marker) for marker in order]
        self.assertEqual(positions, sorted(positions))
        ends = [
            m.event.end_on if m.event else m.on
            for m in moments(self.response.context["timeline"])
        ]
        self.assertEqual(ends, sorted(ends))

    def test_joins_made_by_an_events_end_come_before_its_count(self):
        """Fourteen cities joined on or before the Tirana summit's last day."""
        shown = moments(self.response.context["timeline"])
        tirana = self.moment_of("tirana-summit-2024")
        group = next(m for m in shown if not m.event and m.on == D(2024, 1, 31))
        self.assertEqual(len(group.joined), 14)
        self.assertLess(shown.index(group), shown.index(tirana))
        self.assertEqual(tirana.members_after, 53)

    def test_joins_outside_events_are_grouped_by_date(self):
        groups = [
            m
            for m in moments(self.response.context["timeline"])
            if not m.event and m.joined and m.on == D(2022, 4, 25)
        ]
        self.assertEqual(len(groups), 1)
        self.assertEqual(
            {city.slug for city in groups[0].joined},
            {"constanta", "dubrovnik", "pristina", "pula"},
        )
        self.assertContains(self.response, "on or before April 25, 2022")

    def test_presidencies_and_reported_counts_appear(self):
        self.assertContains(
            self.response, "The presidency passed from Sofia to Zagreb (term 5)."
        )
        self.assertContains(
            self.response,
            "Bulgarian National Radio reported 25 members; 24 on record by then.",
        )
        self.assertContains(self.response, "76 members; 59 member cities")

    def test_month_precision_event_shows_the_month_only(self):
        self.assertContains(self.response, '<time datetime="2022-06">June 2022</time>')
        self.assertNotContains(self.response, "June 1, 2022")

    def test_renders_in_greek(self):
        with translation.override("el"):
            response = self.client.get(reverse("b40:history"))
        self.assertContains(response, '<html lang="el">')
        self.assertContains(response, "29/11/2021 – 30/11/2021")
        self.assertContains(response, "Θεσσαλονίκη")


class TimelineTests(TestCase):
    def test_steps_outside_events_are_grouped_by_date_and_precision(self):
        for precision in ("before", "day", "before"):
            MembershipStepFactory(on=D(2022, 4, 25), precision=precision)
        timeline = build_timeline()
        self.assertEqual(
            [(m.precision, len(m.joined)) for m in moments(timeline)],
            [("before", 2), ("day", 1)],
        )

    def test_other_steps_are_grouped_by_kind(self):
        event = EventFactory(start_on=D(2022, 4, 25), end_on=D(2022, 4, 25))
        MembershipStepFactory(event=event, kind=MembershipKind.INVITED, founding=None)
        (moment,) = moments(build_timeline())
        self.assertEqual(moment.joined, [])
        self.assertEqual([g.kind for g in moment.other_steps], ["invited"])

    def test_handover_and_report_belong_to_the_summit_held_that_day(self):
        summit = EventFactory(
            kind=EventKind.SUMMIT, start_on=D(2023, 1, 22), end_on=D(2023, 1, 24)
        )
        EventFactory(
            kind=EventKind.WORKING_GROUP,
            start_on=D(2023, 1, 23),
            end_on=D(2023, 1, 23),
        )
        PresidencyFactory(number=1, start_on=D(2022, 1, 1), end_on=D(2023, 1, 23))
        PresidencyFactory(number=2, start_on=D(2023, 1, 23), end_on=None)
        ReportedCountFactory(on=D(2023, 1, 23), members=30)
        by_event = {m.event: m for m in moments(build_timeline()) if m.event}
        self.assertEqual([h.term.number for h in by_event[summit].handovers], [2])
        self.assertEqual([r.count.members for r in by_event[summit].reports], [30])

    def test_handover_outside_any_event_stands_alone(self):
        PresidencyFactory(number=1, start_on=D(2022, 1, 1), end_on=None)
        (moment,) = moments(build_timeline())
        self.assertIsNone(moment.event)
        self.assertEqual(moment.handovers[0].previous, None)


class HistoryPageTests(TestCase):
    def test_queries_do_not_grow_with_cities_and_events(self):
        DeclarationFactory(kind="founding")
        ReportedCountFactory(on=D(2021, 11, 30))
        PresidencyFactory(number=1, start_on=D(2021, 11, 30), end_on=None)
        for total, more in ((10, 10), (100, 90)):
            for city in CityFactory.create_batch(more):
                event = EventFactory(city=city)
                MembershipStepFactory(city=city, event=event, on=event.start_on)
                MembershipStepFactory(on=D(2023, 3, 1), precision="before")
            with self.subTest(rows=total), self.assertNumQueries(7):
                response = self.client.get(URL)
            self.assertEqual(response.status_code, 200)
            shown = moments(response.context["timeline"])
            self.assertEqual(sum(1 for m in shown if m.event), total)

    def test_second_request_from_the_cache_and_an_edit_shows_next(self):
        event = EventFactory(name="First meeting")
        first = self.client.get(URL)
        with self.assertNumQueries(1):  # the registry version
            second = self.client.get(URL)
        self.assertEqual(second.content, first.content)
        event.name = "Renamed meeting"
        event.save()
        self.assertContains(self.client.get(URL), "Renamed meeting")

    def test_empty_record(self):
        self.assertContains(self.client.get(URL), "Nothing is on record yet.")
