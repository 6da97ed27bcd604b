import datetime
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cities.dates import DatePrecision
from cities.models import City, Confidence, MembershipKind, MembershipStep
from summits.models import Signature
from tests.factories import (
    CityFactory,
    CityNameFactory,
    DeclarationFactory,
    EventFactory,
    MembershipStepFactory,
    OfficeFactory,
    PersonFactory,
    PresidencyFactory,
    SignatureFactory,
)

day = datetime.date
ISTANBUL = day(2021, 11, 30)
SOFIA_MEETING = day(2022, 6, 28)


def step(city, kind, on, precision=DatePrecision.DAY, **fields):
    fields.setdefault("founding", (on == ISTANBUL) if kind == "joined" else None)
    return MembershipStepFactory(
        city=city, kind=kind, on=on, precision=precision, **fields
    )


def build_network(count, *, country="BG"):
    """``count`` cities, each with a name in Turkish, a join and an office."""
    cities = City.objects.bulk_create(
        City(slug=f"bulk-{country}-{n}", name=f"Bulk {n}", country=country)
        for n in range(count)
    )
    for n, city in enumerate(cities):
        CityNameFactory(city=city, language="tr", name=f"Toplu {n}")
        step(city, MembershipKind.JOINED, ISTANBUL if n % 2 else SOFIA_MEETING)
        OfficeFactory(city=city)
    return cities


class DirectoryTestData:
    @classmethod
    def setUpTestData(cls):
        cls.sarajevo = CityFactory(name="Sarajevo", slug="sarajevo", country="BA")
        CityNameFactory(city=cls.sarajevo, language="tr", name="Saraybosna")
        CityNameFactory(city=cls.sarajevo, language="sr", name="Сарајево")
        step(cls.sarajevo, MembershipKind.JOINED, ISTANBUL)
        cls.sofia = CityFactory(name="Sofia", slug="sofia", country="BG")
        CityNameFactory(city=cls.sofia, language="bg", name="София")
        step(cls.sofia, MembershipKind.JOINED, SOFIA_MEETING)
        cls.thessaloniki = CityFactory(
            name="Thessaloniki", slug="thessaloniki", country="GR"
        )
        step(cls.thessaloniki, MembershipKind.JOINED, ISTANBUL)
        cls.izmir = CityFactory(name="İzmir", slug="izmir", country="TR")
        step(
            cls.izmir,
            MembershipKind.JOINED,
            day(2024, 1, 31),
            DatePrecision.BEFORE,
            founding=None,
            confidence=Confidence.PROBABLE,
        )
        cls.zagreb = CityFactory(name="Zagreb", slug="zagreb", country="HR")
        step(cls.zagreb, MembershipKind.JOINED, day(2022, 6, 1), DatePrecision.MONTH)
        cls.tuzla = CityFactory(name="Tuzla", slug="tuzla", country="BA")
        step(cls.tuzla, MembershipKind.INVITED, day(2022, 4, 25))
        cls.leaver = CityFactory(name="Leavington", slug="leavington", country="BG")
        step(cls.leaver, MembershipKind.JOINED, ISTANBUL)
        step(cls.leaver, MembershipKind.WITHDRAWN, day(2023, 5, 1))
        cls.nowhere = CityFactory(name="Nowhere", slug="nowhere", country="RS")


class DirectoryTests(DirectoryTestData, TestCase):
    url = reverse("cities:city-list")

    def names(self, **params):
        response = self.client.get(self.url, params)
        self.assertEqual(response.status_code, 200)
        return [city.name for city in response.context["cities"]]

    def test_lists_every_city_with_a_step_by_name(self):
        self.assertEqual(
            self.names(),
            [
                "İzmir",
                "Leavington",
                "Sarajevo",
                "Sofia",
                "Thessaloniki",
                "Tuzla",
                "Zagreb",
            ],
        )

    def test_row_shows_flag_country_status_date_and_marks(self):
        response = self.client.get(self.url)
        self.assertContains(
            response,
            '<img class="flag" src="/static/flags/tr.gif" alt="" width="16" '
            'height="11"> Türkiye',
            html=True,
        )
        self.assertContains(response, "joined on or before Jan. 31, 2024")
        self.assertContains(response, "Confidence: probable")
        self.assertContains(response, "Founding member: not known")
        self.assertContains(response, '<span class="status status-invited">invited')
        self.assertContains(response, "joined June 2022")
        self.assertNotContains(response, "June 1, 2022")

    def test_escapes_what_the_record_says_in_the_cards(self):
        City.objects.filter(pk=self.sofia.pk).update(name="Sof<i>a & Co")
        CityNameFactory(city=self.sofia, language="tr", name="Sofya <script>")
        response = self.client.get("/tr/members/")
        self.assertContains(
            response,
            '<a href="/tr/members/sofia/"><span lang="en">Sof&lt;i&gt;a &amp; Co'
            '</span></a> <span class="city-local-name" lang="tr">'
            "Sofya &lt;script&gt;</span>",
        )
        self.assertNotContains(response, "<script>")

    def test_search_in_cyrillic(self):
        self.assertEqual(self.names(q="софия"), ["Sofia"])
        self.assertEqual(self.names(q="САРАЈ"), ["Sarajevo"])

    def test_search_by_turkish_exonym(self):
        self.assertEqual(self.names(q="Saraybosna"), ["Sarajevo"])
        self.assertEqual(self.names(q="saraybosna"), ["Sarajevo"])

    def test_search_ignores_case_accents_and_turkish_i(self):
        self.assertEqual(self.names(q="IZMIR"), ["İzmir"])
        self.assertEqual(self.names(q="İZMİR"), ["İzmir"])
        self.assertEqual(self.names(q="sófía"), ["Sofia"])

    def test_search_tolerates_a_small_typo(self):
        self.assertEqual(self.names(q="Thesaloniki"), ["Thessaloniki"])
        self.assertEqual(self.names(q="Sarjevo"), ["Sarajevo"])

    def test_search_ranks_names_containing_the_term_first(self):
        stara = CityFactory(name="Stara Zagora", country="BG")
        step(stara, MembershipKind.JOINED, SOFIA_MEETING)
        self.assertEqual(self.names(q="zagre"), ["Zagreb", "Stara Zagora"])
        self.assertEqual(self.names(q="zagre", sort="name"), ["Stara Zagora", "Zagreb"])

    def test_search_finds_nothing_for_an_unrelated_word(self):
        response = self.client.get(self.url, {"q": "Lisbon"})
        self.assertEqual(list(response.context["cities"]), [])
        self.assertContains(response, "No city matches")

    def test_filters(self):
        self.assertEqual(self.names(country="BA"), ["Sarajevo", "Tuzla"])
        self.assertEqual(self.names(country="ba"), ["Sarajevo", "Tuzla"])
        self.assertEqual(self.names(status="invited"), ["Tuzla"])
        self.assertEqual(self.names(status="withdrawn"), ["Leavington"])
        self.assertEqual(
            self.names(founding="founding"), ["Leavington", "Sarajevo", "Thessaloniki"]
        )
        self.assertEqual(self.names(founding="later"), ["Sofia", "Zagreb"])
        self.assertEqual(self.names(founding="unknown"), ["İzmir"])
        self.assertEqual(self.names(year="2022"), ["Sofia", "Zagreb"])
        self.assertEqual(self.names(year="2022", country="HR"), ["Zagreb"])

    def test_sort_by_date_joined(self):
        self.assertEqual(
            self.names(sort="joined", status="member"),
            ["Sarajevo", "Thessaloniki", "Zagreb", "Sofia", "İzmir"],
        )
        self.assertEqual(self.names(sort="-joined", status="member")[0], "İzmir")

    def test_as_of_shows_the_network_on_that_date_with_a_banner(self):
        response = self.client.get(self.url, {"as_of": "2022-01-01"})
        self.assertContains(response, "Showing the network as it was on Jan. 1, 2022")
        self.assertEqual(
            [city.name for city in response.context["cities"]],
            ["Leavington", "Sarajevo", "Thessaloniki"],
        )
        leaver = response.context["cities"][0]
        self.assertEqual(leaver.status, "member")
        self.assertNotContains(
            self.client.get(self.url), "Showing the network as it was"
        )

    def test_bad_input_gets_a_message_and_400(self):
        cases = {
            "as_of": "2022-13-01",
            "page": "abc",
            "status": "emperor",
            "founding": "maybe",
            "year": "1066",
            "country": "Narnia",
            "sort": "size",
        }
        for name, value in cases.items():
            with self.subTest(name=name):
                response = self.client.get(self.url, {name: value})
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "could not be used", status_code=400)
                # The list is still shown, without the bad option.
                self.assertEqual(len(response.context["cities"]), 7)

    def test_as_of_in_the_future_is_refused(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = self.client.get(self.url, {"as_of": tomorrow.isoformat()})
        self.assertContains(response, "cannot show the future", status_code=400)

    def test_page_past_the_end_says_so(self):
        response = self.client.get(self.url, {"page": "99"})
        self.assertContains(response, "There is no page 99", status_code=400)

    def test_pagination_keeps_the_filters_in_the_url(self):
        build_network(30)
        response = self.client.get(self.url, {"country": "BG"})
        self.assertEqual(len(response.context["cities"]), 24)
        self.assertContains(response, "?country=BG&amp;page=2")
        second = self.client.get(self.url, {"country": "BG", "page": "2"})
        self.assertEqual(len(second.context["cities"]), 8)

    def test_every_filter_has_a_label(self):
        response = self.client.get(self.url)
        for field in ("q", "country", "status", "founding", "year", "sort", "as_of"):
            with self.subTest(field=field):
                self.assertContains(response, f'<label for="id_{field}">')

    def test_name_in_the_visitors_language(self):
        response = self.client.get("/tr/members/")
        self.assertContains(
            response, '<span class="city-local-name" lang="tr">Saraybosna</span>'
        )
        self.assertContains(response, "Bosna Hersek")


class CityDetailTests(DirectoryTestData, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        summit = EventFactory(
            name="Istanbul Summit", slug="istanbul-summit", start_on=ISTANBUL
        )
        declaration = DeclarationFactory(
            title="Istanbul Declaration", slug="istanbul-declaration"
        )
        mayor = PersonFactory(name="Benjamina Karić")
        signature = SignatureFactory(
            declaration=declaration, city=cls.sarajevo, signatory=mayor, event=summit
        )
        MembershipStep.objects.filter(city=cls.sarajevo).update(
            event=summit, signature=signature
        )
        OfficeFactory(city=cls.sarajevo, person=mayor)
        OfficeFactory(
            city=cls.sarajevo,
            person=PersonFactory(name="Abdulah Skaka"),
            start_on=day(2017, 1, 1),
            end_on=day(2021, 1, 1),
            known_from=None,
            known_until=None,
        )
        PresidencyFactory(city=cls.sarajevo, number=3, president=mayor)
        EventFactory(
            name="Sarajevo meeting", slug="sarajevo-meeting", city=cls.sarajevo
        )
        City.objects.filter(pk=cls.sofia.pk).update(
            verified_at=datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
        )

    def get(self, city):
        return self.client.get(reverse("cities:city-detail", args=[city.slug]))

    def test_shows_names_in_every_script_with_their_language(self):
        response = self.get(self.sarajevo)
        self.assertContains(response, '<span lang="sr">Сарајево</span>')
        self.assertContains(response, '<span lang="tr">Saraybosna</span>')

    def test_shows_how_it_joined_and_who_signed(self):
        response = self.get(self.sarajevo)
        self.assertContains(
            response, '<a href="/events/istanbul-summit/">Istanbul Summit</a>'
        )
        self.assertContains(
            response,
            '<a href="/declarations/istanbul-declaration/">Istanbul Declaration</a>',
        )
        self.assertContains(response, "signed by Benjamina Karić (mayor)")
        self.assertContains(response, "as a founding member")
        self.assertContains(response, '<img class="flag" src="/static/flags/ba.gif"')

    def test_the_signatory_s_role_is_in_the_visitor_s_language(self):
        response = self.client.get(f"/el/members/{self.sarajevo.slug}/")
        self.assertContains(response, "Benjamina Karić (δήμαρχος)")
        Signature.objects.filter(city=self.sarajevo).update(
            signatory_role="president of the assembly"
        )
        response = self.client.get(f"/el/members/{self.sarajevo.slug}/")
        self.assertContains(response, "Benjamina Karić (president of the assembly)")

    def test_shows_offices_presidencies_events_and_sources(self):
        response = self.get(self.sarajevo)
        self.assertContains(response, "known in office on Nov. 30, 2021")
        self.assertContains(response, "term Jan. 1, 2017 – Jan. 1, 2021")
        self.assertContains(response, "Term 3, from Jan. 1, 2003")
        self.assertContains(response, "Sarajevo meeting")
        self.assertContains(response, 'href="https://b40network.org/who-we-are/"')
        self.assertContains(response, "not yet verified")
        self.assertContains(response, '<th scope="col">Step</th>', html=True)

    def test_shows_when_the_secretariat_verified_it(self):
        self.assertContains(self.get(self.sofia), "March 2, 2026")

    def test_month_precision_shows_the_month_only(self):
        response = self.get(self.zagreb)
        self.assertContains(response, "June 2022")
        self.assertNotContains(response, "June 1, 2022")

    def test_on_or_before_is_said(self):
        response = self.get(self.izmir)
        self.assertContains(response, "on or before Jan. 31, 2024")
        self.assertContains(response, "probable")

    def test_unknown_slug_is_404(self):
        response = self.client.get(reverse("cities:city-detail", args=["atlantis"]))
        self.assertEqual(response.status_code, 404)

    def test_a_city_without_steps_is_404(self):
        self.assertEqual(self.get(self.nowhere).status_code, 404)


class CountryTests(DirectoryTestData, TestCase):
    def test_index_counts_members_today_per_country(self):
        response = self.client.get(reverse("cities:country-list"))
        rows = {row["country"].code: row for row in response.context["countries"]}
        self.assertEqual(set(rows), {"BA", "BG", "GR", "HR", "TR"})
        self.assertEqual((rows["BA"]["members"], rows["BA"]["on_record"]), (1, 2))
        self.assertEqual((rows["BG"]["members"], rows["BG"]["on_record"]), (1, 2))
        self.assertContains(response, 'href="/countries/ba/"')

    def test_country_page_lists_its_cities_and_their_status(self):
        response = self.client.get(reverse("cities:country-detail", args=["ba"]))
        self.assertEqual(
            [city.name for city in response.context["cities"]], ["Sarajevo", "Tuzla"]
        )
        self.assertContains(response, "<h1>", count=1)
        self.assertContains(response, '<span class="status status-invited">invited')

    def test_kosovo_has_its_page(self):
        step(CityFactory(name="Prizren", country="XK"), MembershipKind.JOINED, ISTANBUL)
        response = self.client.get("/countries/xk/")
        self.assertContains(response, "Kosovo")
        self.assertContains(response, "Prizren")

    def test_a_country_without_cities_is_404(self):
        self.assertEqual(self.client.get("/countries/rs/").status_code, 404)
        self.assertEqual(self.client.get("/countries/zz/").status_code, 404)

    def test_an_upper_case_code_redirects(self):
        self.assertRedirects(
            self.client.get("/countries/BA/"), "/countries/ba/", status_code=301
        )


class QueryCountTests(TestCase):
    """Every page runs the same number of queries for 10 and for 100 cities."""

    pages = {
        "directory": "/members/",
        "search": "/members/?" + urlencode({"q": "toplu 1", "status": "member"}),
        "as_of": "/members/?as_of=2022-01-01&sort=joined",
        "city": "/members/bulk-BG-1/",
        "countries": "/countries/",
        "country": "/countries/bg/",
    }
    expected = {
        # version, country choices, the page with the count (COUNT(*) OVER ())
        "directory": 3,
        "search": 3,
        "as_of": 3,
        # version, city, then names, ledger, offices, presidencies, events
        "city": 7,
        # version, one grouped query
        "countries": 2,
        # version, the country's cities
        "country": 2,
    }

    def count_queries(self, url):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return len(queries)

    def test_query_counts_do_not_grow_with_cities(self):
        build_network(10)
        with_ten = {name: self.count_queries(url) for name, url in self.pages.items()}
        build_network(90, country="GR")
        for name, url in self.pages.items():
            with self.subTest(page=name):
                self.assertEqual(with_ten[name], self.expected[name])
                cache.clear()
                with self.assertNumQueries(with_ten[name]):
                    self.client.get(url)


class PageCacheTests(DirectoryTestData, TestCase):
    def test_second_request_is_served_from_the_cache(self):
        for url in ("/members/", "/members/sarajevo/", "/countries/", "/countries/ba/"):
            with self.subTest(url=url):
                first = self.client.get(url)
                with self.assertNumQueries(1):  # the registry version
                    second = self.client.get(url)
                self.assertEqual(first.content, second.content)

    def test_an_edit_shows_on_the_next_request(self):
        for url in ("/members/", "/members/sarajevo/", "/countries/ba/"):
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "Sarajevo")
                self.sarajevo.name = f"Sarajevo renamed for {url}"
                self.sarajevo.save()
                self.assertContains(self.client.get(url), self.sarajevo.name)
