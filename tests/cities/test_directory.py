import datetime

from django.http import QueryDict
from django.test import SimpleTestCase, TestCase
from django.utils import timezone, translation

from cities import directory
from cities.models import City, MembershipKind
from tests.factories import CityFactory, CityNameFactory, MembershipStepFactory


class DirectoryFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MembershipStepFactory(city=CityFactory(country="XK"))

    def form(self, query):
        return directory.DirectoryForm(QueryDict(query))

    def test_country_code_is_read_in_any_case(self):
        form = self.form("country=xk")
        self.assertTrue(form.is_valid())
        self.assertEqual(form.cleaned_data["country"], "XK")

    def test_country_choices_are_the_countries_on_record(self):
        choices = dict(self.form("").fields["country"].choices)
        self.assertEqual(set(choices) - {""}, {"XK"})

    def test_a_bad_field_is_reported_and_ignored_the_rest_is_kept(self):
        form = self.form("status=emperor&country=XK&as_of=2022-02-30")
        self.assertIsNone(form.value("status"))
        self.assertIsNone(form.value("as_of"))
        self.assertEqual(form.value("country"), "XK")
        self.assertEqual(len(form.error_messages()), 2)

    def test_as_of_today_is_allowed_tomorrow_is_not(self):
        today = timezone.localdate()
        self.assertTrue(self.form(f"as_of={today.isoformat()}").is_valid())
        tomorrow = today + datetime.timedelta(days=1)
        self.assertFalse(self.form(f"as_of={tomorrow.isoformat()}").is_valid())


class DirectoryQueryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.belgrade = CityFactory(name="Belgrade", country="RS")
        CityNameFactory(city=cls.belgrade, language="sr", name="Београд")
        CityNameFactory(city=cls.belgrade, language="tr", name="Belgrad")
        MembershipStepFactory(city=cls.belgrade)
        MembershipStepFactory(city=CityFactory(name="Podgorica", country="ME"))

    def test_search_matches_other_names_with_a_typo(self):
        cities = directory.search(
            directory.listing(City.objects.all(), language="en"), "Беогард"
        )
        self.assertEqual(list(cities), [self.belgrade])

    def test_local_name_is_the_name_in_the_visitors_language(self):
        listing = directory.listing(
            City.objects.filter(pk=self.belgrade.pk), language="tr"
        )
        self.assertEqual(listing.get().local_name, "Belgrad")
        listing = directory.listing(
            City.objects.filter(pk=self.belgrade.pk), language="el"
        )
        self.assertIsNone(listing.get().local_name)

    def test_country_counts_are_one_query(self):
        MembershipStepFactory(
            city=CityFactory(country="RS"), kind=MembershipKind.INVITED, founding=None
        )
        with self.assertNumQueries(1):
            rows = directory.country_counts()
        counts = {
            row["country"].code: (row["members"], row["on_record"]) for row in rows
        }
        self.assertEqual(counts, {"ME": (1, 1), "RS": (1, 2)})


class LookupTests(SimpleTestCase):
    """The per-language lookups answer for the language asked, whichever is
    active, and never from another language's answer."""

    def test_city_url(self):
        with translation.override("en"):
            self.assertEqual(directory.city_url("sofia"), "/members/sofia/")
            self.assertEqual(
                directory.city_url("sofia", language="tr"), "/tr/members/sofia/"
            )
        with translation.override("el"):
            self.assertEqual(directory.city_url("sofia"), "/el/members/sofia/")

    def test_country_name(self):
        with translation.override("en"):
            self.assertEqual(directory.country_name("GR"), "Greece")
            self.assertEqual(directory.country_name("GR", language="tr"), "Yunanistan")
        with translation.override("tr"):
            self.assertEqual(directory.country_name("GR"), "Yunanistan")
