import datetime

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cities import services
from cities.dates import DatePrecision
from cities.models import City, MembershipKind, MembershipStatus, MembershipStep
from tests.factories import CityFactory, MembershipStepFactory

day = datetime.date
INVITED, CANDIDATE, JOINED = (
    MembershipKind.INVITED,
    MembershipKind.CANDIDATE,
    MembershipKind.JOINED,
)
SUSPENDED = MembershipKind.SUSPENDED
REINSTATED, WITHDRAWN = MembershipKind.REINSTATED, MembershipKind.WITHDRAWN
ISTANBUL_SUMMIT = day(2021, 11, 30)


def city_with_ledger(*steps):
    """A city with these (kind, date[, precision]) steps.

    A join on the day of the Istanbul summit is a founding one.
    """
    city = CityFactory()
    MembershipStep.objects.bulk_create(
        MembershipStep(
            city=city,
            kind=kind,
            on=on,
            precision=precision[0] if precision else DatePrecision.DAY,
            founding=(kind == JOINED and on == ISTANBUL_SUMMIT) or None,
        )
        for kind, on, *precision in steps
    )
    return city


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


class CityStatusTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.founder = city_with_ledger((JOINED, ISTANBUL_SUMMIT))
        cls.suspended = city_with_ledger(
            (JOINED, ISTANBUL_SUMMIT),
            (SUSPENDED, day(2023, 1, 23)),
            (REINSTATED, day(2024, 1, 30)),
        )
        cls.rejoined = city_with_ledger(
            (JOINED, ISTANBUL_SUMMIT),
            (WITHDRAWN, day(2022, 12, 31)),
            (JOINED, day(2024, 1, 30)),
        )
        cls.invited = city_with_ledger((INVITED, day(2022, 4, 25)))
        cls.candidate = city_with_ledger((CANDIDATE, day(2022, 4, 25)))
        cls.same_day = city_with_ledger(
            (INVITED, day(2022, 4, 25)), (JOINED, day(2022, 4, 25))
        )
        cls.june = city_with_ledger((JOINED, day(2022, 6, 1), DatePrecision.MONTH))
        cls.by_sofia = city_with_ledger(
            (JOINED, day(2022, 6, 28), DatePrecision.BEFORE)
        )

    def members_on(self, on):
        return set(City.objects.members(as_of=on))

    def test_status_of_one_city_is_one_query(self):
        with self.assertNumQueries(1):
            city = City.objects.with_status(day(2023, 6, 1)).get(pk=self.suspended.pk)
        self.assertEqual(city.status_kind, SUSPENDED)
        self.assertEqual(city.member_since, ISTANBUL_SUMMIT)
        self.assertIs(city.founding, True)

    def test_status_is_the_latest_step_on_the_date(self):
        cases = [
            (self.suspended, day(2021, 11, 29), None, MembershipStatus.NONE),
            (self.suspended, ISTANBUL_SUMMIT, JOINED, MembershipStatus.MEMBER),
            (self.suspended, day(2023, 1, 22), JOINED, MembershipStatus.MEMBER),
            (self.suspended, day(2023, 1, 23), SUSPENDED, MembershipStatus.SUSPENDED),
            (self.suspended, day(2024, 1, 30), REINSTATED, MembershipStatus.MEMBER),
            (self.rejoined, day(2023, 6, 1), WITHDRAWN, MembershipStatus.WITHDRAWN),
            (self.rejoined, day(2024, 6, 1), JOINED, MembershipStatus.MEMBER),
            (self.invited, day(2024, 6, 1), INVITED, MembershipStatus.INVITED),
            (self.candidate, day(2024, 6, 1), CANDIDATE, MembershipStatus.CANDIDATE),
            (self.same_day, day(2022, 4, 25), JOINED, MembershipStatus.MEMBER),
        ]
        for city, on, kind, status in cases:
            with self.subTest(city=city.name, on=on):
                city = City.objects.with_status(on).get(pk=city.pk)
                self.assertEqual((city.status_kind, city.status), (kind, status))

    def test_member_since_is_the_latest_join(self):
        before, after = (
            City.objects.with_status(on).get(pk=self.rejoined.pk)
            for on in (day(2022, 6, 1), day(2024, 6, 1))
        )
        self.assertEqual(
            (before.member_since, before.founding), (ISTANBUL_SUMMIT, True)
        )
        self.assertEqual((after.member_since, after.founding), (day(2024, 1, 30), None))

    def test_member_since_keeps_its_precision(self):
        city = City.objects.with_status(day(2022, 7, 1)).get(pk=self.june.pk)
        self.assertEqual(
            (city.member_since, city.member_since_precision),
            (day(2022, 6, 1), DatePrecision.MONTH),
        )

    def test_members_on_a_date_is_one_query(self):
        with self.assertNumQueries(1):
            members = self.members_on(day(2022, 6, 28))
        self.assertEqual(
            members,
            {
                self.founder,
                self.suspended,
                self.rejoined,
                self.same_day,
                self.june,
                self.by_sofia,
            },
        )

    def test_suspended_city_is_not_a_member_until_reinstated(self):
        self.assertNotIn(self.suspended, self.members_on(day(2023, 1, 23)))
        self.assertIn(self.suspended, self.members_on(day(2024, 1, 30)))

    def test_withdrawn_city_is_not_a_member_until_it_rejoins(self):
        self.assertNotIn(self.rejoined, self.members_on(day(2022, 12, 31)))
        self.assertIn(self.rejoined, self.members_on(day(2024, 1, 30)))

    def test_invited_city_is_not_a_member(self):
        self.assertNotIn(self.invited, self.members_on(day(2030, 1, 1)))

    def test_on_or_before_step_counts_from_its_bound(self):
        self.assertNotIn(self.by_sofia, self.members_on(day(2022, 6, 27)))
        self.assertIn(self.by_sofia, self.members_on(day(2022, 6, 28)))

    def test_month_known_step_counts_from_the_first_of_the_month(self):
        self.assertNotIn(self.june, self.members_on(day(2022, 5, 31)))
        self.assertIn(self.june, self.members_on(day(2022, 6, 1)))

    def test_members_default_to_today(self):
        self.assertEqual(
            set(City.objects.members()),
            self.members_on(timezone.localdate()),
        )

    def test_founders_are_the_founding_joins(self):
        self.assertEqual(
            set(City.objects.founders()), {self.founder, self.suspended, self.rejoined}
        )

    def test_growth_series_follows_suspensions_and_rejoins(self):
        with self.assertNumQueries(1):
            series = MembershipStep.objects.growth_series()
        self.assertEqual(
            series,
            [
                (ISTANBUL_SUMMIT, 3),
                (day(2022, 4, 25), 4),
                (day(2022, 6, 1), 5),
                (day(2022, 6, 28), 6),
                (day(2022, 12, 31), 5),
                (day(2023, 1, 23), 4),
                (day(2024, 1, 30), 6),
            ],
        )


class CityStatusQueryCountTests(TestCase):
    on = day(2024, 6, 1)

    def add_cities(self, count):
        for number in range(count):
            steps = [(INVITED, day(2021, 6, 1)), (JOINED, ISTANBUL_SUMMIT)]
            if number % 3 == 0:
                steps.append((SUSPENDED, day(2023, 1, 23)))
            city_with_ledger(*steps)

    def queries(self):
        """How many queries each derived figure takes, and the member count."""
        counts = {}
        with CaptureQueriesContext(connection) as status:
            list(City.objects.with_status(self.on))
        counts["status"] = len(status)
        with CaptureQueriesContext(connection) as members:
            members_list = list(City.objects.members(as_of=self.on))
        counts["members"] = len(members)
        with CaptureQueriesContext(connection) as member_count:
            count = City.objects.members(as_of=self.on).count()
        counts["member count"] = len(member_count)
        self.assertEqual(count, len(members_list))
        return counts, count

    def test_queries_do_not_grow_with_the_number_of_cities(self):
        self.add_cities(10)
        with_10, members_of_10 = self.queries()
        self.add_cities(90)
        with_100, members_of_100 = self.queries()
        self.assertEqual((members_of_10, members_of_100), (6, 66))
        self.assertEqual(with_10, with_100)
        self.assertEqual(set(with_100.values()), {1})
