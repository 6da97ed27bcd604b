import datetime

from django.test import TestCase

from cities import services
from cities.models import City, MembershipKind, MembershipStep
from tests.factories import CityFactory, MembershipStepFactory


class MembershipOnDateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.founder = MembershipStepFactory().city
        cls.later = CityFactory()
        services.membership_step_record(
            city=cls.later, kind=MembershipKind.JOINED, on=datetime.date(2022, 6, 28)
        )
        cls.leaver = MembershipStepFactory().city
        services.membership_step_record(
            city=cls.leaver, kind=MembershipKind.WITHDRAWN, on=datetime.date(2023, 1, 1)
        )

    def test_members_on_a_date_follow_the_ledger(self):
        on = lambda d: set(City.objects.members(as_of=d))  # noqa: E731
        self.assertEqual(on(datetime.date(2021, 11, 29)), set())
        self.assertEqual(on(datetime.date(2021, 11, 30)), {self.founder, self.leaver})
        self.assertEqual(
            on(datetime.date(2022, 6, 28)), {self.founder, self.leaver, self.later}
        )
        self.assertEqual(on(datetime.date(2023, 1, 1)), {self.founder, self.later})

    def test_growth_series_counts_joins_and_withdrawals(self):
        with self.assertNumQueries(1):
            series = MembershipStep.objects.growth_series()
        self.assertEqual(
            series,
            [
                (datetime.date(2021, 11, 30), 2),
                (datetime.date(2022, 6, 28), 3),
                (datetime.date(2023, 1, 1), 2),
            ],
        )
