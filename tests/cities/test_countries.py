from django.contrib.staticfiles import finders
from django.test import TestCase
from django.utils import translation
from django_countries import countries
from django_countries.fields import Country

from tests.factories import CityFactory


class KosovoTests(TestCase):
    def test_kosovo_is_a_country_choice(self):
        self.assertIn("XK", dict(countries))
        city = CityFactory(country="XK")
        city.full_clean()
        self.assertEqual(city.country.code, "XK")

    def test_kosovo_is_translated(self):
        for language, name in (
            ("en", "Kosovo"),
            ("tr", "Kosova"),
            ("bg", "Косово"),
            ("el", "Κοσσυφοπέδιο"),
        ):
            with self.subTest(language=language), translation.override(language):
                self.assertEqual(Country("XK").name, name)

    def test_kosovo_has_a_flag_served_by_the_project(self):
        self.assertEqual(Country("XK").flag, "/static/flags/xk.gif")
        self.assertIsNotNone(finders.find("flags/xk.gif"))
