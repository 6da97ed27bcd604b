import datetime
from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from cities.models import MembershipKind
from summits.models import Declaration, DeclarationKind, Event, Presidency, Signature
from tests.factories import (
    CityFactory,
    CityNameFactory,
    DeclarationFactory,
    EventFactory,
    MembershipStepFactory,
    PresidencyFactory,
    ReportedCountFactory,
    SignatureFactory,
)

D = datetime.date


class PageQueriesMixin:
    def assertSameQueriesFor10And100(self, url, make, expected):
        """The page at ``url`` runs ``expected`` queries whether ``make(n)`` has
        made 10 rows or 100."""
        for total, more in ((10, 10), (100, 90)):
            make(more)
            with self.subTest(rows=total), self.assertNumQueries(expected):
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200)


class EventListTests(PageQueriesMixin, TestCase):
    url = reverse("summits:event-list")

    def test_upcoming_and_past_events_are_listed_apart(self):
        today = timezone.localdate()
        coming = EventFactory(
            name="Next summit",
            start_on=today + datetime.timedelta(days=30),
            end_on=today + datetime.timedelta(days=31),
        )
        held = EventFactory(name="Last meeting")
        response = self.client.get(self.url)
        self.assertEqual(response.context["upcoming"], [coming])
        self.assertEqual(response.context["past"], [held])
        self.assertContains(response, "Next summit")
        self.assertContains(response, reverse("summits:event-detail", args=[held.slug]))
        self.assertContains(
            response, reverse("cities:city-detail", args=[held.city.slug])
        )

    def test_says_so_when_no_event_is_upcoming(self):
        EventFactory()
        response = self.client.get(self.url)
        self.assertContains(response, "No upcoming event is on record.")

    def test_month_precision_event_shows_the_month_only(self):
        EventFactory(start_on=D(2023, 11, 1), end_on=D(2023, 11, 1), precision="month")
        response = self.client.get(self.url)
        self.assertContains(response, '<time datetime="2023-11">November 2023</time>')
        self.assertNotContains(response, "Nov. 1, 2023")

    def test_queries_do_not_grow_with_events(self):
        self.assertSameQueriesFor10And100(
            self.url, lambda n: EventFactory.create_batch(n), expected=2
        )


class EventDetailTests(PageQueriesMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.event = EventFactory(
            name="Annual summit",
            start_on=D(2023, 1, 22),
            end_on=D(2023, 1, 24),
            venue="Technopolis",
            host="Host: the mayor",
            notes="Working sessions ran two days.",
            sources=["https://example.org/summit"],
        )
        cls.url = reverse("summits:event-detail", args=[cls.event.slug])

    def test_shows_host_dates_venue_notes_and_sources(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Annual summit")
        self.assertContains(response, self.event.city.name)
        self.assertContains(response, "Jan. 22, 2023 – Jan. 24, 2023")
        self.assertContains(response, "Technopolis")
        self.assertContains(response, "Host: the mayor")
        self.assertContains(response, "Working sessions ran two days.")
        self.assertContains(response, "https://example.org/summit")

    def test_lists_cities_that_joined_there_and_declarations(self):
        joined = MembershipStepFactory(
            event=self.event, on=D(2023, 1, 23), founding=False
        )
        MembershipStepFactory(on=D(2023, 1, 23), founding=False)  # elsewhere
        declaration = DeclarationFactory(event=self.event, title="Athens words")
        response = self.client.get(self.url)
        self.assertEqual([s.city for s in response.context["joins"]], [joined.city])
        self.assertContains(
            response, reverse("cities:city-detail", args=[joined.city.slug])
        )
        self.assertContains(response, "Athens words")
        self.assertContains(
            response, reverse("summits:declaration-detail", args=[declaration.slug])
        )

    def test_shows_the_presidency_handed_over_there(self):
        ended = PresidencyFactory(
            number=1,
            city=CityFactory(name="Old Town"),
            start_on=D(2021, 11, 30),
            end_on=D(2023, 1, 23),
        )
        began = PresidencyFactory(
            number=2,
            city=CityFactory(name="New Town"),
            start_on=D(2023, 1, 23),
            end_on=None,
        )
        response = self.client.get(self.url)
        self.assertEqual(response.context["presidency_ended"], ended)
        self.assertEqual(response.context["presidency_began"], began)
        self.assertContains(
            response, "The presidency passed from Old Town to New Town (term 2)."
        )

    def test_cities_are_named_in_the_visitors_language_when_on_record(self):
        CityNameFactory(city=self.event.city, language="tr", name="Saraybosna")
        joined = MembershipStepFactory(
            event=self.event, on=D(2023, 1, 23), founding=False
        )
        with translation.override("tr"):
            url = reverse("summits:event-detail", args=[self.event.slug])
        response = self.client.get(url)
        self.assertContains(response, "Saraybosna")
        self.assertContains(response, joined.city.name)  # no Turkish name: as is

    def test_unknown_event_is_404(self):
        response = self.client.get(reverse("summits:event-detail", args=["nowhere"]))
        self.assertEqual(response.status_code, 404)

    def test_queries_do_not_grow_with_cities(self):
        declaration = DeclarationFactory(event=self.event)

        def make(n):
            for city in CityFactory.create_batch(n):
                MembershipStepFactory(
                    city=city,
                    event=self.event,
                    on=D(2023, 1, 23),
                    founding=False,
                    signature=SignatureFactory(
                        city=city,
                        declaration=declaration,
                        event=self.event,
                        on=D(2023, 1, 23),
                    ),
                )

        self.assertSameQueriesFor10And100(self.url, make, expected=6)


class DeclarationTests(PageQueriesMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.summit = EventFactory(start_on=D(2021, 11, 29), end_on=D(2021, 11, 30))
        cls.declaration = DeclarationFactory(
            title="Founding words",
            kind=DeclarationKind.FOUNDING,
            event=cls.summit,
            summary="We shall cooperate.",
        )
        cls.founders = [
            SignatureFactory(declaration=cls.declaration, event=cls.summit)
            for _ in range(3)
        ]
        cls.later = SignatureFactory(
            declaration=cls.declaration,
            on=D(2022, 6, 1),
            precision="month",
            signatory=None,
            signatory_role="",
        )
        cls.url = reverse("summits:declaration-detail", args=[cls.declaration.slug])

    def test_list_links_each_declaration(self):
        rules = DeclarationFactory(kind=DeclarationKind.RULES, title="The rules")
        response = self.client.get(reverse("summits:declaration-list"))
        self.assertContains(response, "Founding words")
        self.assertContains(
            response, reverse("summits:declaration-detail", args=[rules.slug])
        )
        self.assertContains(response, "4 signatures on record")

    def test_shows_summary_founders_and_later_accessions_in_date_order(self):
        response = self.client.get(self.url)
        self.assertContains(response, "We shall cooperate.")
        self.assertCountEqual(response.context["original"], self.founders)
        self.assertEqual(response.context["accessions"], [self.later])
        self.assertContains(response, "Later accessions")
        self.assertContains(response, self.founders[0].signatory.name)
        self.assertContains(response, "not named in the sources")
        self.assertContains(response, '<time datetime="2022-06">June 2022</time>')

    def test_notes_fewer_signatories_identified_than_reported(self):
        ReportedCountFactory(on=self.declaration.adopted_on, members=5)
        response = self.client.get(self.url)
        self.assertContains(response, "3 signatories identified of 5 reported")

    def test_no_note_when_every_signatory_is_identified(self):
        ReportedCountFactory(on=self.declaration.adopted_on, members=3)
        response = self.client.get(self.url)
        self.assertNotContains(response, "signatories identified of")

    def test_unknown_declaration_is_404(self):
        url = reverse("summits:declaration-detail", args=["nothing"])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_queries_do_not_grow_with_signatures(self):
        def make(n):
            SignatureFactory.create_batch(
                n, declaration=self.declaration, event=self.summit
            )

        self.assertSameQueriesFor10And100(self.url, make, expected=4)

    def test_list_queries_do_not_grow_with_declarations(self):
        def make(n):
            for declaration in DeclarationFactory.create_batch(n):
                SignatureFactory(declaration=declaration)

        self.assertSameQueriesFor10And100(
            reverse("summits:declaration-list"), make, expected=2
        )


class PresidencyTests(PageQueriesMixin, TestCase):
    url = reverse("summits:presidency-list")

    def test_open_term_is_current_and_rules_link_to_their_document(self):
        PresidencyFactory(number=1, start_on=D(2021, 11, 30), end_on=D(2023, 1, 23))
        PresidencyFactory(
            number=2,
            city=CityFactory(name="Now Town"),
            start_on=D(2023, 1, 23),
            end_on=None,
        )
        rules = DeclarationFactory(
            kind=DeclarationKind.RULES, summary="No two consecutive terms."
        )
        response = self.client.get(self.url)
        self.assertContains(response, '<tr class="current">', count=1)
        self.assertContains(response, "current</strong>")
        self.assertContains(response, "No two consecutive terms.")
        self.assertContains(
            response, reverse("summits:declaration-detail", args=[rules.slug])
        )

    def test_queries_do_not_grow_with_terms(self):
        DeclarationFactory(kind=DeclarationKind.RULES)

        def make(n):
            start = Presidency.objects.count() + 1
            for number in range(start, start + n):
                PresidencyFactory(number=number)
                EventFactory(
                    kind="summit",
                    start_on=D(2000 + number, 1, 1),
                    end_on=D(2000 + number, 1, 1),
                )

        self.assertSameQueriesFor10And100(self.url, make, expected=4)


class PageCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.event = EventFactory(name="Cached meeting")

    def test_second_request_comes_from_the_cache_and_an_edit_shows_next(self):
        urls = [
            reverse("summits:event-list"),
            reverse("summits:event-detail", args=[self.event.slug]),
            reverse("summits:declaration-list"),
            reverse("summits:presidency-list"),
        ]
        for url in urls:
            first = self.client.get(url)
            with self.subTest(url=url), self.assertNumQueries(1):  # the version
                second = self.client.get(url)
            self.assertEqual(second.content, first.content)
        Event.objects.filter(pk=self.event.pk).update(name="Renamed meeting")
        for url in urls[:2]:
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "Renamed meeting")


class RealRecordPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_b40", stdout=StringIO())

    def test_sofia_meeting_lists_the_nine_cities_that_joined_there(self):
        response = self.client.get(
            reverse("summits:event-detail", args=["sofia-meeting-2022"])
        )
        joined = {step.city.slug for step in response.context["joins"]}
        self.assertEqual(len(joined), 9)
        self.assertIn("plovdiv", joined)
        self.assertNotIn("burgas", joined)  # signed in advance, outside the event
        self.assertContains(response, "9 cities joined the network at this event.")
        self.assertContains(response, "Veliko Tarnovo")

    def test_athens_summit_shows_the_handover_from_istanbul(self):
        response = self.client.get(
            reverse("summits:event-detail", args=["athens-summit-2023"])
        )
        self.assertContains(
            response, "The presidency passed from Istanbul to Athens (term 2)."
        )

    def test_istanbul_declaration_shows_founders_accessions_and_the_gap(self):
        declaration = Declaration.objects.get(slug="istanbul-declaration")
        founders = Signature.objects.filter(
            declaration=declaration, on=declaration.adopted_on
        ).count()
        response = self.client.get(
            reverse("summits:declaration-detail", args=[declaration.slug])
        )
        self.assertEqual(len(response.context["original"]), founders)
        self.assertIn("sofia", {s.city.slug for s in response.context["accessions"]})
        self.assertContains(
            response,
            f"{founders} signatories identified of 23 reported by "
            "B40 Balkan Cities Network",
        )
        self.assertContains(response, "Ekrem İmamoğlu")

    def test_presidency_has_five_terms_with_zagreb_current_and_the_rules(self):
        response = self.client.get(reverse("summits:presidency-list"))
        terms = response.context["terms"]
        self.assertEqual([t.number for t in terms], [1, 2, 3, 4, 5])
        current = [t for t in terms if t.end_on is None]
        self.assertEqual([t.city.slug for t in current], ["zagreb"])
        self.assertContains(response, "two consecutive terms")
        self.assertContains(response, "hosts the annual summit")
        rules = Declaration.objects.get(kind=DeclarationKind.RULES)
        self.assertContains(
            response, reverse("summits:declaration-detail", args=[rules.slug])
        )

    def test_month_precision_meeting_shows_the_month_only(self):
        response = self.client.get(
            reverse("summits:event-detail", args=["istanbul-technical-meeting-2022"])
        )
        self.assertContains(response, '<time datetime="2022-06">June 2022</time>')
        self.assertNotContains(response, "June 1, 2022")

    def test_every_page_renders_in_greek(self):
        for name, args in [
            ("summits:event-list", []),
            ("summits:event-detail", ["istanbul-summit-2021"]),
            ("summits:declaration-list", []),
            ("summits:declaration-detail", ["istanbul-declaration"]),
            ("summits:presidency-list", []),
        ]:
            with self.subTest(page=name), translation.override("el"):
                response = self.client.get(reverse(name, args=args))
                self.assertContains(response, '<html lang="el">')


class JoinKindTests(TestCase):
    def test_other_steps_at_an_event_are_listed_apart_from_joins(self):
        event = EventFactory()
        MembershipStepFactory(
            event=event, kind=MembershipKind.INVITED, founding=None, on=event.start_on
        )
        response = self.client.get(reverse("summits:event-detail", args=[event.slug]))
        self.assertEqual(response.context["joins"], [])
        self.assertEqual(len(response.context["other_steps"]), 1)
        self.assertContains(response, "No city is recorded as joining at this event.")
