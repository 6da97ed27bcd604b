import datetime

from django.test import SimpleTestCase
from django.utils import translation

from cities.dates import DatePrecision, format_partial_date, normalise

D = datetime.date(2022, 6, 1)


class FormatPartialDateTests(SimpleTestCase):
    def test_never_shows_more_than_is_known(self):
        with translation.override("en"):
            self.assertEqual(format_partial_date(D, DatePrecision.DAY), "June 1, 2022")
            self.assertEqual(format_partial_date(D, DatePrecision.MONTH), "June 2022")
            self.assertEqual(
                format_partial_date(datetime.date(2022, 1, 1), DatePrecision.YEAR),
                "2022",
            )
            self.assertEqual(
                format_partial_date(D, DatePrecision.BEFORE),
                "on or before June 1, 2022",
            )

    def test_unknown_date_is_blank(self):
        self.assertEqual(format_partial_date(None, DatePrecision.DAY), "")

    def test_normalise_to_precision(self):
        day = datetime.date(2022, 6, 28)
        self.assertEqual(normalise(day, DatePrecision.MONTH), datetime.date(2022, 6, 1))
        self.assertEqual(normalise(day, DatePrecision.YEAR), datetime.date(2022, 1, 1))
        self.assertEqual(normalise(day, DatePrecision.BEFORE), day)
