import datetime

from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import SimpleTestCase, TestCase

from cities.dates import DatePrecision
from summits.models import (
    Declaration,
    DeclarationKind,
    Event,
    EventKind,
    Presidency,
    Signature,
    WorkingGroup,
)
from tests.constraints import ConstraintAssertions
from tests.factories import (
    CityFactory,
    DeclarationFactory,
    EventFactory,
    PresidencyFactory,
    SignatureFactory,
    WorkingGroupFactory,
)

day = datetime.date


class ConstraintCoverageTests(ConstraintAssertions, SimpleTestCase):
    def test_every_named_constraint_has_a_refusal_test(self):
        self.assertEveryConstraintTested("summits", __file__)


class WorkingGroupConstraintTests(ConstraintAssertions, TestCase):
    def test_slug_is_unique(self):
        group = WorkingGroupFactory()
        with self.assertRefused("summits_workinggroup_unique_slug"):
            WorkingGroup.objects.create(slug=group.slug, name="Another group")


class EventConstraintTests(ConstraintAssertions, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.event = EventFactory(start_on=day(2022, 6, 28), end_on=day(2022, 6, 28))

    def test_slug_is_unique(self):
        with self.assertRefused("summits_event_unique_slug"):
            Event.objects.create(
                slug=self.event.slug,
                kind=EventKind.SUMMIT,
                name="Another summit",
                start_on=day(2023, 1, 23),
                end_on=day(2023, 1, 23),
            )

    def test_event_ending_before_it_starts_is_refused(self):
        with self.assertRefused("summits_event_end_after_start"):
            Event.objects.filter(pk=self.event.pk).update(end_on=day(2022, 6, 27))

    def test_event_over_several_days_is_accepted(self):
        Event.objects.filter(pk=self.event.pk).update(end_on=day(2022, 6, 29))

    def test_date_more_precise_than_its_precision_is_refused(self):
        with self.assertRefused("summits_event_date_matches_precision"):
            Event.objects.filter(pk=self.event.pk).update(precision=DatePrecision.YEAR)

    def test_date_at_its_precision_is_accepted(self):
        Event.objects.filter(pk=self.event.pk).update(
            precision=DatePrecision.MONTH,
            start_on=day(2022, 6, 1),
            end_on=day(2022, 6, 1),
        )


class DeclarationConstraintTests(ConstraintAssertions, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.declaration = DeclarationFactory(adopted_on=day(2021, 11, 30))

    def test_slug_is_unique(self):
        with self.assertRefused("summits_declaration_unique_slug"):
            Declaration.objects.create(
                slug=self.declaration.slug,
                title="Another declaration",
                kind=DeclarationKind.STATEMENT,
                adopted_on=day(2023, 1, 23),
            )

    def test_date_more_precise_than_its_precision_is_refused(self):
        with self.assertRefused("summits_declaration_date_matches_precision"):
            Declaration.objects.filter(pk=self.declaration.pk).update(
                precision=DatePrecision.MONTH
            )


class SignatureConstraintTests(ConstraintAssertions, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.signature = SignatureFactory()

    def test_second_signature_of_a_city_is_refused(self):
        with self.assertRefused("summits_signature_one_per_city"):
            Signature.objects.create(
                declaration=self.signature.declaration,
                city=self.signature.city,
                on=day(2022, 4, 25),
            )

    def test_city_signing_another_declaration_is_accepted(self):
        Signature.objects.create(
            declaration=DeclarationFactory(),
            city=self.signature.city,
            on=day(2022, 4, 25),
        )

    def test_date_more_precise_than_its_precision_is_refused(self):
        with self.assertRefused("summits_signature_date_matches_precision"):
            Signature.objects.filter(pk=self.signature.pk).update(
                precision=DatePrecision.MONTH
            )


class PresidencyConstraintTests(ConstraintAssertions, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.istanbul, cls.athens = CityFactory(), CityFactory()
        cls.first = PresidencyFactory(
            number=1,
            city=cls.istanbul,
            start_on=day(2021, 11, 30),
            end_on=day(2023, 1, 23),
        )

    def presidency(self, number, city, start_on, end_on=None):
        return Presidency.objects.create(
            number=number, city=city, start_on=start_on, end_on=end_on
        )

    def test_term_number_is_unique(self):
        with self.assertRefused("summits_presidency_unique_number"):
            self.presidency(1, self.athens, day(2030, 1, 1))

    def test_term_ending_before_it_starts_is_refused(self):
        with self.assertRefused("summits_presidency_end_after_start"):
            Presidency.objects.filter(pk=self.first.pk).update(end_on=day(2021, 11, 29))

    def test_term_ending_the_day_it_starts_is_refused(self):
        """An empty term would overlap nothing and slip past the overlap rule."""
        with self.assertRefused("summits_presidency_end_after_start"):
            Presidency.objects.filter(pk=self.first.pk).update(end_on=F("start_on"))

    def test_overlapping_terms_are_refused(self):
        for start_on, end_on in [
            (day(2023, 1, 22), day(2024, 1, 30)),
            (day(2021, 1, 1), day(2021, 12, 1)),
            (day(2022, 1, 1), day(2022, 2, 1)),
            (day(2020, 1, 1), None),
        ]:
            with (
                self.subTest(start_on=start_on, end_on=end_on),
                self.assertRefused("summits_presidency_no_overlap"),
            ):
                self.presidency(2, self.athens, start_on, end_on)

    def test_term_starting_on_the_handover_day_is_accepted(self):
        self.presidency(2, self.athens, day(2023, 1, 23), day(2024, 1, 30))

    def test_current_term_overlaps_any_later_term(self):
        self.presidency(2, self.athens, day(2023, 1, 23))
        with self.assertRefused("summits_presidency_no_overlap"):
            self.presidency(3, CityFactory(), day(2030, 1, 1))

    def test_city_presiding_twice_in_a_row_is_refused(self):
        with self.assertRefused("summits_presidency_no_consecutive_terms"):
            self.presidency(2, self.istanbul, day(2023, 1, 23), day(2024, 1, 30))

    def test_city_presiding_again_after_a_gap_is_accepted(self):
        self.presidency(2, self.athens, day(2023, 1, 23), day(2024, 1, 30))
        self.presidency(3, self.istanbul, day(2024, 1, 30), day(2025, 2, 24))

    def test_validation_reports_a_reversed_term_without_a_false_overlap(self):
        presidency = Presidency(
            number=2,
            city=self.athens,
            start_on=day(2024, 1, 30),
            end_on=day(2023, 1, 23),
        )
        with self.assertRaises(ValidationError) as refused:
            presidency.full_clean()
        self.assertEqual(
            refused.exception.messages, ["A term must end after the day it starts."]
        )
