from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from tests.certificates.factories import editor, member_city


class CertificateConstraintTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.certificate = services.certificate_issue(city=member_city(), user=editor())

    def copy(self, **changes):
        fields = {
            field.attname: getattr(self.certificate, field.attname)
            for field in Certificate._meta.concrete_fields
            if not field.primary_key
        }
        return Certificate(**{**fields, **changes})

    def test_serial_unique(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.copy(number=self.certificate.number + 1).save()

    def test_number_unique_in_its_year(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.copy(serial="B40-OTHER").save()

    def test_serial_year_is_the_year_of_issue(self):
        issued_on = self.certificate.issued_on
        with self.assertRaises(IntegrityError), transaction.atomic():
            Certificate.objects.filter(pk=self.certificate.pk).update(
                issued_on=issued_on.replace(year=issued_on.year - 1)
            )

    def test_full_clean_reports_a_year_not_of_issue(self):
        self.certificate.year -= 1
        with self.assertRaisesMessage(ValidationError, "is the year of issue"):
            self.certificate.full_clean()

    def test_revocation_needs_date_and_reason_together(self):
        for changes in (
            {"revoked_at": timezone.now()},
            {"revocation_reason": "A reason without a revocation."},
        ):
            with (
                self.subTest(changes=list(changes)),
                self.assertRaises(IntegrityError),
                transaction.atomic(),
            ):
                Certificate.objects.filter(pk=self.certificate.pk).update(**changes)

    def test_full_clean_reports_a_revocation_without_reason(self):
        self.certificate.revoked_at = timezone.now()
        with self.assertRaisesMessage(ValidationError, "needs a date and a reason"):
            self.certificate.full_clean()
