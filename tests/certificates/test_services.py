import datetime
import threading

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateState
from cities import services as ledger
from cities.models import MembershipKind
from tests.certificates.factories import editor, member_city, office_user, viewer
from tests.factories import CityFactory, CityNameFactory, UserFactory


class CertificateIssueTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = member_city(name="Sofia", country="BG")
        CityNameFactory(city=cls.city, language="bg", name="София")
        CityNameFactory(city=cls.city, language="tr", name="Sofya")
        cls.editor = editor()

    def test_snapshot_records_the_ledger_at_issue(self):
        certificate = services.certificate_issue(city=self.city, user=self.editor)
        certificate.refresh_from_db()
        self.assertEqual(certificate.city_name, "Sofia")
        self.assertEqual(certificate.local_name, "София")
        self.assertEqual(certificate.country.code, "BG")
        self.assertEqual(certificate.member_since, datetime.date(2021, 11, 30))
        self.assertEqual(certificate.member_since_precision, "day")
        self.assertIs(certificate.founding, True)
        self.assertEqual(certificate.issued_by, self.editor)

    def test_date_of_issue_is_the_registry_date_at_issue(self):
        certificate = services.certificate_issue(city=self.city, user=self.editor)
        certificate.refresh_from_db()
        self.assertEqual(certificate.issued_on, timezone.localdate())
        self.assertEqual(
            certificate.issued_on, timezone.localdate(certificate.issued_at)
        )
        self.assertEqual(certificate.year, certificate.issued_on.year)

    def test_serial_is_year_and_number_in_year(self):
        first = services.certificate_issue(city=self.city, user=self.editor)
        second = services.certificate_issue(city=member_city(), user=self.editor)
        year = first.issued_at.year
        self.assertEqual(first.serial, f"B40-{year}-000001")
        self.assertEqual(second.serial, f"B40-{year}-000002")

    def test_same_day_resubmission_returns_the_same_certificate(self):
        first = services.certificate_issue(city=self.city, user=self.editor)
        again = services.certificate_issue(city=self.city, user=self.editor)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(Certificate.objects.count(), 1)

    def test_non_member_refused_with_reason(self):
        for city in (CityFactory(name="Nowhere"), self._suspended_city()):
            with (
                self.subTest(city=city.name),
                self.assertRaisesMessage(ValidationError, "not a member"),
            ):
                services.certificate_issue(city=city, user=self.editor)
        self.assertFalse(Certificate.objects.exists())

    def _suspended_city(self):
        city = member_city(name="Suspended")
        ledger.membership_step_record(
            city=city, kind=MembershipKind.SUSPENDED, on=datetime.date(2024, 1, 1)
        )
        return city

    def test_who_may_issue(self):
        other = member_city()
        cases = [
            ("office of the city", office_user(self.city), True),
            ("office of another city", office_user(other), False),
            ("secretariat viewer", viewer(), False),
            ("secretariat editor", self.editor, True),
            ("staff without a group", UserFactory(), False),
        ]
        for label, user, allowed in cases:
            with self.subTest(label):
                if allowed:
                    services.certificate_issue(city=self.city, user=user)
                else:
                    with self.assertRaises(PermissionDenied):
                        services.certificate_issue(city=self.city, user=user)


class CertificateRevokeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = member_city()
        cls.editor = editor()

    def setUp(self):
        self.certificate = services.certificate_issue(city=self.city, user=self.editor)

    def test_revoke_records_who_when_and_why_in_history(self):
        services.certificate_revoke(
            certificate=self.certificate, user=self.editor, reason="Issued in error."
        )
        self.certificate.refresh_from_db()
        self.assertIsNotNone(self.certificate.revoked_at)
        self.assertEqual(self.certificate.revoked_by, self.editor)
        self.assertEqual(self.certificate.revocation_reason, "Issued in error.")
        latest = self.certificate.history.first()
        self.assertEqual(latest.revocation_reason, "Issued in error.")
        self.assertEqual(latest.history_user, self.editor)

    def test_reason_required(self):
        for reason in ("", "   "):
            with (
                self.subTest(reason=reason),
                self.assertRaisesMessage(ValidationError, "reason"),
            ):
                services.certificate_revoke(
                    certificate=self.certificate, user=self.editor, reason=reason
                )
        self.certificate.refresh_from_db()
        self.assertIsNone(self.certificate.revoked_at)

    def test_revoked_once_only(self):
        services.certificate_revoke(
            certificate=self.certificate, user=self.editor, reason="First."
        )
        with self.assertRaisesMessage(ValidationError, "already revoked"):
            services.certificate_revoke(
                certificate=self.certificate, user=self.editor, reason="Second."
            )
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.revocation_reason, "First.")

    def test_only_editors_revoke(self):
        for user in (office_user(self.city), viewer(), UserFactory()):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                services.certificate_revoke(
                    certificate=self.certificate, user=user, reason="No."
                )
        self.certificate.refresh_from_db()
        self.assertIsNone(self.certificate.revoked_at)


class CertificateListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.city = member_city()
        cls.revoked = services.certificate_issue(city=cls.city, user=cls.editor)
        services.certificate_revoke(
            certificate=cls.revoked, user=cls.editor, reason="Replaced."
        )
        cls.valid = services.certificate_issue(city=cls.city, user=cls.editor)
        services.certificate_issue(city=member_city(), user=cls.editor)

    def test_newest_first_with_state_in_one_query(self):
        with self.assertNumQueries(1):
            certificates = services.certificate_list(self.city)
        self.assertEqual([c.pk for c in certificates], [self.valid.pk, self.revoked.pk])
        self.assertEqual(
            [(c.state, str(c.state_label)) for c in certificates],
            [("valid", "valid"), ("revoked", "revoked")],
        )

    def test_superseded_when_the_city_is_suspended(self):
        ledger.membership_step_record(
            city=self.city, kind=MembershipKind.SUSPENDED, on=datetime.date(2025, 3, 1)
        )
        states = [c.state for c in services.certificate_list(self.city)]
        self.assertEqual(
            states, [CertificateState.SUPERSEDED, CertificateState.REVOKED]
        )

    def test_superseded_when_member_since_is_corrected(self):
        step = self.city.membership_steps.get()
        ledger.membership_step_change(step=step, on=datetime.date(2022, 6, 28))
        self.assertEqual(services.certificate_list(self.city)[0].state, "superseded")


class SerialAllocationTests(TransactionTestCase):
    def test_concurrent_issues_get_distinct_consecutive_serials(self):
        # A superuser: a TransactionTestCase may run after another has flushed
        # the permissions the migrations gave the secretariat's groups.
        user = UserFactory(is_superuser=True)
        cities = [member_city() for _ in range(8)]
        barrier = threading.Barrier(len(cities))
        serials, errors = [], []

        def issue(city):
            try:
                barrier.wait()
                serials.append(services.certificate_issue(city=city, user=user).serial)
            except Exception as error:  # reported below, with the thread's error
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=issue, args=(c,)) for c in cities]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        numbers = sorted(int(serial.rsplit("-", 1)[1]) for serial in serials)
        self.assertEqual(numbers, list(range(1, len(cities) + 1)))
