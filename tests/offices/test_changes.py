import datetime
from decimal import Decimal

from django.test import SimpleTestCase
from django.utils import translation

from cities.dates import format_partial_date
from offices.changes import change_rows, coordinates_display


class CoordinatesDisplayTests(SimpleTestCase):
    def test_decimal_point_and_hemisphere_in_every_language(self):
        for language in ("en", "bg", "el", "tr"):
            with self.subTest(language=language), translation.override(language):
                text = coordinates_display(Decimal("42.698"), Decimal("23.322"))
                self.assertIn("42.69800°", text)
                self.assertIn("23.32200°", text)
                self.assertNotIn("42,698", text)

    def test_south_and_west_are_named_not_signed(self):
        self.assertEqual(
            coordinates_display(Decimal("-33.9"), Decimal("-70.65")),
            "33.90000° S, 70.65000° W",
        )

    def test_nothing_without_both(self):
        self.assertEqual(coordinates_display(None, Decimal("1")), "")


class MayorRowsTests(SimpleTestCase):
    before = {
        "office": 7,
        "name": "Vasil Terziev",
        "start_on": None,
        "known_from": "2025-02-24",
        "known_until": "2025-06-01",
    }

    def test_known_span_is_shown_where_the_start_is_unknown(self):
        after = {
            "office": None,
            "name": "Elena Petrova",
            "start_on": "2025-07-01",
            "change": "new",
        }
        rows = change_rows({"mayor": self.before}, {"mayor": after})
        self.assertEqual(
            [row.label for row in rows], ["Name of the new mayor", "In office since"]
        )
        start = format_partial_date(datetime.date(2025, 2, 24), "day")
        end = format_partial_date(datetime.date(2025, 6, 1), "day")
        self.assertEqual(
            rows[1].before, f"known in office from {start} to {end}; term not yet known"
        )

    def test_spelling_correction_is_one_row(self):
        after = {
            "office": None,
            "name": "Vassil Terziev",
            "start_on": None,
            "change": "correction",
        }
        rows = change_rows({"mayor": self.before}, {"mayor": after})
        self.assertEqual(
            [(row.label, row.before, row.after) for row in rows],
            [("Name, spelling corrected", "Vasil Terziev", "Vassil Terziev")],
        )
