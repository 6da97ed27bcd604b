import datetime

from django.test import TestCase
from django.utils import timezone

from applications.models import Application, ApplicationState
from tests.applications.factories import PDF, ApplicationFactory
from tests.constraints import ConstraintAssertions
from tests.factories import CityFactory, EventFactory


def candidate_values(city=None):
    return {
        "state": ApplicationState.CANDIDATE,
        "city": city or CityFactory(),
        "accepted_at": timezone.now(),
    }


class ApplicationConstraintTests(ConstraintAssertions, TestCase):
    def update(self, application, **values):
        Application.objects.filter(pk=application.pk).update(**values)

    def test_every_constraint_is_tested(self):
        self.assertEveryConstraintTested("applications", __file__)

    def test_reference_unique(self):
        ApplicationFactory(reference="B40-AAAA-BBBB")
        with self.assertRefused("applications_application_unique_reference"):
            ApplicationFactory(reference="B40-AAAA-BBBB")

    def test_one_pending_application_per_city(self):
        city = CityFactory()
        ApplicationFactory(**candidate_values(city))
        with self.assertRefused("applications_application_one_pending_per_city"):
            ApplicationFactory(**candidate_values(city))

    def test_one_pending_application_per_name_ignoring_case_and_accents(self):
        ApplicationFactory(municipality="Veliko Tarnovo", country="BG")
        ApplicationFactory(municipality="Veliko Tarnovo", country="MK")
        with self.assertRefused("applications_application_one_pending_per_name"):
            ApplicationFactory(municipality="VÉLIKO tarnovo", country="BG")

    def test_declined_applications_of_a_city_may_be_many(self):
        city = CityFactory()
        now = timezone.now()
        for _ in range(2):
            ApplicationFactory(
                municipality="Kardzhali",
                city=city,
                state="declined",
                decided_at=now,
                decline_reason="No.",
            )
        ApplicationFactory(municipality="Kardzhali", **candidate_values(city))

    def test_city_on_record_once_accepted_and_not_before(self):
        application = ApplicationFactory()
        with self.assertRefused("applications_application_city_when_accepted"):
            self.update(application, city=CityFactory())
        with self.assertRefused("applications_application_city_when_accepted"):
            self.update(
                application,
                state=ApplicationState.CANDIDATE,
                accepted_at=timezone.now(),
            )

    def test_acceptance_dated(self):
        application = ApplicationFactory()
        with self.assertRefused("applications_application_acceptance_dated"):
            self.update(application, accepted_at=timezone.now())
        with self.assertRefused("applications_application_acceptance_dated"):
            self.update(
                application, state=ApplicationState.CANDIDATE, city=CityFactory()
            )

    def test_decision_dated(self):
        application = ApplicationFactory()
        with self.assertRefused("applications_application_decision_dated"):
            self.update(application, decided_at=timezone.now())
        accepted = ApplicationFactory(**candidate_values())
        with self.assertRefused("applications_application_decision_dated"):
            self.update(accepted, decided_at=timezone.now())

    def test_admission_dated(self):
        application = ApplicationFactory(**candidate_values())
        with self.assertRefused("applications_application_admission_dated"):
            self.update(
                application, state=ApplicationState.ADMITTED, decided_at=timezone.now()
            )
        with self.assertRefused("applications_application_admission_dated"):
            self.update(application, admitted_at_event=EventFactory())

    def test_reason_when_declined(self):
        application = ApplicationFactory()
        with self.assertRefused("applications_application_reason_when_declined"):
            self.update(
                application, state=ApplicationState.DECLINED, decided_at=timezone.now()
            )
        with self.assertRefused("applications_application_reason_when_declined"):
            self.update(application, decline_reason="Why not")

    def test_letter_size_matches_the_letter_and_at_most_5_mb(self):
        application = ApplicationFactory()
        with self.assertRefused("applications_application_letter_size"):
            self.update(application, letter=PDF, letter_size=1, letter_name="a.pdf")
        big = b"0" * (5 * 1024 * 1024 + 1)
        with self.assertRefused("applications_application_letter_size"):
            self.update(
                application, letter=big, letter_size=len(big), letter_name="a.pdf"
            )

    def test_letter_named(self):
        application = ApplicationFactory()
        with self.assertRefused("applications_application_letter_named"):
            self.update(application, letter=PDF, letter_size=len(PDF))
        with self.assertRefused("applications_application_letter_named"):
            self.update(application, letter_name="a.pdf")

    def test_model_validation_reports_a_constraint(self):
        """A service's full_clean() turns the constraint into a message."""
        city = CityFactory()
        ApplicationFactory(**candidate_values(city))
        duplicate = ApplicationFactory.build(
            reference="B40-ZZZZ-ZZZZ",
            council_decision_on=datetime.date(2026, 1, 1),
            **candidate_values(city),
        )
        with self.assertRaisesMessage(
            Exception, "This city already has an application awaiting a decision."
        ):
            duplicate.full_clean(exclude=["letter"])

    def test_model_validation_reports_a_duplicate_name(self):
        ApplicationFactory(municipality="Veliko Tarnovo", country="BG")
        duplicate = ApplicationFactory.build(
            municipality="veliko tárnovo",
            country="BG",
            reference="B40-ZZZZ-ZZZZ",
        )
        with self.assertRaisesMessage(
            Exception,
            "This municipality already has an application awaiting a decision.",
        ):
            duplicate.full_clean(exclude=["letter"])
