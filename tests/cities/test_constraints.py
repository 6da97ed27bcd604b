import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase

from cities.dates import DatePrecision
from cities.models import (
    City,
    CityName,
    MembershipKind,
    MembershipStep,
    Office,
    OfficeRole,
    Person,
    ReportedCount,
)
from tests.constraints import ConstraintAssertions
from tests.factories import (
    CityFactory,
    CityNameFactory,
    MembershipStepFactory,
    OfficeFactory,
    PersonFactory,
    ReportedCountFactory,
    SignatureFactory,
)

day = datetime.date


class ConstraintCoverageTests(ConstraintAssertions, SimpleTestCase):
    def test_every_named_constraint_has_a_refusal_test(self):
        self.assertEveryConstraintTested("cities", __file__)


class CityConstraintTests(ConstraintAssertions, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory()

    def test_slug_is_unique(self):
        with self.assertRefused("cities_city_unique_slug"):
            City.objects.create(slug=self.city.slug, name="Other", country="BG")

    def test_latitude_beyond_a_pole_is_refused(self):
        for latitude in ("90.00001", "-90.00001"):
            with (
                self.subTest(latitude=latitude),
                self.assertRefused("cities_city_latitude_in_range"),
            ):
                City.objects.filter(pk=self.city.pk).update(latitude=Decimal(latitude))

    def test_latitude_at_a_pole_is_accepted(self):
        for latitude in ("90", "-90"):
            City.objects.filter(pk=self.city.pk).update(latitude=Decimal(latitude))

    def test_longitude_beyond_the_antimeridian_is_refused(self):
        for longitude in ("180.00001", "-180.00001"):
            with (
                self.subTest(longitude=longitude),
                self.assertRefused("cities_city_longitude_in_range"),
            ):
                City.objects.filter(pk=self.city.pk).update(
                    longitude=Decimal(longitude)
                )

    def test_longitude_at_the_antimeridian_is_accepted(self):
        for longitude in ("180", "-180"):
            City.objects.filter(pk=self.city.pk).update(longitude=Decimal(longitude))

    def test_half_a_coordinate_pair_is_refused(self):
        for missing in ("latitude", "longitude"):
            with (
                self.subTest(missing=missing),
                self.assertRefused("cities_city_coordinates_paired"),
            ):
                City.objects.filter(pk=self.city.pk).update(**{missing: None})

    def test_city_without_coordinates_is_accepted(self):
        City.objects.filter(pk=self.city.pk).update(latitude=None, longitude=None)


class CityNameConstraintTests(ConstraintAssertions, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.name = CityNameFactory(language="tr", name="Saraybosna")

    def test_same_name_in_the_same_language_is_refused(self):
        with self.assertRefused("cities_cityname_unique_name"):
            CityName.objects.create(
                city=self.name.city, language="tr", name="Saraybosna"
            )

    def test_same_name_in_another_language_or_city_is_accepted(self):
        CityName.objects.bulk_create(
            [
                CityName(city=self.name.city, language="az", name="Saraybosna"),
                CityName(city=CityFactory(), language="tr", name="Saraybosna"),
            ]
        )

    def test_empty_name_is_refused(self):
        with self.assertRefused("cities_cityname_name_not_empty"):
            CityName.objects.create(city=self.name.city, language="bg", name="")


class PersonConstraintTests(ConstraintAssertions, TestCase):
    def test_slug_is_unique(self):
        person = PersonFactory()
        with self.assertRefused("cities_person_unique_slug"):
            Person.objects.create(slug=person.slug, name="Someone else")


class OfficeConstraintTests(ConstraintAssertions, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory()
        cls.person = PersonFactory()

    def office(self, **fields):
        return Office.objects.create(
            **{"city": self.city, "person": self.person, **fields}
        )

    def test_office_without_any_date_is_refused(self):
        with self.assertRefused("cities_office_has_a_date"):
            self.office(end_on=day(2024, 1, 1))

    def test_term_ending_before_it_starts_is_refused(self):
        with self.assertRefused("cities_office_end_after_start"):
            self.office(start_on=day(2024, 1, 2), end_on=day(2024, 1, 1))

    def test_one_day_term_is_accepted(self):
        self.office(start_on=day(2024, 1, 1), end_on=day(2024, 1, 1))

    def test_known_dates_in_reverse_are_refused(self):
        with self.assertRefused("cities_office_known_dates_ordered"):
            self.office(known_from=day(2024, 1, 2), known_until=day(2024, 1, 1))

    def test_known_date_outside_the_term_is_refused(self):
        term = {"start_on": day(2020, 1, 1), "end_on": day(2024, 12, 31)}
        outside = [
            {"known_from": day(2019, 12, 31)},
            {"known_from": day(2025, 1, 1)},
            {"known_until": day(2019, 12, 31), "known_from": day(2019, 1, 1)},
            {"known_until": day(2025, 1, 1), "known_from": day(2021, 1, 1)},
            {"known_from": day(2019, 12, 31), "end_on": None},
            {
                "known_until": day(2025, 1, 1),
                "known_from": day(2021, 1, 1),
                "start_on": None,
            },
        ]
        for known in outside:
            with (
                self.subTest(**known),
                self.assertRefused("cities_office_known_within_term"),
            ):
                self.office(**{**term, **known})

    def test_known_dates_on_the_term_bounds_are_accepted(self):
        self.office(
            start_on=day(2020, 1, 1),
            end_on=day(2024, 12, 31),
            known_from=day(2020, 1, 1),
            known_until=day(2024, 12, 31),
        )

    def test_overlapping_mayors_are_refused(self):
        self.office(start_on=day(2020, 1, 1), end_on=day(2024, 12, 31))
        overlapping = [
            {"start_on": day(2024, 12, 31)},
            {"known_from": day(2022, 6, 28)},
            {"known_from": day(2019, 6, 1), "known_until": day(2020, 1, 1)},
            {"role": OfficeRole.ACTING_MAYOR, "known_from": day(2021, 11, 30)},
        ]
        for fields in overlapping:
            with (
                self.subTest(**fields),
                self.assertRefused("cities_office_no_overlapping_mayors"),
            ):
                self.office(person=PersonFactory(), **fields)

    def test_mayor_in_office_until_further_notice_overlaps_any_later_mayor(self):
        self.office(start_on=day(2020, 1, 1))
        with self.assertRefused("cities_office_no_overlapping_mayors"):
            self.office(person=PersonFactory(), known_from=day(2030, 1, 1))

    def test_mayor_after_a_mayor_is_accepted(self):
        self.office(start_on=day(2020, 1, 1), end_on=day(2024, 12, 31))
        Office.objects.create(
            city=self.city, person=PersonFactory(), start_on=day(2025, 1, 1)
        )

    def test_mayors_known_on_different_days_are_accepted(self):
        OfficeFactory(city=self.city, known_from=day(2021, 11, 30), known_until=None)
        OfficeFactory(city=self.city, known_from=day(2024, 1, 30), known_until=None)

    def test_deputy_mayor_beside_the_mayor_is_accepted(self):
        self.office(start_on=day(2020, 1, 1), end_on=day(2024, 12, 31))
        self.office(
            person=PersonFactory(),
            role=OfficeRole.DEPUTY_MAYOR,
            start_on=day(2020, 1, 1),
            end_on=day(2024, 12, 31),
        )

    def test_mayors_of_different_cities_at_once_are_accepted(self):
        self.office(start_on=day(2020, 1, 1))
        OfficeFactory(known_from=day(2022, 6, 28), known_until=None)

    def test_validation_reports_a_reversed_term_without_a_false_overlap(self):
        office = Office(
            city=self.city,
            person=self.person,
            start_on=day(2024, 1, 2),
            end_on=day(2024, 1, 1),
        )
        with self.assertRaises(ValidationError) as refused:
            office.full_clean()
        self.assertEqual(
            refused.exception.messages, ["The term cannot end before it starts."]
        )


class MembershipStepConstraintTests(ConstraintAssertions, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.join = MembershipStepFactory(on=day(2022, 6, 28))

    def step(self, **fields):
        return MembershipStep(
            **{"city": self.join.city, "on": day(2023, 1, 1), **fields}
        )

    def test_same_step_on_the_same_day_is_refused(self):
        with self.assertRefused("cities_membershipstep_unique_step"):
            MembershipStep.objects.bulk_create(
                [self.step(kind=MembershipKind.JOINED, on=self.join.on)]
            )

    def test_same_kind_on_another_day_is_accepted(self):
        MembershipStep.objects.bulk_create([self.step(kind=MembershipKind.JOINED)])

    def test_date_more_precise_than_its_precision_is_refused(self):
        for precision, on in [
            (DatePrecision.MONTH, day(2023, 5, 2)),
            (DatePrecision.YEAR, day(2023, 5, 1)),
            (DatePrecision.YEAR, day(2023, 1, 2)),
        ]:
            with (
                self.subTest(precision=precision, on=on),
                self.assertRefused("cities_membershipstep_date_matches_precision"),
            ):
                MembershipStep.objects.filter(pk=self.join.pk).update(
                    precision=precision, on=on
                )

    def test_dates_at_their_precision_are_accepted(self):
        for precision, on in [
            (DatePrecision.DAY, day(2023, 5, 17)),
            (DatePrecision.BEFORE, day(2023, 5, 17)),
            (DatePrecision.MONTH, day(2023, 5, 1)),
            (DatePrecision.YEAR, day(2023, 1, 1)),
        ]:
            MembershipStep.objects.filter(pk=self.join.pk).update(
                precision=precision, on=on
            )

    def test_founding_on_a_step_other_than_a_join_is_refused(self):
        for founding in (True, False):
            with (
                self.subTest(founding=founding),
                self.assertRefused("cities_membershipstep_founding_only_on_join"),
            ):
                MembershipStep.objects.bulk_create(
                    [self.step(kind=MembershipKind.INVITED, founding=founding)]
                )

    def test_signature_on_a_step_other_than_a_join_is_refused(self):
        signature = SignatureFactory(city=self.join.city)
        with self.assertRefused("cities_membershipstep_signature_only_on_join"):
            MembershipStep.objects.bulk_create(
                [self.step(kind=MembershipKind.SUSPENDED, signature=signature)]
            )

    def test_signature_on_a_reinstatement_is_accepted(self):
        signature = SignatureFactory(city=self.join.city)
        MembershipStep.objects.bulk_create(
            [self.step(kind=MembershipKind.REINSTATED, signature=signature)]
        )


class ReportedCountConstraintTests(ConstraintAssertions, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.count = ReportedCountFactory(on=day(2022, 6, 28), reported_by="B40")

    def test_second_count_from_a_source_on_a_day_is_refused(self):
        with self.assertRefused("cities_reportedcount_unique_report"):
            ReportedCount.objects.create(
                on=day(2022, 6, 28), members=39, reported_by="B40"
            )

    def test_counts_from_two_sources_on_a_day_are_accepted(self):
        ReportedCount.objects.create(
            on=day(2022, 6, 28), members=39, reported_by="Istanbul municipality"
        )

    def test_date_more_precise_than_its_precision_is_refused(self):
        with self.assertRefused("cities_reportedcount_date_matches_precision"):
            ReportedCount.objects.filter(pk=self.count.pk).update(
                precision=DatePrecision.MONTH
            )
