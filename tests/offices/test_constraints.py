from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone

from offices.models import ChangeRequest, ChangeRequestStatus, CityContact
from tests.factories import CityFactory

CHANGE = {
    "before": {"coordinates": {"latitude": None, "longitude": None}},
    "after": {"coordinates": {"latitude": "42.00000", "longitude": "23.00000"}},
}


class ChangeRequestConstraintTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory()

    def assertRefused(self, constraint, **fields):
        with self.assertRaisesMessage(IntegrityError, constraint), transaction.atomic():
            ChangeRequest.objects.create(city=self.city, **{**CHANGE, **fields})

    def test_a_request_changes_something(self):
        self.assertRefused(
            "offices_changerequest_changes_something", after=CHANGE["before"]
        )

    def test_a_decided_request_has_a_date_and_a_pending_one_none(self):
        self.assertRefused(
            "offices_changerequest_decided_when_not_pending",
            status=ChangeRequestStatus.APPROVED,
        )
        self.assertRefused(
            "offices_changerequest_decided_when_not_pending",
            decided_at=timezone.now(),
        )

    def test_only_a_declined_request_has_a_reason_and_it_must(self):
        self.assertRefused(
            "offices_changerequest_reason_iff_declined",
            status=ChangeRequestStatus.DECLINED,
            decided_at=timezone.now(),
        )
        self.assertRefused(
            "offices_changerequest_reason_iff_declined", decline_reason="because"
        )

    def test_valid_request_is_saved(self):
        ChangeRequest.objects.create(city=self.city, **CHANGE)


class CityContactConstraintTests(TestCase):
    def test_one_per_city(self):
        city = CityFactory()
        CityContact.objects.create(city=city)
        with self.assertRaises(IntegrityError), transaction.atomic():
            CityContact.objects.create(city=city)
