import datetime
import re
from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from cities.models import MembershipKind, MembershipStep, ReportedCount
from tests.factories import (
    CityFactory,
    EventFactory,
    MembershipStepFactory,
    PresidencyFactory,
    ReportedCountFactory,
)


class HomeOnTheRecordTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_b40", stdout=StringIO())

    def setUp(self):
        # A request under /tr/ leaves Turkish active for the next reverse().
        translation.activate("en")
        self.response = self.client.get(reverse("b40:home"))

    def test_headline_figures(self):
        context = self.response.context
        self.assertEqual(context["members_today"], 59)
        self.assertEqual(context["countries_today"], 12)
        self.assertEqual(context["founders_identified"], 20)
        self.assertEqual(context["latest_report"].count.members, 76)
        self.assertEqual(context["latest_report"].on_record, 59)
        self.assertContains(self.response, "<strong>59</strong> member cities today")
        self.assertContains(self.response, "<strong>12</strong> countries")
        self.assertContains(
            self.response, "<strong>20</strong> founding signatories identified"
        )
        self.assertContains(self.response, "of 23 the network reported at its founding")
        self.assertContains(
            self.response, "<strong>76</strong> reported (Jan. 26, 2026)"
        )
        self.assertContains(self.response, "59 on record")

    def test_shows_the_chart_and_the_map(self):
        self.assertContains(self.response, 'class="growth-svg"')
        self.assertContains(self.response, 'class="map-svg region-map"')
        self.assertContains(self.response, 'href="/members/sarajevo/"', count=2)

    def test_shows_the_latest_events_and_that_none_is_announced(self):
        self.assertContains(self.response, "B40 Zagreb Summit (5th annual summit")
        self.assertContains(self.response, "No event is announced yet.")

    def test_shows_the_current_presidency(self):
        self.assertEqual(self.response.context["presidency"].city_slug, "zagreb")
        self.assertContains(
            self.response,
            '<a href="/members/zagreb/">Zagreb</a> holds the presidency (term 5) since',
        )

    def test_is_translated(self):
        response = self.client.get("/tr/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'lang="tr"')


class HomeEventsTests(TestCase):
    def test_lists_the_next_events_after_today(self):
        today = timezone.localdate()
        EventFactory(name="Past meeting", start_on=today, end_on=today)
        future = today + datetime.timedelta(days=30)
        EventFactory(name="Future summit", start_on=future, end_on=future)
        response = self.client.get(reverse("b40:home"))
        self.assertEqual(
            [e.name for e in response.context["next_events"]], ["Future summit"]
        )
        self.assertEqual(
            [e.name for e in response.context["latest_events"]], ["Past meeting"]
        )
        self.assertNotContains(response, "No event is announced yet.")

    def test_a_term_that_ended_is_not_the_current_presidency(self):
        PresidencyFactory(number=1)  # ended in 2002
        response = self.client.get(reverse("b40:home"))
        self.assertIsNone(response.context["presidency"])
        self.assertContains(response, "No presidency is on record for today.")


class HomeQueryTests(TestCase):
    def add_cities(self, n):
        cities = CityFactory.create_batch(n)
        MembershipStep.objects.bulk_create(
            MembershipStep(
                city=city,
                kind=MembershipKind.JOINED,
                on=datetime.date(2022, 1, 1) + datetime.timedelta(days=i),
                founding=i % 2 == 0 or None,
            )
            for i, city in enumerate(cities)
        )

    def test_query_count_does_not_grow_with_the_cities(self):
        ReportedCountFactory()
        EventFactory()
        PresidencyFactory(start_on=datetime.date(2021, 11, 30), end_on=None)
        for n in (10, 90):
            self.add_cities(n)
            # version, cities (founders counted there), growth (4), latest
            # and next events, presidency
            with self.subTest(cities=n), self.assertNumQueries(9):
                response = self.client.get(reverse("b40:home"))
            self.assertEqual(response.status_code, 200)

    def test_serves_from_the_cache_and_never_stale_after_an_edit(self):
        MembershipStepFactory()
        url = reverse("b40:home")
        first = self.client.get(url)
        with self.assertNumQueries(1):  # the registry version
            second = self.client.get(url)
        self.assertEqual(second.content, first.content)
        ReportedCount.objects.create(
            on=datetime.date(2025, 1, 1), members=987, reported_by="A newspaper"
        )
        self.assertContains(self.client.get(url), "<strong>987</strong> reported")


class LanguageAlternatesTests(TestCase):
    """Every page links its address in each language, on the host asked."""

    def alternates(self, path, host):
        # The locale middleware leaves the page's language active: put back ours.
        with translation.override(translation.get_language()):
            response = self.client.get(path, HTTP_HOST=host)
        links = re.findall(
            r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)">',
            response.content.decode(),
        )
        return {code: url for code, url in links if code != "x-default"}

    def test_on_each_host_and_from_each_language(self):
        with self.settings(ALLOWED_HOSTS=["one.example", "two.example"]):
            for host in ("one.example", "two.example"):
                for path in ("/members/", "/tr/members/"):
                    with self.subTest(host=host, path=path):
                        self.assertEqual(
                            self.alternates(path, host),
                            {
                                "en": f"http://{host}/members/",
                                "tr": f"http://{host}/tr/members/",
                                "bg": f"http://{host}/bg/members/",
                                "el": f"http://{host}/el/members/",
                            },
                        )

    def test_names_each_language_in_itself(self):
        response = self.client.get("/growth/")
        self.assertContains(response, 'hreflang="x-default" href="http://testserver/')
        self.assertContains(response, 'lang="tr">Türkçe</a>')
        self.assertContains(response, 'lang="el">Ελληνικά</a>')


class NavigationTests(TestCase):
    def test_marks_the_current_page_in_the_visitors_language(self):
        response = self.client.get("/tr/countries/")
        self.assertContains(
            response,
            '<a href="/tr/countries/" aria-current="page">Ülkeler</a>',
            html=True,
        )
        self.assertContains(response, '<a href="/tr/members/">Üyeler</a>', html=True)
        self.assertContains(response, '<a class="brand" href="/tr/">', count=1)
        response = self.client.get("/countries/")
        self.assertContains(
            response,
            '<a href="/countries/" aria-current="page">Countries</a>',
            html=True,
        )
        self.assertContains(response, 'rel="stylesheet" href="/static/css/site.css"')

    def test_marks_each_page_it_links_to_and_no_other(self):
        """The navigation is written once per language and current link: each
        page still gets its own mark, and a page outside it gets none."""
        for path, current in (
            ("/members/", "/members/"),
            ("/countries/", "/countries/"),
            ("/", None),
            ("/members/", "/members/"),
        ):
            with self.subTest(path=path):
                nav = self.client.get(path).content.decode().split("site-nav")[1]
                marked = re.findall(r'<a href="([^"]+)" aria-current="page">', nav)
                self.assertEqual(marked, [current] if current else [])

    def test_links_this_page_in_every_language_on_the_scheme_asked(self):
        response = self.client.get("/countries/", secure=True)
        self.assertContains(
            response,
            '<link rel="alternate" hreflang="bg" href="https://testserver/bg/countries/">',
        )
        self.assertContains(
            response,
            '<a href="https://testserver/el/countries/" hreflang="el" lang="el">'
            "Ελληνικά</a>",
            html=True,
        )
        self.assertContains(response, 'aria-current="true">English</a>')
