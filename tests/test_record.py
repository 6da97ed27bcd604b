"""Figures derived from the real B40 record, as loaded from data/b40."""

import datetime
from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from cities.models import City, MembershipStatus, MembershipStep, ReportedCount

D = datetime.date


class RealRecordTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_b40", stdout=StringIO())

    def test_founders_identified(self):
        """The network reports 23 founders; the public record names 20."""
        self.assertEqual(City.objects.founders().count(), 20)
        self.assertEqual(City.objects.members(as_of=D(2021, 11, 30)).count(), 20)
        self.assertEqual(City.objects.members(as_of=D(2021, 11, 29)).count(), 0)

    def test_members_after_the_sofia_ceremony(self):
        """The network reported 40 after 28 June 2022; the record accounts for 35."""
        members = City.objects.members(as_of=D(2022, 6, 28))
        self.assertEqual(members.count(), 35)
        self.assertIn("plovdiv", members.values_list("slug", flat=True))
        self.assertEqual(City.objects.members(as_of=D(2022, 6, 27)).count(), 24)

    def test_members_today(self):
        self.assertEqual(City.objects.members().count(), 59)
        self.assertEqual(
            City.objects.members().values("country").distinct().count(), 12
        )

    def test_on_or_before_join_counts_from_its_bound(self):
        pula = City.objects.get(slug="pula")
        self.assertEqual(pula.membership_steps.get().precision, "before")
        as_of = lambda d: City.objects.with_status(d).get(slug="pula")  # noqa: E731
        self.assertIsNone(as_of(D(2022, 4, 24)).status_kind)
        self.assertEqual(as_of(D(2022, 4, 25)).status_kind, "joined")

    def test_status_of_one_city_is_one_query(self):
        with self.assertNumQueries(1):
            tuzla = City.objects.with_status(D(2025, 1, 1)).get(slug="tuzla")
        self.assertEqual(tuzla.status, MembershipStatus.INVITED)

    def test_growth_series_runs_from_the_founders_to_today(self):
        with self.assertNumQueries(1):
            series = MembershipStep.objects.growth_series()
        self.assertEqual(series[0], (D(2021, 11, 30), 20))
        self.assertIn((D(2022, 6, 28), 35), series)
        self.assertEqual(series[-1][1], 59)
        counts = [count for _on, count in series]
        self.assertEqual(counts, sorted(counts), "no member has left the network")

    def test_reported_counts_exceed_the_recorded_ones(self):
        recorded = dict(MembershipStep.objects.growth_series())
        reported = {r.on: r.members for r in ReportedCount.objects.all()}
        self.assertEqual(reported[D(2021, 11, 30)], 23)
        self.assertEqual(recorded[D(2021, 11, 30)], 20)
        self.assertEqual(reported[D(2026, 1, 26)], 76)
        self.assertEqual(City.objects.members(as_of=D(2026, 1, 26)).count(), 59)
